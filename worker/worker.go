package worker

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	ledger "github.com/aartha/ledger"
)

// queueName is the River queue all anchoring jobs use.
const queueName = "anchoring"

// Store is what the worker needs from the database: the ledger's store and
// the SQL pool River shares with it.
type Store interface {
	ledger.Store
	SQLDB() *sql.DB
	Driver() string
}

// Config tunes the worker. Zero values take the documented defaults.
type Config struct {
	Mode string // ledger.ModeBatch (default) or ledger.ModeDirect
	// Contract is what audit rows of chain writes name as the contract
	// (ledger.Chain's Target: the registry's address, or the stream's name).
	Contract    string
	BatchMax    int           // leaves per batch; default 1000
	BatchWindow time.Duration // how long anchors collect before a batch goes; default 5s
	MaxRetries  int           // attempts per job before its anchors fail; default 5
	RetryDelay  time.Duration // first retry delay, doubling each time; default 5s
	Network     string        // CAIP-2 id of the chain, recorded in audit rows of chain writes
	Now         func() time.Time
	Log         *slog.Logger
	// Metrics observes batches, mined transactions and confirmation lag;
	// nil observes nothing.
	Metrics Observer
	// OnFailed, if set, is told when anchoring gives up on a record or a
	// batch (for alerts). It must not block.
	OnFailed func(Failure)
	// Watcher, if set, keeps final writes final (see watch.go): usually the
	// chain itself, unwrapped.
	Watcher ledger.ChainWatcher
	// WatchInterval is how often final writes are looked at again and the
	// sender's sequence healed; default 15s.
	WatchInterval time.Duration
	// OnLost, if set, is told when a write reported final left the chain
	// and was queued again (an incident, for alerts). It must not block.
	OnLost func(Loss)

	// An unreachable chain (the node down, no answer in time) is a wait,
	// not a failure: the job is put off for as long as the outage has
	// lasted so far, at least OutageRetryDelay (default RetryDelay) and at
	// most OutageMaxDelay (default 1 min), as long as it takes, without
	// using up MaxRetries. Once the chain has been
	// unreachable for OutageAlertAfter (default 5 min) OnOutage, if set,
	// is told once per outage; OnOutage(nil) when a send succeeds again.
	// Neither may block.
	OutageRetryDelay time.Duration
	OutageMaxDelay   time.Duration
	OutageAlertAfter time.Duration
	OnOutage         func(*Outage)

	// Concurrency is how many direct-mode records are sent at once (River
	// workers on the anchoring queue); default 1. More than one suits a
	// sender without nonces (a MultiChain stream), where sends are
	// independent: a repayment still waits for its approval's send.
	Concurrency int
}

// Outage is the chain being unreachable since Since; Err is the last error.
type Outage struct {
	Since time.Time
	Err   string
}

// Observer receives the worker's measurements. metrics.Metrics implements
// it. Implementations must be safe for concurrent use and must not block.
type Observer interface {
	ObserveBatch(leaves int)
	// TxMined counts a transaction's cost once, when it is recorded final;
	// TxLost takes it back when that transaction leaves the chain.
	TxMined(gasUsed uint64, effectiveGasPrice *big.Int)
	TxLost(gasUsed uint64, effectiveGasPrice *big.Int)
	// FinalLost counts a write ("anchor" or "batch") that left the chain
	// after it was final.
	FinalLost(write string)
	ObserveConfirmation(d time.Duration)
}

// nopObserver observes nothing.
type nopObserver struct{}

func (nopObserver) ObserveBatch(int)                  {}
func (nopObserver) TxMined(uint64, *big.Int)          {}
func (nopObserver) TxLost(uint64, *big.Int)           {}
func (nopObserver) FinalLost(string)                  {}
func (nopObserver) ObserveConfirmation(time.Duration) {}

// Failure is an anchoring the worker gave up on.
type Failure struct {
	LoanID  string      // the loan, in direct mode
	Kind    ledger.Kind // the record, in direct mode
	BatchID int64       // the batch, in batch mode
	Reason  string
}

