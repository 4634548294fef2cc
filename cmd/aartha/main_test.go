package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// run executes the CLI with the given environment and arguments and returns
// its output and error, as a user at a terminal would see them. Without an
// AARTHA_DATA_DIR in vars the embedded store and chain go to a temporary
// folder, never to ./data in the source tree.
func run(t *testing.T, ctx context.Context, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	dataDir := ""
	if _, ok := vars["AARTHA_DATA_DIR"]; !ok {
		dataDir = t.TempDir()
	}
	cmd := newRootCmd(func(name string) (string, bool) {
		if name == "AARTHA_DATA_DIR" && dataDir != "" {
			return dataDir, true
		}
		v, ok := vars[name]
		return v, ok
	})
	var out lockedBuffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

// lockedBuffer collects output written from several goroutines (the
// command, its logger, background workers).
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freeAddr returns a loopback address with a port free now and never
// handed out before in this test process: the kernel may give a port just
// closed to the next caller, and two servers of parallel tests were seen to
// get the same one (the second could not bind, and its test talked to the
// first).
func freeAddr(t *testing.T) string {
	t.Helper()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		if _, taken := handedOutAddrs.LoadOrStore(addr, true); !taken {
			return addr
		}
	}
}

// handedOutAddrs holds every address freeAddr has returned.
var handedOutAddrs sync.Map

func TestConfigCheckListsEveryBadVariable(t *testing.T) {
	t.Parallel()
	out, err := run(t, context.Background(), map[string]string{
		"BLOCKCHAIN_PRIVATE_KEY": "0xnotakey", "JWT_ALGORITHM": "RS1", "DATABASE_URL": "postgres://u:topsecret@h/db",
	}, "config", "check")
	require.Error(t, err)
	require.Contains(t, err.Error(), "BLOCKCHAIN_PRIVATE_KEY: must be 64 hex digits")
	require.Contains(t, err.Error(), "JWT_ALGORITHM: must be HS256, HS384 or HS512")
	require.Contains(t, out, "DATABASE_URL")
	require.NotContains(t, out+err.Error(), "topsecret")
	require.NotContains(t, out+err.Error(), "notakey")
}

func TestServeWithNoConfigurationStartsOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		// Only the ports are chosen: the defaults may be taken on this
		// machine by another test or a running service.
		_, err := run(t, ctx, map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_LISTEN_ADDR": addr, "AARTHA_DEV_CHAIN_RPC": "127.0.0.1:0"}, "serve")
		done <- err
	}()

	var resp *http.Response
	require.Eventually(t, func() bool {
		r, err := http.Get("http://" + addr + "/ready")
		if err != nil {
			return false
		}
		resp = r
		return true
	}, 60*time.Second, 50*time.Millisecond) // generous: a loaded machine starts slowly
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.FileExists(t, filepath.Join(dir, "aartha.db"))

	// Prometheus metrics, including the anchoring signer's balance read at
	// scrape time from the embedded chain.
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(body), "aartha_signer_balance_wei{signer=")
	require.Contains(t, string(body), `aartha_http_requests_total{code="200",method="GET",route="GET /ready"}`)
	// The chain call series exist from the start, at zero until a call.
	require.Contains(t, string(body), `blockchain_calls_total{operation="read_chain_id",status="success"}`)
	require.Contains(t, string(body), `blockchain_calls_total{operation="send_transaction",status="error"} 0`)
	require.Contains(t, string(body), `aartha_tx_phase_total{phase="failed"} 0`)

	cancel()
	require.NoError(t, <-done, "serve stops cleanly when its context ends")
}

func TestServeRefusesCorruptSQLiteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "aartha.db"), bytes.Repeat([]byte("not a database "), 500), 0o600))
	_, err := run(t, context.Background(), map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_LISTEN_ADDR": freeAddr(t)}, "serve")
	require.Error(t, err)
	require.Contains(t, err.Error(), filepath.Join(dir, "aartha.db"))
}

func TestServeRefusesUnreachableDatabase(t *testing.T) {
	t.Parallel()
	_, err := run(t, context.Background(), map[string]string{
		"DATABASE_URL": "postgres://aartha:s3cr3t-pw@127.0.0.1:1/aartha?connect_timeout=2", "AARTHA_LISTEN_ADDR": freeAddr(t),
	}, "serve")
	require.Error(t, err)
	require.Contains(t, err.Error(), "127.0.0.1:1")
	require.NotContains(t, err.Error(), "s3cr3t-pw")
}

func TestMigrateThenVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, err := run(t, context.Background(), map[string]string{"AARTHA_DATA_DIR": dir}, "migrate")
	require.NoError(t, err)
	require.Contains(t, out, "applied 0001")
	out, err = run(t, context.Background(), map[string]string{"AARTHA_DATA_DIR": dir}, "migrate")
	require.NoError(t, err)
	require.NotContains(t, out, "applied", "a second migrate has nothing to do")
	require.True(t, strings.Contains(out, "schema is at version"), out)

	out, err = run(t, context.Background(), nil, "version")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(out, "aartha "), out)
}

// postgresURL returns a URL for a fresh, empty PostgreSQL schema that is
// dropped after the test. Without a reachable server it skips, except under
// CI where PostgreSQL is required.
func postgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("AARTHA_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI: %v", err)
		}
		t.Skipf("PostgreSQL not reachable: %v", err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("cmdtest_%d", time.Now().UnixNano())
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			_ = c.Close(ctx)
		}
	})
	return base + "&search_path=" + schema
}

func TestServeRefusesOutOfDateSchema(t *testing.T) {
	t.Parallel()
	url := postgresURL(t)
	vars := map[string]string{"DATABASE_URL": url, "AARTHA_LISTEN_ADDR": freeAddr(t)}
	_, err := run(t, context.Background(), vars, "serve")
	require.Error(t, err)
	require.Contains(t, err.Error(), "aartha migrate")

	out, err := run(t, context.Background(), vars, "migrate")
	require.NoError(t, err)
	require.Contains(t, out, "applied 0001")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, vars, "serve")
		done <- err
	}()
	require.Eventually(t, func() bool {
		r, err := http.Get("http://" + vars["AARTHA_LISTEN_ADDR"] + "/ready")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond) // generous: a loaded machine starts slowly
	cancel()
	require.NoError(t, <-done)
}
