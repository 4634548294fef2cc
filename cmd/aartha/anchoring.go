package main

import (
	"context"
	"io"
	"log/slog"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/metrics"
	"github.com/aartha/ledger/notify"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/worker"
)

// startAnchoring runs anchoring on the configured chain (anchoring.Start),
// with failures given up on reported to error tracking (telemetry.go) and,
// with every other incident, posted to the configured webhook (and mailed)
// through a notifier that never blocks. obs, if not nil, receives the
// chain side's measurements. The caller must Stop it.
func startAnchoring(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger, out io.Writer, obs anchoring.Observer) (*anchoring.Running, error) {
	return anchoring.Start(ctx, cfg, db, anchoring.RunOptions{
		Log: log, Out: out, Metrics: obs, Notifier: notify.Configured(cfg),
		OnFailed: func(f worker.Failure) { reportAnchorFailure(ctx, f) },
		Wrap:     telemetryFrom(ctx).TraceSends(),
	})
}

// metricSources are the values /metrics reads on every scrape: the signer's
// balance and nonce (when anchoring runs on a chain with fees), the anchor
// queue and the latest reconciliation run.
func metricSources(db *store.DB, a *anchoring.Running) metrics.Sources {
	s := metrics.Sources{QueueDepth: db.AnchorCountsByStatus, LastReconcile: db.LastReconcileRun}
	if a == nil || a.Signer() == (common.Address{}) {
		return s
	}
	s.SignerBalance = func(ctx context.Context) (string, *big.Int, error) {
		addr, b, err := a.SignerBalance(ctx)
		return addr.Hex(), b, err
	}
	s.SignerNonce = func(ctx context.Context) (string, uint64, error) {
		addr, n, _, err := a.SignerNonce(ctx)
		return addr.Hex(), n, err
	}
	return s
}