func (c *Config) defaults() {
	if c.Mode == "" {
		c.Mode = ledger.ModeBatch
	}
	if c.BatchMax == 0 {
		c.BatchMax = 1000
	}
	if c.BatchWindow == 0 {
		c.BatchWindow = 5 * time.Second
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 5
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = 5 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = nopObserver{}
	}
	if c.WatchInterval == 0 {
		c.WatchInterval = 15 * time.Second
	}
	if c.OutageRetryDelay == 0 {
		c.OutageRetryDelay = c.RetryDelay
	}
	if c.OutageMaxDelay == 0 {
		c.OutageMaxDelay = time.Minute
	}
	if c.OutageAlertAfter == 0 {
		c.OutageAlertAfter = 5 * time.Minute
	}
	if c.Concurrency == 0 {
		c.Concurrency = 1
	}
}

// Worker runs the anchoring jobs. Create it with New, set it as the store's
// job hook (it implements store.JobHook), then Start it.
type Worker struct {
	cfg    Config
	store  Store
	sender ledger.ChainSender
	river  *river.Client[*sql.Tx]

	// batchScheduled is set when this process has inserted a batch job
	// that has not started yet.
	batchScheduled atomic.Bool

	// stopWatch ends the watch loop Start started; watchDone closes when it
	// has returned.
	watchMu   sync.Mutex
	stopWatch context.CancelFunc
	watchDone chan struct{}

	outageMu sync.Mutex
	outage   *Outage // nil while the chain answers
	alerted  bool    // OnOutage was told of this outage
}

// driverFor picks River's driver for the store's database.
func driverFor(s Store) (riverdriver.Driver[*sql.Tx], error) {
	switch s.Driver() {
	case "sqlite":
		return riversqlite.New(s.SQLDB()), nil
	case "postgres":
		return riverdatabasesql.New(s.SQLDB()), nil
	}
	return nil, fmt.Errorf("no River driver for %q", s.Driver())
}

// Migrate brings River's own tables up to date. `aartha migrate` runs it
// after the store's migrations.
func Migrate(ctx context.Context, s Store) (int, error) {
	driver, err := driverFor(s)
	if err != nil {
		return 0, err
	}
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return 0, fmt.Errorf("river migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return 0, fmt.Errorf("apply river migrations: %w", err)
	}
	return len(res.Versions), nil
}

// CheckSchema returns an EUNAVAILABLE error if River's tables are not
// current, naming the fix.
func CheckSchema(ctx context.Context, s Store) error {
	driver, err := driverFor(s)
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("check river migrations: %w", err)
	}
	if !res.OK {
		return ledger.Errorf(ledger.EUNAVAILABLE, "the job queue's tables are out of date (%v): run `aartha migrate`", res.Messages)
	}
	return nil
}

// New returns a worker that sends through sender (a ledger.Chain, or a
// wrapper of one). It starts nothing.
func New(s Store, sender ledger.ChainSender, cfg Config) (*Worker, error) {
	cfg.defaults()
	if cfg.Mode != ledger.ModeBatch && cfg.Mode != ledger.ModeDirect {
		return nil, fmt.Errorf("anchor mode %q is neither batch nor direct", cfg.Mode)
	}
	if cfg.BatchMax < 1 || cfg.BatchMax > 65_535 {
		return nil, fmt.Errorf("batch size %d is outside 1..65535", cfg.BatchMax)
	}
	if cfg.Concurrency < 1 || cfg.Concurrency > 1000 {
		return nil, fmt.Errorf("send concurrency %d is outside 1..1000", cfg.Concurrency)
	}
	driver, err := driverFor(s)
	if err != nil {
		return nil, err
	}
	w := &Worker{cfg: cfg, store: s, sender: sender}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, river.WorkFunc(w.workAnchor)); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, river.WorkFunc(w.workBatch)); err != nil {
		return nil, err
	}
	sweep := river.NewPeriodicJob(river.PeriodicInterval(cfg.BatchWindow),
		func() (river.JobArgs, *river.InsertOpts) { return batchArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
	w.river, err = river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{queueName: {MaxWorkers: cfg.Concurrency}},
		Workers:           workers,
		PeriodicJobs:      []*river.PeriodicJob{sweep},
		MaxAttempts:       cfg.MaxRetries,
		RetryPolicy:       &retryPolicy{first: cfg.RetryDelay},
		FetchPollInterval: 200 * time.Millisecond,
		Logger:            slog.New(riverLog{cfg.Log.Handler()}).With("component", "river"),
	})
	if err != nil {
		return nil, fmt.Errorf("create job queue client: %w", err)
	}
	return w, nil
}

