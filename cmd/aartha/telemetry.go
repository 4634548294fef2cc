package main

import (
	"context"

	"github.com/aartha/ledger/telemetry"
	"github.com/aartha/ledger/worker"
)

// telemetryKey carries the service's Telemetry in the context the
// anchoring side is started with, so that startAnchoring needs no new
// parameter.
type telemetryKey struct{}

// withTelemetry returns ctx carrying tel.
func withTelemetry(ctx context.Context, tel *telemetry.Telemetry) context.Context {
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
