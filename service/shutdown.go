package service

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/aartha/ledger/anchoring"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store"
)

// drainState is the "shutdown" readiness check: it fails once the server
// has begun to drain, so /ready answers 503 while in-flight requests finish.
type drainState struct{ draining atomic.Bool }

var _ aarthahttp.Pinger = (*drainState)(nil)

// Ping reports an error once draining has started.
func (d *drainState) Ping(context.Context) error {
	if d.draining.Load() {
		return errors.New("shutting down")
	}
	return nil
}

// shutdown stops a serving process in the order that loses nothing: /ready
// turns 503 and the listener stays open for drainDelay so a load balancer
// stops sending; then the HTTP server stops accepting and waits for its
// in-flight requests; then the worker stops taking jobs and finishes its
// current one (a job still running when the grace ends is cancelled and
// retried later under the same idempotency key, by this process after a
// restart or by the replica that takes the sender lock over); then the
// audit sealer stops. The caller closes the database afterwards. All of it
// shares shutdownGrace.
func shutdown(log *slog.Logger, drain *drainState, srv *aarthahttp.Server, anch *anchoring.Running, sealer *store.AuditSealer) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	log.Info("shutting down: draining HTTP requests", "grace", shutdownGrace)
	drain.draining.Store(true)
	select {
	case <-time.After(drainDelay):
	case <-ctx.Done():
	}
	err := srv.Stop(ctx)
	if err != nil {
		log.Warn("HTTP requests still running when the grace ended", "err", err)
	}
	if anch != nil {
		log.Info("shutting down: stopping the anchoring worker")
		anch.Stop(ctx)
	}
	sealer.Stop()
	log.Info("shut down", "took", time.Since(start).Round(time.Millisecond))
	return err
}
