package anchoring

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/notify"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
	"github.com/aartha/ledger/worker"
)

// Observer receives the chain side's measurements: the transaction
// manager's and the worker's, and each chain call's when it also has
// ObserveCall. metrics.Metrics implements it.
type Observer interface {
	txmgr.Metrics
	worker.Observer
}

// callObserver receives one measurement per chain call.
type callObserver interface {
	ObserveCall(operation string, err error, d time.Duration)
}

// RunOptions are what Start needs beside the configuration and the store.
type RunOptions struct {
	Log *slog.Logger
	Out io.Writer // where the chain is announced
	// Metrics, if set, receives the chain side's measurements.
	Metrics Observer
	// Notifier posts incidents (a failure given up on, a final write lost,
	// an outage) to the webhook and mail; Start starts it and Stop stops
	// it. Nil: incidents are only logged.
	Notifier *notify.Notifier
	// OnFailed, if set, is also told of every failure given up on (for
	// error tracking). It must not block.
	OnFailed func(worker.Failure)
	// Wrap, if set, wraps the chain's sender (for tracing).
	Wrap func(ledger.ChainSender) ledger.ChainSender
}

// Running is anchoring as a running part of the service: the chain, the
// worker that drives queued anchors onto it, the sender lock that lets it
// send only while no other replica does for the same account, and the
// notifier of its incidents.
type Running struct {
	*Chain
	worker   *worker.Worker
	audit    *AuditAnchorer
	notifier *notify.Notifier
	release  func()
	log      *slog.Logger
}

// Start opens the configured chain (Open), sets the worker as the store's
// job hook, and starts it if this process can become the account's only
// sender; otherwise it keeps trying in the background, so that it takes
// over when the sender stops or dies. The caller must Stop it.
func Start(ctx context.Context, cfg *config.Config, db *store.DB, opts RunOptions) (_ *Running, err error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	log := opts.Log
	r := &Running{log: log, notifier: opts.Notifier}
	defer func() {
		if err != nil {
			r.Stop(context.Background())
		}
	}()
	oopts := Options{Log: log, Out: opts.Out, Journal: db.TxJournal()}
	var workerMetrics worker.Observer
	if opts.Metrics != nil {
		oopts.TxMetrics, workerMetrics = opts.Metrics, opts.Metrics
		// Every chain call is counted and timed (blockchain_calls_total).
		if calls, ok := opts.Metrics.(callObserver); ok {
			oopts.OnCall = calls.ObserveCall
		}
	}
	if r.Chain, err = Open(ctx, cfg, oopts); err != nil {
		return nil, err
	}
	if r.notifier != nil {
		if err := r.notifier.Start(ctx); err != nil {
			return nil, err
		}
	}
	var sender ledger.ChainSender = r.Chain
	if opts.Wrap != nil {
		sender = opts.Wrap(sender)
	}
	r.worker, err = worker.New(db, sender, worker.Config{
		Mode: cfg.AnchorMode, Contract: r.Target(), BatchMax: cfg.BatchMax, BatchWindow: cfg.BatchWindow,
		MaxRetries: cfg.MaxRetries, RetryDelay: cfg.RetryDelay, Log: log.With("component", "worker"),
		Network: r.Network(), Metrics: workerMetrics, Concurrency: r.Concurrency,
		Watcher: r.Chain, WatchInterval: r.WatchInterval,
		OnLost:           r.reportLoss,
		OutageAlertAfter: cfg.OutageAlertAfter, OnOutage: r.notifyOutage,
		RetentionDays: cfg.RetentionDays,
		OnFailed: func(f worker.Failure) {
			if opts.OnFailed != nil {
				opts.OnFailed(f)
			}
			r.notifyFailure(f)
		},
	})
	if err != nil {
		return nil, err
	}
	db.SetJobHook(r.worker)

	// One sender per account; a replica that is not it queues anchors and
	// takes over when the sender stops or dies (senderlock.go). r.release
	// stops all of it.
	lock := newSenderLock(db, r.SenderLock, r.worker, log)
	if err := lock.Start(ctx); err != nil {
		return nil, err
	}
	r.release = lock.Release
	// The audit trail's head goes to the same chain, from the sender only.
	r.audit = &AuditAnchorer{Store: db, Chain: r.Chain, Interval: cfg.AuditAnchorInterval,
		Sending: lock.Sending, Log: log.With("component", "audit-anchor")}
	r.audit.Start(ctx)
	log.Info("anchoring", r.LogAttrs...)
	return r, nil
}

// HeadBlock is the chain's latest block number.
func (r *Running) HeadBlock(ctx context.Context) (uint64, error) { return r.Head(ctx) }

// notify posts an incident when there is a notifier.
func (r *Running) notify(e notify.Event) {
	if r.notifier != nil {
		r.notifier.Notify(e)
	}
}

// notifyFailure posts an anchoring the worker gave up on.
func (r *Running) notifyFailure(f worker.Failure) {
	what := fmt.Sprintf("the %s record of loan %s", f.Kind, f.LoanID)
	if f.BatchID != 0 {
		what = fmt.Sprintf("batch %d", f.BatchID)
	}
	r.notify(notify.Event{Kind: notify.KindAnchorFailed,
		Summary: "anchoring failed for good: " + what + ": " + f.Reason, Details: f})
}

// reportLoss raises the incident of a write that left the chain after it
// was final (the metric and the audit row come from the worker).
func (r *Running) reportLoss(l ledger.Loss) {
	what := fmt.Sprintf("the %s record of loan %s", l.Kind, l.LoanID)
	if l.BatchID != 0 {
		what = fmt.Sprintf("batch %d", l.BatchID)
	}
	r.notify(notify.Event{Kind: notify.KindFinalLost,
		Summary: fmt.Sprintf("%s was final in block %d and has left the chain (transaction %s); it is queued and being sent again", what, l.Block, l.TxHash.Hex()),
		Details: l})
}

// notifyOutage alerts when the chain has been unreachable for
// BLOCKCHAIN_OUTAGE_ALERT_AFTER, and again when it answers (o nil).
// Anchoring waits meanwhile; nothing fails for the outage.
func (r *Running) notifyOutage(o *worker.Outage) {
	if o == nil {
		r.notify(notify.Event{Kind: notify.KindChainReachable, Summary: "the chain answers again: anchoring resumes"})
		return
	}
	r.notify(notify.Event{Kind: notify.KindChainUnreachable, Details: o,
		Summary: fmt.Sprintf("the chain has been unreachable since %s: anchoring waits for it (nothing fails meanwhile): %s", o.Since.UTC().Format(time.RFC3339), o.Err)})
}

// Stop stops the audit anchorer and the worker (letting its current job finish until ctx ends),
// gives up the sender lock, stops the notifier and closes the chain. Safe
// to call twice.
func (r *Running) Stop(ctx context.Context) {
	if r.audit != nil {
		r.audit.Stop()
		r.audit = nil
	}
	if r.worker != nil && r.release != nil {
		if err := r.worker.Stop(ctx); err != nil {
			r.log.Warn("stop anchoring worker", "err", err)
		}
	}
	if r.release != nil {
		r.release()
		r.release = nil
	}
	if r.notifier != nil {
		r.notifier.Stop(ctx)
		r.notifier = nil
	}
	if r.Chain != nil {
		r.Chain.Close()
	}
}
