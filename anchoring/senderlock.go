package anchoring

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/worker"
)

// takeoverInterval is how often a replica that is not the signer's sender
// tries to take the sender lock: after the sender dies (its database
// session ends with it), another replica sends within about this long.
const takeoverInterval = 3 * time.Second

// senderLocker takes the signer's sender lock; *store.DB implements it.
type senderLocker interface {
	LockSender(ctx context.Context, signer string) (release func(), err error)
}

// jobRunner is the worker as the sender lock starts and stops it.
type jobRunner interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// orphanRescuer requeues the jobs a sender that died left marked running;
// the lock's new holder calls it before it starts the worker.
type orphanRescuer interface {
	RescueOrphans(ctx context.Context) (int, error)
}

var (
	_ senderLocker  = (*store.DB)(nil)
	_ jobRunner     = (*worker.Worker)(nil)
	_ orphanRescuer = (*worker.Worker)(nil)
)

// senderLock makes this replica the signer's only sender when it can, and
// keeps trying when another replica holds the lock, so that a replica takes
// over when the sender stops or dies. The worker runs exactly while the
// lock is held. Start once; Release stops it all and may be called twice.
type senderLock struct {
	db     senderLocker
	signer string
	worker jobRunner
	log    *slog.Logger
	every  time.Duration

	mu       sync.Mutex
	run      context.Context // the worker's context (ending it cancels jobs)
	release  func()          // the lock's release, while held
	released bool
	cancel   context.CancelFunc // ends the takeover loop
	done     chan struct{}      // closed when the takeover loop has ended
}

func newSenderLock(db senderLocker, signer string, w jobRunner, log *slog.Logger) *senderLock {
	return &senderLock{db: db, signer: signer, worker: w, log: log, every: takeoverInterval}
}

// Start takes the lock and starts the worker, or, if another process holds
// the lock, returns at once and keeps trying in the background until it gets
// it or Release is called. ctx is the worker's context for as long as it
// runs. An error means the lock could not even be asked for.
func (s *senderLock) Start(ctx context.Context) error {
	s.mu.Lock()
	s.run = ctx
	s.mu.Unlock()
	sending, err := s.try(ctx)
	if err != nil || sending {
		return err
	}
	s.log.Warn("not sending transactions: another replica sends for this signer; this one queues anchors and takes over if it stops",
		"signer", s.signer, "retry_every", s.every)
	loop, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.cancel, s.done = cancel, make(chan struct{})
	s.mu.Unlock()
	go s.takeover(loop)
	return nil
}

// try takes the lock if it is free and then starts the worker. It reports
// whether this process now sends.
func (s *senderLock) try(ctx context.Context) (bool, error) {
	release, err := s.db.LockSender(ctx, s.signer)
	if ledger.ErrorCode(err) == ledger.EUNAVAILABLE {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("take the sender lock: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		release()
		return false, nil
	}
	if r, ok := s.worker.(orphanRescuer); ok {
		n, err := r.RescueOrphans(ctx)
		if err != nil {
			release()
			return false, err
		}
		if n > 0 {
			s.log.Warn("requeued jobs a stopped sender left running", "jobs", n, "signer", s.signer)
		}
	}
	if err := s.worker.Start(s.run); err != nil {
		release()
		return false, err
	}
	s.release = release
	return true, nil
}

// takeover asks for the lock every s.every until it gets it or ctx ends.
func (s *senderLock) takeover(ctx context.Context) {
	defer close(s.done)
	tick := time.NewTicker(s.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		sending, err := s.try(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("could not ask for the sender lock; trying again", "signer", s.signer, "err", err)
			}
			continue
		}
		if sending {
			s.log.Info("took over sending transactions for the signer", "signer", s.signer)
			return
		}
	}
}

// Sending reports whether this process holds the lock and runs the worker.
func (s *senderLock) Sending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.release != nil
}

// Release stops trying to take the lock and, if this process sends, stops
// the worker and gives the lock up. The caller stops the worker gracefully
// first (anchoring.Stop does); what Release stops itself gets
// workerStopGrace. Safe to call twice.
func (s *senderLock) Release() {
	s.mu.Lock()
	s.released = true
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	s.mu.Lock()
	release := s.release
	s.release = nil
	s.mu.Unlock()
	if release == nil {
		return
	}
	// A no-op when the worker was already stopped; otherwise it took over
	// while the process was stopping.
	ctx, cancelStop := context.WithTimeout(context.Background(), workerStopGrace)
	defer cancelStop()
	if err := s.worker.Stop(ctx); err != nil {
		s.log.Warn("stop anchoring worker", "err", err)
	}
	release()
}

// workerStopGrace bounds how long Release waits for a worker it stops.
const workerStopGrace = 10 * time.Second
