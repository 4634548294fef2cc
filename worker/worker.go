package worker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
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
	OnLost func(ledger.Loss)

	// RetentionDays, if above 0, runs the retention job: every
	// RetentionInterval (default 1h) it erases the personal data of loans
	// closed more than that many days ago and not under legal hold
	// (ledger.ErasureService.EraseDue). Its job arguments hold no loan.
	RetentionDays     int
	RetentionInterval time.Duration

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
	cfg     Config
	store   Store
	sender  ledger.ChainSender
	anchors *ledger.AnchorService
	river   *river.Client[*sql.Tx]

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
	w := &Worker{cfg: cfg, store: s, sender: sender,
		anchors: &ledger.AnchorService{Store: s, Now: cfg.Now, Network: cfg.Network, Contract: cfg.Contract}}
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
	periodic := []*river.PeriodicJob{sweep}
	if cfg.RetentionDays > 0 {
		if err := river.AddWorkerSafely(workers, river.WorkFunc(w.workRetention)); err != nil {
			return nil, err
		}
		interval := cfg.RetentionInterval
		if interval <= 0 {
			interval = time.Hour
		}
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) { return retentionArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	w.river, err = river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{queueName: {MaxWorkers: cfg.Concurrency}},
		Workers:           workers,
		PeriodicJobs:      periodic,
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
		// River runs a job by the wall clock, not by cfg.Now (the domain's
		// clock, which a test may move): a batch scheduled on a clock ahead
		// of it would wait that much longer.
		opts = &river.InsertOpts{ScheduledAt: time.Now().Add(w.cfg.BatchWindow)}
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

// retentionArgs is the retention job: erase the personal data of every
// loan whose retention period has passed. It names no loan, so the job
// queue never holds personal data.
type retentionArgs struct{}

func (retentionArgs) Kind() string { return "aartha_retention" }

func (retentionArgs) InsertOpts() river.InsertOpts {
	// One attempt: the periodic job runs again at the next interval anyway,
	// and a retry's growing backoff would hold that run back (the unique
	// states below include retryable).
	return river.InsertOpts{Queue: queueName, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable},
	}}
}

// workRetention erases what the retention policy says is due, in rounds of
// at most 1000 loans.
func (w *Worker) workRetention(ctx context.Context, _ *river.Job[retentionArgs]) error {
	svc := &ledger.ErasureService{Store: w.store, Now: w.cfg.Now}
	for {
		due, done, err := svc.EraseDue(ctx, w.cfg.RetentionDays, 1000, false)
		if len(done) > 0 {
			w.cfg.Log.Info("retention erased personal data", "loans", len(done), "retention_days", w.cfg.RetentionDays)
		}
		if err != nil {
			return fmt.Errorf("retention: %w", err)
		}
		if len(due) < 1000 {
			return nil
		}
	}
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
		b, err := w.anchors.BuildBatch(ctx, w.cfg.BatchMax)
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
		if ferr := w.anchors.RecordFailure(ctx, target(f, kind, batchID), err.Error()); ferr != nil {
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

// target is what a send under the filter, kind and batch wrote.
func target(f ledger.AnchorFilter, kind ledger.Kind, batchID int64) ledger.AnchorTarget {
	return ledger.AnchorTarget{Filter: f, Kind: kind, BatchID: batchID}
}

// recordProgress records a send's step (AnchorService.RecordProgress) and
// measures it: the confirmation lag of what became final and, once, the
// transaction's cost.
func (w *Worker) recordProgress(ctx context.Context, f ledger.AnchorFilter, kind ledger.Kind, batchID int64, u ledger.SendUpdate) error {
	p, err := w.anchors.RecordProgress(ctx, target(f, kind, batchID), u)
	if err != nil {
		return err
	}
	for _, d := range p.Latencies {
		w.cfg.Metrics.ObserveConfirmation(d)
	}
	if p.BecameFinal && u.Gas != nil {
		w.cfg.Metrics.TxMined(u.Gas.Used, u.Gas.Price)
	}
	return nil
}
