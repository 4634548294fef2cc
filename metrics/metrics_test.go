package metrics_test

import (
	"context"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/metrics"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
)

// TestMetricsEndpoint serves /metrics next to an instrumented route, with
// the latest reconciliation run and the queue read from a real SQLite store,
// and checks the exposition a Prometheus server would scrape.
func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "aartha.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	require.NoError(t, db.SaveReconcileRun(ctx, &ledger.ReconcileRun{
		Scope: ledger.ReconcileAll, StartedAt: now, FinishedAt: now, Chain: "eip155:1337", Contract: "0x0",
		Counts: ledger.ReconcileCounts{Match: 10, Mismatch: 2, Unknown: 1, Pending: 3},
	}))

	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.Watch(metrics.Sources{
		SignerBalance: func(context.Context) (string, *big.Int, error) { return "0xabc", big.NewInt(4e16), nil },
		SignerNonce:   func(context.Context) (string, uint64, error) { return "", 0, errors.New("node down") },
		QueueDepth:    db.AnchorCountsByStatus,
		LastReconcile: db.LastReconcileRun,
	})
	var tm txmgr.Metrics = m
	tm.Phase(txmgr.PhaseIncluded)
	tm.FeeWait()
	m.ObserveCall("send_transaction", nil, 200*time.Millisecond)
	m.ObserveCall("send_transaction", errors.New("refused"), time.Second)
	m.TxMined(21000, big.NewInt(2_000_000_000))
	m.ObserveBatch(100)
	m.VerificationMismatch(1)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/loans/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) })
	mux.Handle("GET /metrics", metrics.Handler(reg))
	srv := httptest.NewServer(m.Middleware(mux))
	t.Cleanup(srv.Close)

	for _, id := range []string{"L-1", "L-2"} {
		resp, err := http.Get(srv.URL + "/api/loans/" + id)
		require.NoError(t, err)
		resp.Body.Close()
	}
	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	text := string(b)
	for _, want := range []string{
		`blockchain_calls_total{operation="send_transaction",status="error"} 1`,
		`blockchain_calls_total{operation="send_transaction",status="success"} 1`,
		`blockchain_call_duration_seconds_count{operation="send_transaction"} 2`,
		`aartha_gas_used_total 21000`,
		`aartha_fees_paid_wei_total 4.2e+13`,
		`aartha_tx_phase_total{phase="included"} 1`,
		`aartha_tx_fee_cap_waits_total 1`,
		`aartha_batch_size_count 1`,
		`aartha_verification_mismatches_total 1`,
		`aartha_signer_balance_wei{signer="0xabc"} 4e+16`,
		`aartha_metrics_source_errors{source="signer_nonce"} 1`,
		`aartha_reconcile_last_run_problems{run="1",scope="all"} 3`,
		`aartha_reconcile_last_run_pending{run="1",scope="all"} 3`,
		`aartha_reconcile_last_run_timestamp_seconds 1.7935344e+09`,
		`aartha_http_requests_total{code="404",method="GET",route="GET /api/loans/{id}"} 2`,
	} {
		require.Contains(t, text, want)
	}
}

// TestKnownSeriesAtZero: right after start, before any chain call, the call
// and phase series exist at zero, so rate() and increase() alerts have a
// series to work on.
func TestKnownSeriesAtZero(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.KnownCalls("send_transaction", "read_receipt")
	srv := httptest.NewServer(metrics.Handler(reg))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	for _, want := range []string{
		`blockchain_calls_total{operation="send_transaction",status="success"} 0`,
		`blockchain_calls_total{operation="send_transaction",status="error"} 0`,
		`blockchain_calls_total{operation="read_receipt",status="error"} 0`,
		`blockchain_call_duration_seconds_count{operation="read_receipt"} 0`,
		`aartha_tx_phase_total{phase="queued"} 0`,
		`aartha_tx_phase_total{phase="failed"} 0`,
	} {
		require.Contains(t, string(b), want)
	}
}
