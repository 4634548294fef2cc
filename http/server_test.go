package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	nethttp "net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	aarthahttp "github.com/aartha/ledger/http"
)

type pingFunc func(ctx context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }

func startServer(t *testing.T, ready map[string]aarthahttp.Pinger) *aarthahttp.Server {
	t.Helper()
	s := aarthahttp.NewServer("127.0.0.1:0", "test", ready, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, s.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, s.Stop(ctx))
		require.NoError(t, s.Stop(ctx), "second Stop is a no-op")
	})
	return s
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := nethttp.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func TestHealth(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	code, body := getJSON(t, s.URL()+"/health")
	require.Equal(t, nethttp.StatusOK, code)
	require.Equal(t, "ok", body["status"])
}

func TestReadyReportsEachDependency(t *testing.T) {
	t.Parallel()
	up := pingFunc(func(context.Context) error { return nil })
	down := pingFunc(func(context.Context) error { return errors.New("connection refused") })

	s := startServer(t, map[string]aarthahttp.Pinger{"database": up})
	code, body := getJSON(t, s.URL()+"/ready")
	require.Equal(t, nethttp.StatusOK, code)
	require.Equal(t, map[string]any{"database": "ok"}, body["checks"])

	s = startServer(t, map[string]aarthahttp.Pinger{"database": down, "chain": up})
	code, body = getJSON(t, s.URL()+"/ready")
	require.Equal(t, nethttp.StatusServiceUnavailable, code)
	require.Equal(t, map[string]any{"database": "unreachable", "chain": "ok"}, body["checks"])
}
