package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/metrics"
	"github.com/aartha/ledger/notify"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
	"github.com/aartha/ledger/worker"
)

// anchorRun is the running chain side of the service: the chain (the
// configured one, opened by package anchoring), the worker that drives
// queued anchors onto it and the notifier of its incidents.
type anchorRun struct {
	*anchoring.Chain
	worker   *worker.Worker
	notifier *notify.Notifier
	release  func()
	log      *slog.Logger
}

// anchoringObserver receives the chain side's measurements; metrics.Metrics
// implements it.
type anchoringObserver interface {
	txmgr.Metrics
	worker.Observer
}

// callObserver receives one measurement per node call; metrics.Metrics
// implements it.
type callObserver interface {
	ObserveCall(operation string, err error, d time.Duration)
}

// CAIP2 is the chain's CAIP-2 id, as receipts name it.
func (a *anchorRun) CAIP2() string { return a.Network() }

// startAnchoring opens the configured chain (or starts the embedded one),
// sets the worker as the store's job hook, and starts it if this process
// can become the signer's only sender. The caller must Stop it.
//
// obs, if not nil, receives the chain's, the transaction manager's and the
// worker's measurements. Failures the worker gives up on are posted to the
// configured webhook (and mailed) through a notifier that never blocks.
func startAnchoring(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger, out io.Writer, obs anchoringObserver) (_ *anchorRun, err error) {
	a := &anchorRun{log: log}
	defer func() {
		if err != nil {
			a.Stop(context.Background())
		}
	}()
	opts := anchoring.Options{Log: log, Out: out, Journal: db.TxJournal()}
	var workerMetrics worker.Observer
	if obs != nil {
		opts.TxMetrics, workerMetrics = obs, obs
		// Every chain call is counted and timed (blockchain_calls_total).
		if calls, ok := obs.(callObserver); ok {
			opts.OnCall = calls.ObserveCall
		}
	}
	if a.Chain, err = anchoring.Open(ctx, cfg, opts); err != nil {
		return nil, err
	}
	a.notifier = newNotifier(cfg)
	if err := a.notifier.Start(ctx); err != nil {
		return nil, err
	}
	a.worker, err = worker.New(db, traceSends(ctx, a.Chain), worker.Config{
		Mode: cfg.AnchorMode, Contract: a.Target(), BatchMax: cfg.BatchMax, BatchWindow: cfg.BatchWindow,
		MaxRetries: cfg.MaxRetries, RetryDelay: cfg.RetryDelay, Log: log.With("component", "worker"),
		Network: a.Network(), Metrics: workerMetrics, Concurrency: a.Concurrency,
		Watcher: a.Chain, WatchInterval: a.WatchInterval,
		OnLost:           a.reportLoss,
		OutageAlertAfter: cfg.OutageAlertAfter, OnOutage: a.notifyOutage, // outage.go
		OnFailed: func(f worker.Failure) {
			reportAnchorFailure(ctx, f) // telemetry.go
			a.notifyFailure(f)
		},
	})
	if err != nil {
		return nil, err
	}
	db.SetJobHook(a.worker)

	// One sender per signer; a replica that is not it queues anchors and
	// takes over when the sender stops or dies (senderlock.go). a.release
	// stops all of it.
	sender := newSenderLock(db, a.SenderLock, a.worker, log)
	if err := sender.Start(ctx); err != nil {
		return nil, err
	}
	a.release = sender.Release
	log.Info("anchoring", a.LogAttrs...)
	return a, nil
}

// notifyFailure posts an anchoring the worker gave up on to the webhook
// (and mail).
func (a *anchorRun) notifyFailure(f worker.Failure) {
	what := fmt.Sprintf("the %s record of loan %s", f.Kind, f.LoanID)
	if f.BatchID != 0 {
		what = fmt.Sprintf("batch %d", f.BatchID)
	}
	a.notifier.Notify(notify.Event{Kind: notify.KindAnchorFailed,
		Summary: "anchoring failed for good: " + what + ": " + f.Reason, Details: f})
}

// reportLoss raises the incident of a write that left the chain after it
// was final: the webhook and mail alert (the metric and the audit row come
// from the worker).
func (a *anchorRun) reportLoss(l ledger.Loss) {
	what := fmt.Sprintf("the %s record of loan %s", l.Kind, l.LoanID)
	if l.BatchID != 0 {
		what = fmt.Sprintf("batch %d", l.BatchID)
	}
	a.notifier.Notify(notify.Event{Kind: notify.KindFinalLost,
		Summary: fmt.Sprintf("%s was final in block %d and has left the chain (transaction %s); it is queued and being sent again", what, l.Block, l.TxHash.Hex()),
		Details: l})
}

// Stop stops the worker (letting its current job finish until ctx ends),
// gives up the sender lock, and closes the chain. Safe to call twice.
func (a *anchorRun) Stop(ctx context.Context) {
	if a.worker != nil && a.release != nil {
		if err := a.worker.Stop(ctx); err != nil {
			a.log.Warn("stop anchoring worker", "err", err)
		}
	}
	if a.release != nil {
		a.release()
		a.release = nil
	}
	if a.notifier != nil {
		a.notifier.Stop(ctx)
		a.notifier = nil
	}
	if a.Chain != nil {
		a.Chain.Close()
	}
}

// metricSources are the values /metrics reads on every scrape: the signer's
// balance and nonce (when anchoring runs on a chain with fees), the anchor
// queue and the latest reconciliation run.
func metricSources(db *store.DB, a *anchorRun) metrics.Sources {
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
