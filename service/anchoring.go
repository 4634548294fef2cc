package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/metrics"
	"github.com/aartha/ledger/notify"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/telemetry"
	"github.com/aartha/ledger/worker"
)

// StartAnchoring runs anchoring on the configured chain (anchoring.Start),
// with failures given up on reported to error tracking (when ctx carries a
// Telemetry, WithTelemetry) and, with every other incident, posted to the
// configured webhook (and mailed) through a notifier that never blocks.
// obs, if not nil, receives the chain side's measurements. The caller must
// Stop it.
func StartAnchoring(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger, out io.Writer, obs anchoring.Observer) (*anchoring.Running, error) {
	return anchoring.Start(ctx, cfg, db, anchoring.RunOptions{
		Log: log, Out: out, Metrics: obs, Notifier: notify.Configured(cfg),
		OnFailed: func(f worker.Failure) { reportAnchorFailure(ctx, f) },
		Wrap:     telemetryFrom(ctx).TraceSends(),
	})
}

// telemetryKey carries the service's Telemetry in the context the
// anchoring side is started with, so that StartAnchoring needs no
// parameter that only serve fills.
type telemetryKey struct{}

// WithTelemetry returns ctx carrying tel.
func WithTelemetry(ctx context.Context, tel *telemetry.Telemetry) context.Context {
	return context.WithValue(ctx, telemetryKey{}, tel)
}

// telemetryFrom returns the Telemetry ctx carries, or nil.
func telemetryFrom(ctx context.Context) *telemetry.Telemetry {
	tel, _ := ctx.Value(telemetryKey{}).(*telemetry.Telemetry)
	return tel
}

// reportAnchorFailure sends an anchoring the worker gave up on to Sentry,
// when ctx carries a Telemetry. It does not block.
func reportAnchorFailure(ctx context.Context, f worker.Failure) {
	if tel := telemetryFrom(ctx); tel != nil {
		tel.AnchorFailed(f.LoanID, f.Kind, f.BatchID, f.Reason)
	}
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

// warnIgnoredKey says at start that BLOCKCHAIN_PRIVATE_KEY (or
// BLOCKCHAIN_KEYSTORE) is not used on the embedded development chain, which
// signs with its own funded key: an operator who set one should not
// believe it is anchoring with it.
func warnIgnoredKey(cfg *config.Config, log *slog.Logger, out io.Writer) {
	embedded := cfg.Backend == "evm" && cfg.RPCURL == ""
	if !embedded || (cfg.PrivateKey == "" && cfg.KeystorePath == "") {
		return
	}
	const msg = "BLOCKCHAIN_PRIVATE_KEY / BLOCKCHAIN_KEYSTORE is set but ignored: the embedded development chain (no BLOCKCHAIN_RPC_URL) signs with its own funded key"
	log.Warn(msg)
	fmt.Fprintln(out, "Warning: "+msg)
}