// Start starts working jobs in the background.
func (w *Worker) Start(ctx context.Context) error {
	if err := w.river.Start(ctx); err != nil {
		return fmt.Errorf("start anchoring worker: %w", err)
	}
	w.startWatch(ctx)
	return nil
}

// Stop stops taking jobs and waits for the running one to finish or, when
// ctx ends first, cancels it; a cancelled job is retried later and its
// idempotency key keeps it from sending twice. Calling Stop twice is safe.
func (w *Worker) Stop(ctx context.Context) error {
	w.endWatch()
	err := w.river.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return w.river.StopAndCancel(context.Background())
	}
	return err
}

// AnchorQueued implements store.JobHook: it enqueues the job that will
// anchor a, inside the transaction that queued it.
func (w *Worker) AnchorQueued(ctx context.Context, tx *sql.Tx, a *ledger.Anchor) error {
	var args river.JobArgs = anchorArgs{LoanID: a.LoanID, RecordKind: a.Kind}
	var opts *river.InsertOpts
	if a.Mode == ledger.ModeBatch {
		// One waiting batch job serves every anchor queued before it runs,
		// so only the first approval of a window inserts one. Should that
		// transaction roll back, the periodic sweep (every BatchWindow)
		// still picks the anchors up: the anchor row is the outbox.
		if !w.batchScheduled.CompareAndSwap(false, true) {
			return nil
		}
		args = batchArgs{}
		opts = &river.InsertOpts{ScheduledAt: w.cfg.Now().Add(w.cfg.BatchWindow)}
	}
	if _, err := w.river.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("enqueue anchoring job: %w", err)
	}
	return nil
}

// retryPolicy doubles the delay after each failed attempt, up to an hour.
type retryPolicy struct{ first time.Duration }

func (p *retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	delay := p.first
	for i := 1; i < job.Attempt && delay < time.Hour; i++ {
		delay *= 2
	}
	return time.Now().Add(min(delay, time.Hour))
}

// anchorArgs is the direct-mode job: anchor one record.
type anchorArgs struct {
	LoanID     string      `json:"loan_id"`
	RecordKind ledger.Kind `json:"kind"`
}

func (anchorArgs) Kind() string { return "aartha_anchor" }

func (anchorArgs) InsertOpts() river.InsertOpts {
	// A completed job does not count: an anchor queued again (a failed one
	// retried, a final one whose transaction left the chain) needs a new job.
	return river.InsertOpts{Queue: queueName, UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable},
	}}
}

// batchArgs is the batch-mode job: anchor every unbatched queued anchor.
// At most one waits at a time; approvals that arrive while one runs are
// picked up by its loop or by the periodic sweep.
type batchArgs struct{}

func (batchArgs) Kind() string { return "aartha_batch" }

func (batchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable},
	}}
}

// lastAttempt reports whether a failure of this run discards the job.
func lastAttempt(job *rivertype.JobRow) bool { return job.Attempt >= job.MaxAttempts }

func (w *Worker) workAnchor(ctx context.Context, job *river.Job[anchorArgs]) error {
	anchors, err := w.store.Anchors(ctx, ledger.AnchorFilter{LoanID: job.Args.LoanID})
	if err != nil {
		return err
	}
	var a *ledger.Anchor
	for _, x := range anchors {
		if x.Kind == job.Args.RecordKind {
			a = x
		}
	}
	if a == nil {
		return river.JobCancel(fmt.Errorf("loan %s has no %s anchor", job.Args.LoanID, job.Args.RecordKind))
	}
	if a.Status == ledger.AnchorFinal || a.Status == ledger.AnchorFailed {
		return nil
	}
	if approvalPending(a, anchors) {
		// Sends run concurrently: the approval's must come first, or the
		// chain (or the stream's read-back) refuses the repayment.
		return river.JobSnooze(w.cfg.OutageRetryDelay)
	}
	loan, err := w.store.Loan(ctx, a.LoanID)
	if err != nil {
		return err
	}
	req := ledger.SendRequest{Key: anchorKey(a.ID), Record: &ledger.RecordWrite{
		LoanID: a.LoanID, Kind: a.Kind, LoanKey: a.LoanKey, Commitment: a.Commitment,
		Borrower: common.HexToAddress(loan.BorrowerAddress), Lender: common.HexToAddress(loan.LenderAddress),
	}}
	err = w.sender.Send(ctx, req, func(u ledger.SendUpdate) error {
		return w.recordProgress(ctx, ledger.AnchorFilter{LoanID: a.LoanID}, a.Kind, 0, u)
	})
	return w.settle(ctx, job.JobRow, ledger.AnchorFilter{LoanID: a.LoanID}, a.Kind, 0, err)
}

