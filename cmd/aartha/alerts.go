package main

import (
	"context"
	"io"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
)

// alertReconcile sends the reconciliation alert to the configured webhook and
// mail address.
func alertReconcile(ctx context.Context, cfg *config.Config, run *ledger.ReconcileRun, log io.Writer) {
}
