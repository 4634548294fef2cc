package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// TestDemoAnchorsAndVerifies runs the whole lifecycle the way a newcomer
// does, on the embedded chain: create, approve, anchor, verify, repay,
// anchor, verify, in each mode and on each database.
func TestDemoAnchorsAndVerifies(t *testing.T) {
	t.Parallel()
	for _, c := range storesAndModes {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			vars := map[string]string{
				"AARTHA_DATA_DIR": dir, "AARTHA_DEV_CHAIN_RPC": "127.0.0.1:0",
				"BLOCKCHAIN_ANCHOR_MODE": c.mode, "BLOCKCHAIN_BATCH_WINDOW": "200ms",
			}
			if c.postgres {
				vars["DATABASE_URL"] = postgresURL(t)
				_, err := run(t, context.Background(), vars, "migrate")
				require.NoError(t, err)
			}
			receiptPath := filepath.Join(dir, "receipt.json")
			out, err := run(t, context.Background(), vars, "demo", "--loans", "4", "--receipt", receiptPath, "--timeout", "90s")
			require.NoError(t, err, out)
			require.Contains(t, out, "approved record, "+c.mode+" mode")
			require.Contains(t, out, "repaid record, "+c.mode+" mode")
			require.NotContains(t, out, "MISMATCH")

			b, err := os.ReadFile(receiptPath)
			require.NoError(t, err)
			receipt, err := ledger.ParseReceipt(b)
			require.NoError(t, err)
			require.Equal(t, c.mode, receipt.Mode)
			require.Equal(t, "eip155:1337", receipt.Chain)
			_, err = receipt.CheckOffline()
			require.NoError(t, err)
		})
	}
}

// TestVerifyCommandAgainstServedChain checks a receipt with `aartha verify`
// against the embedded chain's JSON-RPC while `aartha serve` runs, as a
// third party without our database would, and sees a tampered one fail.
func TestVerifyCommandAgainstServedChain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_DEV_CHAIN_RPC": "127.0.0.1:0", "BLOCKCHAIN_BATCH_WINDOW": "200ms"}
	receiptPath := filepath.Join(dir, "receipt.json")
	out, err := run(t, context.Background(), vars, "demo", "--loans", "2", "--receipt", receiptPath, "--timeout", "90s")
	require.NoError(t, err, out)

	rpcAddr := freeAddr(t)
	serveVars := map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_DEV_CHAIN_RPC": rpcAddr, "AARTHA_LISTEN_ADDR": freeAddr(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, serveVars, "serve")
		done <- err
	}()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	require.Eventually(t, func() bool {
		r, err := http.Get("http://" + serveVars["AARTHA_LISTEN_ADDR"] + "/health")
		if err != nil {
			return false
		}
		r.Body.Close()
		return true
	}, 30*time.Second, 100*time.Millisecond)

	out, err = run(t, context.Background(), nil, "verify", receiptPath, "--rpc", "http://"+rpcAddr)
	require.NoError(t, err, out)
	require.Contains(t, out, "verified: loan DEMO-")

	var receipt map[string]any
	b, err := os.ReadFile(receiptPath)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &receipt))
	receipt["record"].(map[string]any)["principal"] = "999999999"
	tampered, err := json.Marshal(receipt)
	require.NoError(t, err)
	tamperedPath := filepath.Join(dir, "tampered.json")
	require.NoError(t, os.WriteFile(tamperedPath, tampered, 0o600))
	out, err = run(t, context.Background(), nil, "verify", tamperedPath, "--rpc", "http://"+rpcAddr)
	require.Error(t, err)
	require.True(t, strings.Contains(out, "MISMATCH"), out)
}