func (w *Worker) workBatch(ctx context.Context, job *river.Job[batchArgs]) error {
	if w.cfg.Mode != ledger.ModeBatch {
		return w.sweepDirect(ctx)
	}
	w.batchScheduled.Store(false)
	// Batches are sent concurrently (each under its own nonce) so that one
	// batch waiting for its confirmations does not hold up the next.
	sends := newSendGroup(ctx, maxBatchesInFlight)
	// Finish batches a crash or a failed attempt left unfinished, oldest
	// first, before building new ones.
	for _, status := range []ledger.AnchorStatus{ledger.AnchorQueued, ledger.AnchorSubmitted, ledger.AnchorIncluded} {
		open, err := w.store.Batches(ctx, status, 1000)
		if err != nil {
			return errors.Join(err, sends.wait())
		}
		for i := len(open) - 1; i >= 0; i-- {
			b := open[i]
			sends.do(func(ctx context.Context) error { return w.sendBatch(ctx, job.JobRow, b) })
		}
	}
	for {
		b, err := w.buildBatch(ctx)
		if err != nil || b == nil {
			return errors.Join(err, sends.wait())
		}
		sends.do(func(ctx context.Context) error { return w.sendBatch(ctx, job.JobRow, b) })
	}
}

// sweepDirect is direct mode's periodic sweep: every unfinished direct
// anchor gets a job unless one is waiting or running for it already (River
// refuses the duplicate). It covers an anchor queued again while its
// previous job was still being marked completed (a final write taken back
// right after it was final), and anything a crash left without a job.
func (w *Worker) sweepDirect(ctx context.Context) error {
	for _, status := range []ledger.AnchorStatus{ledger.AnchorQueued, ledger.AnchorSubmitted, ledger.AnchorIncluded} {
		open, err := w.store.Anchors(ctx, ledger.AnchorFilter{Mode: ledger.ModeDirect, Status: status, Limit: 1000})
		if err != nil {
			return fmt.Errorf("sweep direct anchors: %w", err)
		}
		for _, a := range open {
			if _, err := w.river.Insert(ctx, anchorArgs{LoanID: a.LoanID, RecordKind: a.Kind}, nil); err != nil {
				return fmt.Errorf("sweep direct anchors: enqueue %s: %w", a.LoanID, err)
			}
		}
	}
	return nil
}

// maxBatchesInFlight bounds the batch transactions awaiting finality at once.
const maxBatchesInFlight = 8

// sendGroup runs sends concurrently, at most limit at a time, and keeps the
// first error; once one fails no new send starts.
type sendGroup struct {
	ctx   context.Context
	slots chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	err   error
}

func newSendGroup(ctx context.Context, limit int) *sendGroup {
	return &sendGroup{ctx: ctx, slots: make(chan struct{}, limit)}
}

func (g *sendGroup) do(send func(context.Context) error) {
	select {
	case g.slots <- struct{}{}:
	case <-g.ctx.Done():
		return
	}
	if g.failed() {
		<-g.slots
		return
	}
	g.wg.Add(1)
	go func() {
		defer func() { <-g.slots; g.wg.Done() }()
		if err := send(g.ctx); err != nil {
			g.mu.Lock()
			if g.err == nil {
				g.err = err
			}
			g.mu.Unlock()
		}
	}()
}

func (g *sendGroup) failed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err != nil
}

func (g *sendGroup) wait() error {
	g.wg.Wait()
	return g.err
}

