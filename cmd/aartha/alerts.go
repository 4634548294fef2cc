package main

import (
	"context"
	"fmt"
	"io"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/notify"
)

// newNotifier returns the notifier for the configured webhook and, when
// SMTP_ADDR is set, mail to BLOCKCHAIN_ALERT_EMAIL.
func newNotifier(cfg *config.Config) *notify.Notifier {
	return notify.New(notify.Config{WebhookURL: cfg.WebhookURL, Email: cfg.AlertEmail, SMTP: notify.SMTP{
		Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUser, Password: cfg.SMTPPass,
	}})
}

// alertReconcile sends the reconciliation alert to the configured webhook,
// waiting for delivery (the command exits right after); a failure to deliver
// is reported on log, not returned: the run's own error says what matters.
func alertReconcile(ctx context.Context, cfg *config.Config, run *ledger.ReconcileRun, log io.Writer) {
	n := newNotifier(cfg)
	if !n.Enabled() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := n.Send(ctx, notify.Event{
		Kind: notify.KindReconcileProblems,
		Summary: fmt.Sprintf("reconcile run %d (%s) found %d problem(s): %d mismatch, %d missing on chain, %d unknown on chain",
			run.ID, run.Scope, run.Counts.Problems(), run.Counts.Mismatch, run.Counts.Missing, run.Counts.Unknown),
		Details: run,
	})
	if err != nil {
		fmt.Fprintf(log, "warning: reconciliation alert not delivered: %v\n", err)
	}
}
