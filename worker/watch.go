package worker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// startWatch starts the watch loop if the worker has a Watcher.
func (w *Worker) startWatch(ctx context.Context) {
	watcher := w.cfg.Watcher
	if watcher == nil {
		return
	}
	w.watchMu.Lock()
	defer w.watchMu.Unlock()
	if w.stopWatch != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	w.stopWatch, w.watchDone = cancel, done
	go func() {
		defer close(done)
		t := time.NewTicker(w.cfg.WatchInterval)
		defer t.Stop()
		for {
			if err := w.WatchOnce(ctx, watcher); err != nil && ctx.Err() == nil {
				w.cfg.Log.Warn("watching final writes", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// endWatch stops the watch loop and waits for it. Safe to call twice.
func (w *Worker) endWatch() {
	w.watchMu.Lock()
	cancel, done := w.stopWatch, w.watchDone
	w.stopWatch, w.watchDone = nil, nil
	w.watchMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// WatchOnce runs one round of the watch: the sender heals its sequence,
// then every final write still inside the watch window is checked against
// the chain, and each one that left it is taken back and queued again.
// Start runs it every WatchInterval; tests call it directly.
func (w *Worker) WatchOnce(ctx context.Context, watcher ledger.ChainWatcher) error {
	healed, err := watcher.Heal(ctx)
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("heal: %w", err))
	}
	for _, l := range healed {
		errs = append(errs, w.takeBack(ctx, l.Key, l.Reason, l.Gas))
	}
	from, err := watcher.WatchFrom(ctx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	anchors, err := w.store.Anchors(ctx, ledger.AnchorFilter{Mode: ledger.ModeDirect, Status: ledger.AnchorFinal, FromBlock: max(from, 1), Limit: 10_000})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	// A block still in place vouches for every write in it: ask once.
	intact := map[common.Hash]bool{}
	for _, a := range anchors {
		errs = append(errs, w.recheck(ctx, watcher, anchorKey(a.ID), ledger.Placement{TxHash: a.TxHash, BlockNumber: a.BlockNumber, BlockHash: a.BlockHash}, intact))
	}
	batches, err := w.store.Batches(ctx, ledger.AnchorFinal, 1000)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, b := range batches {
		if b.BlockNumber >= from {
			errs = append(errs, w.recheck(ctx, watcher, batchKey(b.ID), ledger.Placement{TxHash: b.TxHash, BlockNumber: b.BlockNumber, BlockHash: b.BlockHash}, intact))
		}
	}
	return errors.Join(errs...)
}

func (w *Worker) recheck(ctx context.Context, watcher ledger.ChainWatcher, key string, p ledger.Placement, intact map[common.Hash]bool) error {
	if intact[p.BlockHash] {
		return nil
	}
	lost, reason, gas, err := watcher.Recheck(ctx, key, p)
	if err != nil {
		return err
	}
	if !lost {
		intact[p.BlockHash] = true
		return nil
	}
	return w.takeBack(ctx, key, reason, gas)
}

// anchorKey and batchKey are the idempotency keys of a direct anchor's and
// a batch's sends.
func anchorKey(id int64) string { return "anchor:" + strconv.FormatInt(id, 10) }
func batchKey(id int64) string  { return "batch:" + strconv.FormatInt(id, 10) }

// takeBack records that the write sent under key left the chain after it
// was final: the anchor (or the batch and its anchors) goes back to queued
// with the reason, an audit row says what happened, and a job sends it
// again, all in one transaction; then the metrics and OnLost are told. A
// write already taken back is left alone, so a retry is harmless.
func (w *Worker) takeBack(ctx context.Context, key, reason string, gas *ledger.Gas) error {
	kind, idText, _ := strings.Cut(key, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || (kind != "anchor" && kind != "batch") {
		return fmt.Errorf("take back send %q: not an anchor's or a batch's key", key)
	}
	takeBack := w.anchors.TakeBackAnchor
	if kind == "batch" {
		takeBack = w.anchors.TakeBackBatch
	}
	loss, err := takeBack(ctx, id, reason)
	if err != nil {
		return fmt.Errorf("take back send %s: %w", key, err)
	}
	if loss == nil {
		return nil
	}
	if kind == "batch" {
		// The batch job finishes queued batches; insert one now rather
		// than wait for the periodic sweep.
		if _, err := w.river.Insert(ctx, batchArgs{}, nil); err != nil {
			w.cfg.Log.Warn("enqueue batch job after a lost batch; the periodic sweep will pick it up", "err", err)
		}
	}
	w.cfg.Metrics.FinalLost(kind)
	if gas != nil {
		w.cfg.Metrics.TxLost(gas.Used, gas.Price)
	}
	w.cfg.Log.Error("a write reported final left the chain; queued to be sent again",
		"send", key, "tx", loss.TxHash.Hex(), "block", loss.Block, "reason", reason)
	if w.cfg.OnLost != nil {
		w.cfg.OnLost(*loss)
	}
	return nil
}