// buildBatch gathers up to BatchMax unbatched queued anchors into a new
// batch, storing each anchor's proof, in one transaction. It returns nil if
// there is nothing to batch.
func (w *Worker) buildBatch(ctx context.Context) (*ledger.Batch, error) {
	var batch *ledger.Batch
	err := w.store.InTx(ctx, func(tx ledger.Tx) error {
		anchors, err := tx.AnchorsForUpdate(ctx, ledger.AnchorFilter{
			Mode: ledger.ModeBatch, Status: ledger.AnchorQueued, Unbatched: true, Limit: w.cfg.BatchMax,
		})
		if err != nil || len(anchors) == 0 {
			return err
		}
		leaves := make([]common.Hash, len(anchors))
		for i, a := range anchors {
			leaves[i] = a.Leaf
		}
		tree, err := ledger.NewMerkleTree(leaves)
		if err != nil {
			return err
		}
		now := w.cfg.Now().UTC()
		batch = &ledger.Batch{Root: tree.Root(), LeafCount: len(anchors), Status: ledger.AnchorQueued, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateBatch(ctx, batch); err != nil {
			return err
		}
		ids := make([]int64, len(anchors))
		proofs := make([][]common.Hash, len(anchors))
		for i, a := range anchors {
			ids[i] = a.ID
			if proofs[i], err = tree.Proof(a.Leaf); err != nil {
				return err
			}
		}
		return tx.AssignBatch(ctx, batch.ID, ids, proofs, now)
	})
	if err != nil {
		return nil, fmt.Errorf("build batch: %w", err)
	}
	return batch, nil
}

func (w *Worker) sendBatch(ctx context.Context, job *rivertype.JobRow, b *ledger.Batch) error {
	if b.Status == ledger.AnchorQueued {
		w.cfg.Metrics.ObserveBatch(b.LeafCount)
	}
	req := ledger.SendRequest{Key: batchKey(b.ID), Batch: &ledger.BatchWrite{Root: b.Root, LeafCount: b.LeafCount}}
	filter := ledger.AnchorFilter{BatchID: b.ID, Limit: w.cfg.BatchMax}
	err := w.sender.Send(ctx, req, func(u ledger.SendUpdate) error {
		return w.recordProgress(ctx, filter, 0, b.ID, u)
	})
	return w.settle(ctx, job, filter, 0, b.ID, err)
}

// approvalPending reports whether a is a repayment whose loan's approval
// is still on its way to the chain.
func approvalPending(a *ledger.Anchor, anchors []*ledger.Anchor) bool {
	if a.Kind != ledger.KindRepaid || a.Mode != ledger.ModeDirect {
		return false
	}
	for _, x := range anchors {
		if x.Kind == ledger.KindApproved && x.Mode == ledger.ModeDirect && x.Status != ledger.AnchorFinal && x.Status != ledger.AnchorFailed {
			return true
		}
	}
	return false
}

// unreachable reports whether err says the chain could not be reached (no
// connection, no answer in time, an unavailable node) rather than that it
// refused the write: a wait, not a failure. Permanent errors never are.
func (w *Worker) unreachable(err error) bool {
	if err == nil || ledger.Permanent(err) || errors.Is(err, context.Canceled) {
		return false
	}
	return w.sender.Unreachable(err) || ledger.ErrorCode(err) == ledger.EUNAVAILABLE
}

// settle turns a send's outcome into the job's: an unreachable chain puts
// the job off (waitForChain); permanent failures, and other failures on
// the last attempt, mark the anchors failed with the reason.
func (w *Worker) settle(ctx context.Context, job *rivertype.JobRow, f ledger.AnchorFilter, kind ledger.Kind, batchID int64, err error) error {
	if err == nil || (!w.unreachable(err) && !errors.Is(err, context.Canceled)) {
		w.chainAnswered()
	}
	if err == nil {
		return nil
	}
	if w.unreachable(err) {
		// Also when shutting down: the job waits for the next start
		// rather than using up an attempt.
		return w.waitForChain(err)
	}
	if ledger.Permanent(err) || lastAttempt(job) {
		w.cfg.Log.Error("anchoring failed for good", "err", err, "loan", f.LoanID, "batch", batchID)
		if ferr := w.recordFailure(ctx, f, kind, batchID, err.Error()); ferr != nil {
			return errors.Join(err, ferr)
		}
		if w.cfg.OnFailed != nil {
			w.cfg.OnFailed(Failure{LoanID: f.LoanID, Kind: kind, BatchID: batchID, Reason: err.Error()})
		}
		return river.JobCancel(err)
	}
	w.cfg.Log.Warn("anchoring attempt failed; will retry", "err", err, "attempt", job.Attempt)
	return err
}

// waitForChain puts a job off while the chain is unreachable: a snooze
// does not use up an attempt. The delay is how long the outage has lasted
// so far — so waits grow as the outage does, whatever the number of jobs —
// between OutageRetryDelay and OutageMaxDelay; past OutageAlertAfter the
// outage is reported once.
func (w *Worker) waitForChain(err error) error {
	now := w.cfg.Now()
	w.outageMu.Lock()
	if w.outage == nil {
		w.outage = &Outage{Since: now}
	}
	delay := min(max(now.Sub(w.outage.Since), w.cfg.OutageRetryDelay), w.cfg.OutageMaxDelay)
	w.outage.Err = err.Error()
	o := *w.outage
	alert := !w.alerted && now.Sub(o.Since) >= w.cfg.OutageAlertAfter
	w.alerted = w.alerted || alert
	w.outageMu.Unlock()
	if alert {
		w.cfg.Log.Error("chain unreachable; anchoring waits for it", "since", o.Since, "err", err)
		if w.cfg.OnOutage != nil {
			w.cfg.OnOutage(&o)
		}
	} else {
		w.cfg.Log.Warn("chain unreachable; anchoring waits for it", "retry_in", delay, "err", err)
	}
	return river.JobSnooze(delay)
}

// chainAnswered ends an outage, if there was one.
func (w *Worker) chainAnswered() {
	w.outageMu.Lock()
	o, alerted := w.outage, w.alerted
	w.outage, w.alerted = nil, false
	w.outageMu.Unlock()
	if o == nil {
		return
	}
	w.cfg.Log.Info("chain reachable again; anchoring resumes", "unreachable_since", o.Since)
	if alerted && w.cfg.OnOutage != nil {
		w.cfg.OnOutage(nil)
	}
}

// recordProgress writes a send's step onto its anchors, their loans and the
// batch, in one transaction. A batch's anchors and loans are written in bulk
// (a few statements whatever the batch size) and its audit row is one per
// batch step; a direct anchor's step gets an audit row on its loan.
func (w *Worker) recordProgress(ctx context.Context, f ledger.AnchorFilter, kind ledger.Kind, batchID int64, u ledger.SendUpdate) error {
	now := w.cfg.Now().UTC()
	write := w.chainWrite(u)
	// The transaction's cost is counted once: when this update is the one
	// that records it final (a retry that finds it final already does not).
	becameFinal := false
	err := w.store.InTx(ctx, func(tx ledger.Tx) error {
		becameFinal = false
		if batchID != 0 {
			b, before, err := recordBatchProgress(ctx, tx, batchID, u, write, now)
			if err == nil && u.Status == ledger.AnchorFinal && before != ledger.AnchorFinal {
				becameFinal = true
				w.cfg.Metrics.ObserveConfirmation(now.Sub(b.CreatedAt))
			}
			return err
		}
		return applyToAnchors(ctx, tx, f, kind, write, now, func(a *ledger.Anchor) {
			if u.Status == ledger.AnchorFinal && a.Status != ledger.AnchorFinal {
				becameFinal = true
			}
			a.Status, a.TxHash = u.Status, u.TxHash
			// Back to submitted after a reorg: the old block is no more.
			a.BlockNumber, a.BlockHash, a.LogIndex = 0, common.Hash{}, 0
			if u.InBlock() {
				a.BlockNumber, a.BlockHash, a.LogIndex = u.BlockNumber, u.BlockHash, u.LogIndex
			}
			if u.Status == ledger.AnchorFinal {
				a.FinalAt = &now
				w.cfg.Metrics.ObserveConfirmation(now.Sub(a.CreatedAt))
			}
		})
	})
	if err == nil && becameFinal && u.Gas != nil {
		w.cfg.Metrics.TxMined(u.Gas.Used, u.Gas.Price)
	}
	return err
}

// applyToAnchors applies change to the selected anchors of a kind (0: any),
// writes them and mirrors each onto its loan, in the caller's transaction.
func applyToAnchors(ctx context.Context, tx ledger.Tx, f ledger.AnchorFilter, kind ledger.Kind, write *ledger.ChainWrite, now time.Time, change func(*ledger.Anchor)) error {
	anchors, err := tx.AnchorsForUpdate(ctx, f)
	if err != nil {
		return err
	}
	for _, a := range anchors {
		if kind != 0 && a.Kind != kind {
			continue
		}
		before := a.Status
		change(a)
		a.UpdatedAt = now
		if err := tx.UpdateAnchor(ctx, a); err != nil {
			return err
		}
		if err := mirrorOnLoan(ctx, tx, a, before, write, now, ""); err != nil {
			return err
		}
	}
	return nil
}

// chainWrite describes a send's transaction for the audit trail: network,
// contract (the stream on MultiChain), hash and, once mined on a chain with
// gas, gas used, price and total cost in wei.
func (w *Worker) chainWrite(u ledger.SendUpdate) *ledger.ChainWrite {
	c := &ledger.ChainWrite{Network: w.cfg.Network, Contract: w.cfg.Contract}
	if u.TxHash != (common.Hash{}) {
		c.TxHash = u.TxHash.Hex()
	}
	if g := u.Gas; g != nil && g.Price != nil {
		c.GasUsed = g.Used
		c.GasPriceWei = g.Price.String()
		c.TotalCostWei = new(big.Int).Mul(g.Price, new(big.Int).SetUint64(g.Used)).String()
	}
	return c
}

// recordBatchProgress writes a step of a batch's transaction onto the batch,
// all its anchors and their loans, with one audit row for the batch.
func recordBatchProgress(ctx context.Context, tx ledger.Tx, batchID int64, u ledger.SendUpdate, write *ledger.ChainWrite, now time.Time) (_ *ledger.Batch, before ledger.AnchorStatus, _ error) {
	b, err := tx.BatchForUpdate(ctx, batchID)
	if err != nil {
		return nil, "", err
	}
	before = b.Status
	b.Status, b.TxHash, b.UpdatedAt = u.Status, u.TxHash, now
	// Back to submitted after a reorg: the old block is no more.
	b.BlockNumber, b.BlockHash, b.LogIndex, b.Seq = 0, common.Hash{}, 0, 0
	if u.InBlock() {
		b.BlockNumber, b.BlockHash = u.BlockNumber, u.BlockHash
		b.Seq, b.LogIndex = u.BatchSeq, u.LogIndex
		if u.Gas != nil {
			b.GasUsed = u.Gas.Used
			if u.Gas.Price != nil {
				b.GasPriceWei = u.Gas.Price.String()
			}
		}
	}
	if u.Status == ledger.AnchorFinal {
		b.FinalAt = &now
	}
	if err := tx.UpdateBatch(ctx, b); err != nil {
		return nil, before, err
	}
	// "included" is a moment on the way to final (the per-loan
	// status of docs/api.md calls both "submitted"): the batch row records it, and its
	// anchors and loans are written once more only when it is final, which
	// spares a write of every row of a large batch.
	if b.Status == ledger.AnchorIncluded {
		return b, before, nil
	}
	if _, err := tx.SetBatchAnchors(ctx, batchID, ledger.AnchorProgress{
		Status: b.Status, TxHash: b.TxHash, BlockNumber: b.BlockNumber, BlockHash: b.BlockHash,
		LogIndex: b.LogIndex, UpdatedAt: now, FinalAt: b.FinalAt,
	}); err != nil {
		return nil, before, err
	}
	if before == b.Status {
		return b, before, nil
	}
	return b, before, tx.AppendAudit(ctx, &ledger.AuditEntry{
		At: now, Actor: ledger.SystemActor(), Action: "batch." + string(b.Status), Entity: "batch",
		EntityID: strconv.FormatInt(b.ID, 10), Before: batchAudit(before, nil), After: batchAudit(b.Status, b),
		Chain: write,
	})
}

// batchAudit is the audit view of a batch's state; b is nil for the state
// before the change.
func batchAudit(status ledger.AnchorStatus, b *ledger.Batch) json.RawMessage {
	v := map[string]any{"batch_status": status}
	if b != nil {
		v["root"], v["leaf_count"] = b.Root.Hex(), b.LeafCount
		if b.TxHash != (common.Hash{}) {
			v["tx_hash"], v["block_number"], v["gas_used"], v["gas_price_wei"] = b.TxHash.Hex(), b.BlockNumber, b.GasUsed, b.GasPriceWei
		}
		if b.LastError != "" {
			v["error"] = b.LastError
		}
	}
	out, _ := json.Marshal(v) // a map of strings and numbers always marshals
	return out
}

// recordFailure marks the selected anchors (and the batch) failed.
func (w *Worker) recordFailure(ctx context.Context, f ledger.AnchorFilter, kind ledger.Kind, batchID int64, reason string) error {
	now := w.cfg.Now().UTC()
	return w.store.InTx(ctx, func(tx ledger.Tx) error {
		if batchID != 0 {
			b, err := tx.BatchForUpdate(ctx, batchID)
			if err != nil {
				return err
			}
			before := b.Status
			b.Status, b.LastError, b.UpdatedAt = ledger.AnchorFailed, reason, now
			if err := tx.UpdateBatch(ctx, b); err != nil {
				return err
			}
			if _, err := tx.SetBatchAnchors(ctx, batchID, ledger.AnchorProgress{
				Status: ledger.AnchorFailed, TxHash: b.TxHash, BlockNumber: b.BlockNumber, BlockHash: b.BlockHash,
				LogIndex: b.LogIndex, LastError: reason, UpdatedAt: now,
			}); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &ledger.AuditEntry{
				At: now, Actor: ledger.SystemActor(), Action: "batch.failed", Entity: "batch",
				EntityID: strconv.FormatInt(b.ID, 10), Before: batchAudit(before, nil), After: batchAudit(b.Status, b),
			})
		}
		return applyToAnchors(ctx, tx, f, kind, nil, now, func(a *ledger.Anchor) {
			a.Status, a.LastError = ledger.AnchorFailed, reason
		})
	})
}

// mirrorOnLoan copies an anchor's state onto the loan's per-loan chain
// fields (docs/api.md) and, when the state changed, writes an audit row: action, or
// "anchor.<status>" when action is "".
func mirrorOnLoan(ctx context.Context, tx ledger.Tx, a *ledger.Anchor, before ledger.AnchorStatus, write *ledger.ChainWrite, now time.Time, action string) error {
	if before == a.Status {
		return nil
	}
	loan, err := tx.LoanForUpdate(ctx, a.LoanID)
	if err != nil {
		return err
	}
	status, txHash, storedAt := &loan.BlockchainStatus, &loan.BlockchainTxHash, &loan.BlockchainStoredAt
	if a.Kind == ledger.KindRepaid {
		status, txHash, storedAt = &loan.RepaymentBlockchainStatus, &loan.RepaymentBlockchainTxHash, &loan.RepaymentBlockchainStoredAt
	}
	*status = a.Status.ChainStatus()
	if a.TxHash != (common.Hash{}) {
		*txHash = a.TxHash.Hex()
	}
	switch a.Status {
	case ledger.AnchorFinal:
		*storedAt = &now
	case ledger.AnchorQueued:
		*storedAt = nil // taken back: what was stored is no longer on chain
	}
	if err := tx.UpdateLoan(ctx, loan); err != nil {
		return err
	}
	if action == "" {
		action = "anchor." + string(a.Status)
	}
	return tx.AppendAudit(ctx, &ledger.AuditEntry{
		At: now, Actor: ledger.SystemActor(), Action: action, Entity: "loan", EntityID: a.LoanID,
		Before: anchorAudit(a.Kind, before, nil), After: anchorAudit(a.Kind, a.Status, a), Chain: write,
	})
}

// anchorAudit is the audit view of an anchor's state; a is nil for the
// state before the change.
func anchorAudit(kind ledger.Kind, status ledger.AnchorStatus, a *ledger.Anchor) json.RawMessage {
	v := map[string]any{"record": kind.String(), "anchor_status": status}
	if a != nil {
		if a.TxHash != (common.Hash{}) {
			v["tx_hash"] = a.TxHash.Hex()
			v["block_number"] = a.BlockNumber
		}
		if a.LastError != "" {
			v["error"] = a.LastError
		}
	}
	b, _ := json.Marshal(v) // a map of strings and numbers always marshals
	return b
}
