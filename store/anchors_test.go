package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
)

func hashOf(s string) common.Hash { return crypto.Keccak256Hash([]byte(s)) }

func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// approve creates and approves loans through the service.
func (f *fixture) approve(t *testing.T, ids ...string) []*ledger.Loan {
	t.Helper()
	var loans []*ledger.Loan
	for _, id := range ids {
		f.create(t, id)
		l, err := f.svc.Approve(f.ctx, f.admin, id)
		require.NoError(t, err)
		loans = append(loans, l)
	}
	return loans
}

// anchorOf returns the queued anchor of a loan's approval or repayment.
func (f *fixture) anchorOf(t *testing.T, l *ledger.Loan, kind ledger.Kind, mode string) *ledger.Anchor {
	t.Helper()
	if kind == ledger.KindRepaid {
		r, err := l.RepaymentRecord()
		require.NoError(t, err)
		return ledger.NewAnchor(r, l.RepaymentSalt, mode, f.clock.Now())
	}
	r, err := l.ApprovalRecord()
	require.NoError(t, err)
	return ledger.NewAnchor(r, l.Salt, mode, f.clock.Now())
}

// queue queues anchors in one transaction.
func (f *fixture) queue(t *testing.T, anchors ...*ledger.Anchor) {
	t.Helper()
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		for _, a := range anchors {
			if err := tx.QueueAnchor(f.ctx, a); err != nil {
				return err
			}
		}
		return nil
	}))
	for _, a := range anchors {
		require.Positive(t, a.ID)
	}
}

func (f *fixture) anchors(t *testing.T, filter ledger.AnchorFilter) []*ledger.Anchor {
	t.Helper()
	as, err := f.db.Anchors(f.ctx, filter)
	require.NoError(t, err)
	return as
}

// update writes anchors in one transaction.
func (f *fixture) update(t *testing.T, anchors ...*ledger.Anchor) {
	t.Helper()
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		for _, a := range anchors {
			if err := tx.UpdateAnchor(f.ctx, a); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (f *fixture) createBatch(t *testing.T, root common.Hash, status ledger.BatchStatus) *ledger.Batch {
	t.Helper()
	now := f.clock.Now()
	b := &ledger.Batch{Root: root, LeafCount: 1, Status: status, CreatedAt: now, UpdatedAt: now}
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error { return tx.CreateBatch(f.ctx, b) }))
	require.Positive(t, b.ID)
	return b
}

func anchorIDs(as []*ledger.Anchor) []int64 {
	ids := []int64{}
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

// inDB returns a copy of a as the database gives it back: times in UTC with
// microsecond precision.
func inDB(a *ledger.Anchor) *ledger.Anchor {
	c := *a
	c.CreatedAt, c.UpdatedAt = micro(a.CreatedAt), micro(a.UpdatedAt)
	if a.FinalAt != nil {
		c.FinalAt = ptr(micro(*a.FinalAt))
	}
	return &c
}

func batchInDB(b *ledger.Batch) *ledger.Batch {
	c := *b
	c.CreatedAt, c.UpdatedAt = micro(b.CreatedAt), micro(b.UpdatedAt)
	if b.FinalAt != nil {
		c.FinalAt = ptr(micro(*b.FinalAt))
	}
	return &c
}

func testAnchorRoundTrip(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	loans := f.approve(t, "ar-1", "ar-2", "ar-3")

	// A fresh queued anchor: no batch, proof, chain fields or final time.
	queued := f.anchorOf(t, loans[0], ledger.KindApproved, ledger.ModeBatch)
	f.queue(t, queued)
	got := f.anchors(t, ledger.AnchorFilter{LoanID: "ar-1"})
	require.Equal(t, []*ledger.Anchor{queued}, got)
	require.Nil(t, got[0].Proof)
	require.Nil(t, got[0].FinalAt)
	require.Zero(t, got[0].TxHash)
	require.Zero(t, got[0].BatchID)

	// Every field set, on insert and on update.
	batch := f.createBatch(t, hashOf("root"), ledger.AnchorIncluded)
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("IST", 5*3600+1800))
	full := f.anchorOf(t, loans[1], ledger.KindApproved, ledger.ModeBatch)
	full.BatchID = batch.ID
	full.Proof = []common.Hash{hashOf("p1"), hashOf("p2"), {}}
	full.TxHash, full.BlockNumber, full.BlockHash, full.LogIndex = hashOf("tx"), 12_345_678, hashOf("block"), 7
	full.Attempts, full.LastError = 3, "nonce too low 'quoted' ✓"
	full.CreatedAt, full.UpdatedAt, full.FinalAt = at, at.Add(time.Hour), ptr(at.Add(2*time.Hour))
	f.queue(t, full)
	require.Equal(t, []*ledger.Anchor{inDB(full)}, f.anchors(t, ledger.AnchorFilter{LoanID: "ar-2"}))

	// UpdateAnchor writes every mutable field; log index 0 is a real index.
	q := *queued
	q.Status, q.BatchID, q.Proof = ledger.AnchorFinal, batch.ID, []common.Hash{hashOf("sibling")}
	q.TxHash, q.BlockNumber, q.BlockHash, q.LogIndex = hashOf("tx2"), 1, hashOf("block2"), 0
	q.Attempts, q.LastError, q.UpdatedAt, q.FinalAt = 1, "", at.Add(3*time.Hour), ptr(at.Add(4*time.Hour))
	f.update(t, &q)
	require.Equal(t, []*ledger.Anchor{inDB(&q)}, f.anchors(t, ledger.AnchorFilter{LoanID: "ar-1"}))

	// And back again: cleared fields read back as zero values.
	back := *queued
	back.UpdatedAt = at.Add(5 * time.Hour)
	f.update(t, &back)
	require.Equal(t, []*ledger.Anchor{inDB(&back)}, f.anchors(t, ledger.AnchorFilter{LoanID: "ar-1"}))

	// The empty proof of a batch of one is not the nil proof of no batch.
	single := f.anchorOf(t, loans[2], ledger.KindApproved, ledger.ModeBatch)
	single.BatchID, single.Proof = batch.ID, []common.Hash{}
	f.queue(t, single)
	got = f.anchors(t, ledger.AnchorFilter{LoanID: "ar-3"})
	require.Equal(t, []*ledger.Anchor{single}, got)
	require.NotNil(t, got[0].Proof)
	require.Empty(t, got[0].Proof)

	// The same inside a transaction.
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		as, err := tx.AnchorsForUpdate(f.ctx, ledger.AnchorFilter{})
		require.NoError(t, err)
		require.Equal(t, []*ledger.Anchor{inDB(&back), inDB(full), single}, as)
		return nil
	}))

	// A log index needs a block hash.
	bad := back
	bad.LogIndex = 3
	err := f.db.InTx(f.ctx, func(tx ledger.Tx) error { return tx.UpdateAnchor(f.ctx, &bad) })
	requireCode(t, ledger.EINVALID, err)
	require.Contains(t, ledger.ErrorMessage(err), "no block hash")
}

func testAnchorDuplicateAndMissing(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	loans := f.approve(t, "ad-1", "ad-2")
	first := f.anchorOf(t, loans[0], ledger.KindApproved, ledger.ModeDirect)
	f.queue(t, first)
	loanBefore, err := f.db.Loan(f.ctx, "ad-1")
	require.NoError(t, err)
	auditBefore := f.audit(t, ledger.AuditFilter{})

	// A second anchor of the same record is refused, together with
	// everything else its transaction wrote.
	dup := f.anchorOf(t, loans[0], ledger.KindApproved, ledger.ModeBatch)
	dup.Commitment = hashOf("other")
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		l, err := tx.LoanForUpdate(f.ctx, "ad-1")
		require.NoError(t, err)
		l.BlockchainStatus = ledger.ChainQueued
		require.NoError(t, tx.UpdateLoan(f.ctx, l))
		return tx.QueueAnchor(f.ctx, dup)
	})
	requireCode(t, ledger.ECONFLICT, err)
	require.Equal(t, "loan ad-1 already has an approved anchor", ledger.ErrorMessage(err))
	require.Equal(t, []*ledger.Anchor{first}, f.anchors(t, ledger.AnchorFilter{}))
	loanAfter, err := f.db.Loan(f.ctx, "ad-1")
	require.NoError(t, err)
	require.Equal(t, loanBefore, loanAfter)

	// The repayment is another record.
	repaid, err := f.svc.MarkRepaid(f.ctx, f.admin, "ad-1", "150000")
	require.NoError(t, err)
	rep := f.anchorOf(t, repaid, ledger.KindRepaid, ledger.ModeDirect)
	f.queue(t, rep)
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		return tx.QueueAnchor(f.ctx, f.anchorOf(t, repaid, ledger.KindRepaid, ledger.ModeDirect))
	})
	requireCode(t, ledger.ECONFLICT, err)
	require.Equal(t, "loan ad-1 already has a repaid anchor", ledger.ErrorMessage(err))
	require.Equal(t, []int64{first.ID, rep.ID}, anchorIDs(f.anchors(t, ledger.AnchorFilter{})))

	// An anchor needs its loan.
	ghost := *first
	ghost.ID, ghost.LoanID = 0, "ghost-1"
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error { return tx.QueueAnchor(f.ctx, &ghost) })
	requireCode(t, ledger.ENOTFOUND, err)
	require.Equal(t, "loan ghost-1 not found", ledger.ErrorMessage(err))
	require.Len(t, f.anchors(t, ledger.AnchorFilter{}), 2)

	// Rules of the domain and of the table.
	for name, change := range map[string]func(a *ledger.Anchor){
		"status":  func(a *ledger.Anchor) { a.Status = ledger.AnchorSubmitted },
		"loan id": func(a *ledger.Anchor) { a.LoanID = "bad id" },
		"mode":    func(a *ledger.Anchor) { a.Mode = "sideways" },
		"kind":    func(a *ledger.Anchor) { a.Kind = 3 },
		"log":     func(a *ledger.Anchor) { a.LogIndex = 1 },
	} {
		a := *first
		a.ID, a.LoanID = 0, "ad-2"
		change(&a)
		err := f.db.InTx(f.ctx, func(tx ledger.Tx) error { return tx.QueueAnchor(f.ctx, &a) })
		requireCode(t, ledger.EINVALID, err)
		require.Zero(t, a.ID, name)
	}
	require.Len(t, f.anchors(t, ledger.AnchorFilter{}), 2)
	require.Equal(t, auditBefore, f.audit(t, ledger.AuditFilter{})[1:], "only the repayment was audited")

	// Updates of what does not exist.
	missing := *first
	missing.ID = first.ID + 1000
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error { return tx.UpdateAnchor(f.ctx, &missing) })
	requireCode(t, ledger.ENOTFOUND, err)
	require.Equal(t, fmt.Sprintf("anchor %d not found", missing.ID), ledger.ErrorMessage(err))
	noBatch := *first
	noBatch.BatchID = 999
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error { return tx.UpdateAnchor(f.ctx, &noBatch) })
	requireCode(t, ledger.ENOTFOUND, err)
	require.Contains(t, ledger.ErrorMessage(err), "batch 999")

	b, err := f.db.Batch(f.ctx, 999)
	requireCode(t, ledger.ENOTFOUND, err)
	require.Nil(t, b)
	require.Equal(t, "batch 999 not found", ledger.ErrorMessage(err))
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		b, err := tx.BatchForUpdate(f.ctx, 999)
		require.Nil(t, b)
		return err
	})
	requireCode(t, ledger.ENOTFOUND, err)
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		return tx.UpdateBatch(f.ctx, &ledger.Batch{ID: 999, Status: ledger.AnchorQueued})
	})
	requireCode(t, ledger.ENOTFOUND, err)
}

// jobTable is where the test job hook writes, standing in for River's jobs.
func jobTable(t *testing.T, f *fixture) {
	t.Helper()
	_, err := f.db.SQLDB().ExecContext(f.ctx, "CREATE TABLE test_jobs (anchor_id BIGINT NOT NULL)")
	require.NoError(t, err)
}

func jobs(t *testing.T, f *fixture) []int64 {
	t.Helper()
	rows, err := f.db.SQLDB().QueryContext(f.ctx, "SELECT anchor_id FROM test_jobs ORDER BY anchor_id")
	require.NoError(t, err)
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}

// jobHook writes a job row in the store's transaction, checks that it sees
// the transaction's uncommitted writes, then returns err.
type jobHook struct {
	t      *testing.T
	db     *store.DB
	err    error
	calls  int
	status string // the loan's status as seen through the hook's tx
}

func (h *jobHook) AnchorQueued(ctx context.Context, tx *sql.Tx, a *ledger.Anchor) error {
	h.calls++
	ph := "?"
	if h.db.Driver() == "postgres" {
		ph = "$1"
	}
	var n int
	require.NoError(h.t, tx.QueryRowContext(ctx, "SELECT count(*) FROM anchors WHERE id = "+ph, a.ID).Scan(&n))
	require.Equal(h.t, 1, n, "the hook sees the anchor's row")
	require.NoError(h.t, tx.QueryRowContext(ctx, "SELECT status FROM loans WHERE id = "+ph, a.LoanID).Scan(&h.status))
	if _, err := tx.ExecContext(ctx, "INSERT INTO test_jobs (anchor_id) VALUES ("+ph+")", a.ID); err != nil {
		return err
	}
	return h.err
}

var _ store.JobHook = (*jobHook)(nil)

func testAnchorJobHook(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	jobTable(t, f)
	hook := &jobHook{t: t, db: f.db}
	f.db.SetJobHook(hook)
	f.create(t, "hk-1", "hk-2")

	// approve is LoanService.Approve with the anchor queued in its
	// transaction; order says where QueueAnchor comes.
	approve := func(id string, queueBeforeAudit bool) (*ledger.Anchor, error) {
		var a *ledger.Anchor
		err := f.db.InTx(f.ctx, func(tx ledger.Tx) error {
			l, err := tx.LoanForUpdate(f.ctx, id)
			if err != nil {
				return err
			}
			now := f.clock.Now()
			salt := make([]byte, ledger.SaltSize)
			if err := l.Approve(now, salt); err != nil {
				return err
			}
			l.BlockchainStatus = ledger.ChainQueued
			if err := tx.UpdateLoan(f.ctx, l); err != nil {
				return err
			}
			a = f.anchorOf(t, l, ledger.KindApproved, ledger.ModeDirect)
			audit := &ledger.AuditEntry{At: now, Actor: f.admin, Action: ledger.ActionLoanApprove, Entity: "loan", EntityID: id}
			if queueBeforeAudit {
				if err := tx.QueueAnchor(f.ctx, a); err != nil {
					return err
				}
				return tx.AppendAudit(f.ctx, audit)
			}
			if err := tx.AppendAudit(f.ctx, audit); err != nil {
				return err
			}
			return tx.QueueAnchor(f.ctx, a)
		})
		return a, err
	}

	// The hook runs in the transaction, after the loan update was sent.
	a, err := approve("hk-1", true)
	require.NoError(t, err)
	require.Equal(t, 1, hook.calls)
	require.Equal(t, string(ledger.LoanApproved), hook.status)
	require.Equal(t, []int64{a.ID}, jobs(t, f))
	require.Equal(t, []int64{a.ID}, anchorIDs(f.anchors(t, ledger.AnchorFilter{})))

	// A failing hook fails QueueAnchor, keeping its code, and the whole
	// transaction is rolled back: loan, audit row, anchor and job.
	before, err := f.db.Loan(f.ctx, "hk-2")
	require.NoError(t, err)
	auditBefore := f.audit(t, ledger.AuditFilter{})
	hook.err = ledger.Errorf(ledger.EUNAVAILABLE, "job queue is down")
	_, err = approve("hk-2", false)
	requireCode(t, ledger.EUNAVAILABLE, err)
	require.ErrorIs(t, err, hook.err)
	require.Equal(t, 2, hook.calls)
	after, err := f.db.Loan(f.ctx, "hk-2")
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.Equal(t, auditBefore, f.audit(t, ledger.AuditFilter{}))
	require.Empty(t, f.anchors(t, ledger.AnchorFilter{LoanID: "hk-2"}))
	require.Equal(t, []int64{a.ID}, jobs(t, f))

	// A refused anchor never reaches the hook.
	hook.err = nil
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		dup := *a
		dup.ID = 0
		return tx.QueueAnchor(f.ctx, &dup)
	})
	requireCode(t, ledger.ECONFLICT, err)
	require.Equal(t, 2, hook.calls)
}

func testAnchorFilters(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	var anchors []*ledger.Anchor
	modes := []string{ledger.ModeDirect, ledger.ModeBatch, ledger.ModeBatch, ledger.ModeDirect, ledger.ModeBatch, ledger.ModeBatch}
	for i, mode := range modes {
		l := f.approve(t, fmt.Sprintf("fl-%d", i))[0]
		anchors = append(anchors, f.anchorOf(t, l, ledger.KindApproved, mode))
	}
	f.queue(t, anchors...)
	id := func(is ...int) []int64 {
		ids := []int64{}
		for _, i := range is {
			ids = append(ids, anchors[i].ID)
		}
		return ids
	}
	batch := f.createBatch(t, hashOf("fl-root"), ledger.AnchorSubmitted)
	for _, i := range []int{1, 2} {
		anchors[i].BatchID, anchors[i].Proof = batch.ID, []common.Hash{hashOf(fmt.Sprint(i))}
		anchors[i].Status = ledger.AnchorSubmitted
	}
	anchors[0].Status = ledger.AnchorFinal
	anchors[5].Status = ledger.AnchorFailed
	f.update(t, anchors[0], anchors[1], anchors[2], anchors[5])

	for name, c := range map[string]struct {
		filter ledger.AnchorFilter
		want   []int64
	}{
		"all":                  {ledger.AnchorFilter{}, id(0, 1, 2, 3, 4, 5)},
		"limit":                {ledger.AnchorFilter{Limit: 2}, id(0, 1)},
		"max limit":            {ledger.AnchorFilter{Limit: 10_000}, id(0, 1, 2, 3, 4, 5)},
		"status":               {ledger.AnchorFilter{Status: ledger.AnchorSubmitted}, id(1, 2)},
		"queued":               {ledger.AnchorFilter{Status: ledger.AnchorQueued}, id(3, 4)},
		"mode":                 {ledger.AnchorFilter{Mode: ledger.ModeDirect}, id(0, 3)},
		"unbatched":            {ledger.AnchorFilter{Unbatched: true}, id(4, 5)},
		"unbatched queued":     {ledger.AnchorFilter{Unbatched: true, Status: ledger.AnchorQueued, Mode: ledger.ModeBatch}, id(4)},
		"batch":                {ledger.AnchorFilter{BatchID: batch.ID}, id(1, 2)},
		"batch, limit":         {ledger.AnchorFilter{BatchID: batch.ID, Limit: 1}, id(1)},
		"other batch":          {ledger.AnchorFilter{BatchID: batch.ID + 1}, id()},
		"loan":                 {ledger.AnchorFilter{LoanID: "fl-3"}, id(3)},
		"loan and status":      {ledger.AnchorFilter{LoanID: "fl-3", Status: ledger.AnchorFinal}, id()},
		"no such loan":         {ledger.AnchorFilter{LoanID: "fl-9"}, id()},
		"status and unbatched": {ledger.AnchorFilter{Status: ledger.AnchorFailed, Unbatched: true}, id(5)},
	} {
		require.Equal(t, c.want, anchorIDs(f.anchors(t, c.filter)), name)
		require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
			as, err := tx.AnchorsForUpdate(f.ctx, c.filter)
			require.NoError(t, err)
			require.Equal(t, c.want, anchorIDs(as), name)
			return nil
		}))
	}

	for _, bad := range []ledger.AnchorFilter{
		{Limit: -1}, {Limit: 10_001},
		{Status: "mined"}, {Mode: "sideways"}, {LoanID: "x'; DROP TABLE anchors; --"},
		{BatchID: -1}, {BatchID: batch.ID, Unbatched: true}, {Unbatched: true, Mode: ledger.ModeDirect},
	} {
		_, err := f.db.Anchors(f.ctx, bad)
		requireCode(t, ledger.EINVALID, err)
		err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
			_, err := tx.AnchorsForUpdate(f.ctx, bad)
			return err
		})
		requireCode(t, ledger.EINVALID, err)
	}
}

func testBatches(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	var anchors []*ledger.Anchor
	for _, l := range f.approve(t, "bt-1", "bt-2", "bt-3") {
		anchors = append(anchors, f.anchorOf(t, l, ledger.KindApproved, ledger.ModeBatch))
	}
	f.queue(t, anchors...)

	// The batcher: take the waiting anchors, build the tree, create the
	// batch and give every anchor its batch and proof, in one transaction.
	var batch *ledger.Batch
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		waiting, err := tx.AnchorsForUpdate(f.ctx, ledger.AnchorFilter{Status: ledger.AnchorQueued, Mode: ledger.ModeBatch, Unbatched: true})
		require.NoError(t, err)
		require.Len(t, waiting, 3)
		var leaves []common.Hash
		for _, a := range waiting {
			leaves = append(leaves, a.Leaf)
		}
		tree, err := ledger.NewMerkleTree(leaves)
		require.NoError(t, err)
		now := f.clock.Now()
		batch = &ledger.Batch{Root: tree.Root(), LeafCount: tree.Len(), Status: ledger.AnchorQueued, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateBatch(f.ctx, batch); err != nil {
			return err
		}
		for _, a := range waiting {
			if a.Proof, err = tree.Proof(a.Leaf); err != nil {
				return err
			}
			a.BatchID, a.UpdatedAt = batch.ID, now
			if err := tx.UpdateAnchor(f.ctx, a); err != nil {
				return err
			}
		}
		return nil
	}))
	batched := f.anchors(t, ledger.AnchorFilter{BatchID: batch.ID})
	require.Len(t, batched, 3)
	for _, a := range batched {
		require.Equal(t, batch.Root, ledger.ProcessProof(a.Leaf, a.Proof), "the stored proof leads to the root")
	}
	require.Empty(t, f.anchors(t, ledger.AnchorFilter{Unbatched: true}))
	got, err := f.db.Batch(f.ctx, batch.ID)
	require.NoError(t, err)
	require.Equal(t, batch, got)
	require.Zero(t, got.Seq)
	require.Empty(t, got.GasPriceWei)
	require.Nil(t, got.FinalAt)

	// UpdateBatch writes every mutable field; BatchForUpdate reads them.
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.UTC)
	full := *batch
	full.Status, full.Seq = ledger.AnchorFinal, 7
	full.TxHash, full.BlockNumber, full.BlockHash, full.LogIndex = hashOf("btx"), 99, hashOf("bblock"), 0
	full.GasUsed, full.GasPriceWei = 61_234, "123456789012345678901234567890" // past 2^64
	full.Attempts, full.LastError, full.UpdatedAt, full.FinalAt = 2, "replaced: fee too low", at, ptr(at.Add(time.Minute))
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		b, err := tx.BatchForUpdate(f.ctx, batch.ID)
		require.NoError(t, err)
		require.Equal(t, batch, b)
		if err := tx.UpdateBatch(f.ctx, &full); err != nil {
			return err
		}
		b, err = tx.BatchForUpdate(f.ctx, batch.ID)
		require.NoError(t, err)
		require.Equal(t, batchInDB(&full), b)
		return nil
	}))
	got, err = f.db.Batch(f.ctx, batch.ID)
	require.NoError(t, err)
	require.Equal(t, batchInDB(&full), got)

	// A second batch with the same root is refused, and so is everything its
	// transaction did before.
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		now := f.clock.Now()
		other := &ledger.Batch{Root: hashOf("other root"), LeafCount: 1, Status: ledger.AnchorQueued, CreatedAt: now, UpdatedAt: now}
		require.NoError(t, tx.CreateBatch(f.ctx, other))
		a := *batched[0]
		a.BatchID = other.ID
		require.NoError(t, tx.UpdateAnchor(f.ctx, &a))
		return tx.CreateBatch(f.ctx, &ledger.Batch{Root: batch.Root, LeafCount: 3, Status: ledger.AnchorQueued, CreatedAt: now, UpdatedAt: now})
	})
	requireCode(t, ledger.ECONFLICT, err)
	require.Equal(t, fmt.Sprintf("a batch with root %s already exists", batch.Root.Hex()), ledger.ErrorMessage(err))
	require.Equal(t, batched, f.anchors(t, ledger.AnchorFilter{BatchID: batch.ID}))
	all, err := f.db.Batches(f.ctx, "", 0)
	require.NoError(t, err)
	require.Len(t, all, 1)

	// Sequence numbers are unique; log indexes need block hashes; the
	// table's rules back the domain's.
	second := f.createBatch(t, hashOf("second"), ledger.AnchorIncluded)
	for name, c := range map[string]struct {
		change func(b *ledger.Batch)
		code   string
	}{
		"seq":       {func(b *ledger.Batch) { b.Seq = 7 }, ledger.ECONFLICT},
		"log index": {func(b *ledger.Batch) { b.LogIndex = 2 }, ledger.EINVALID},
		"status":    {func(b *ledger.Batch) { b.Status = "mined" }, ledger.EINVALID},
		"gas price": {func(b *ledger.Batch) { b.GasPriceWei = "1.5" }, ledger.EINVALID},
	} {
		b := *second
		c.change(&b)
		err := f.db.InTx(f.ctx, func(tx ledger.Tx) error { return tx.UpdateBatch(f.ctx, &b) })
		require.Equal(t, c.code, ledger.ErrorCode(err), "%s: %v", name, err)
	}
	got, err = f.db.Batch(f.ctx, second.ID)
	require.NoError(t, err)
	require.Equal(t, second, got)
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		now := f.clock.Now()
		return tx.CreateBatch(f.ctx, &ledger.Batch{Root: hashOf("third"), Seq: 7, Status: ledger.AnchorQueued, CreatedAt: now, UpdatedAt: now})
	})
	requireCode(t, ledger.ECONFLICT, err)

	// Listing: newest first, by status, limited.
	third := f.createBatch(t, hashOf("third"), ledger.AnchorIncluded)
	ids := func(bs []*ledger.Batch, err error) []int64 {
		t.Helper()
		require.NoError(t, err)
		out := []int64{}
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out
	}
	require.Equal(t, []int64{third.ID, second.ID, batch.ID}, ids(f.db.Batches(f.ctx, "", 0)))
	require.Equal(t, []int64{third.ID, second.ID}, ids(f.db.Batches(f.ctx, "", 2)))
	require.Equal(t, []int64{third.ID, second.ID}, ids(f.db.Batches(f.ctx, ledger.AnchorIncluded, 10_000)))
	require.Equal(t, []int64{batch.ID}, ids(f.db.Batches(f.ctx, ledger.AnchorFinal, 1)))
	require.Equal(t, []int64{}, ids(f.db.Batches(f.ctx, ledger.AnchorFailed, 0)))
	bs, err := f.db.Batches(f.ctx, ledger.AnchorFinal, 0)
	require.NoError(t, err)
	require.Equal(t, []*ledger.Batch{batchInDB(&full)}, bs)
	for _, bad := range []struct {
		status ledger.BatchStatus
		limit  int
	}{{"mined", 0}, {"", -1}, {"", 10_001}} {
		_, err := f.db.Batches(f.ctx, bad.status, bad.limit)
		requireCode(t, ledger.EINVALID, err)
	}
}

func testConcurrentAnchorUpdates(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	l := f.approve(t, "cc-1")[0]
	a := f.anchorOf(t, l, ledger.KindApproved, ledger.ModeBatch)
	f.queue(t, a)
	b := f.createBatch(t, hashOf("cc-root"), ledger.AnchorQueued)

	// Workers read, bump and write the same anchor and batch: with the rows
	// locked, no increment is lost.
	const workers, rounds = 2, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				errs <- f.db.InTx(f.ctx, func(tx ledger.Tx) error {
					as, err := tx.AnchorsForUpdate(f.ctx, ledger.AnchorFilter{LoanID: "cc-1"})
					if err != nil {
						return err
					}
					if len(as) != 1 {
						return fmt.Errorf("got %d anchors", len(as))
					}
					a := as[0]
					a.Attempts++
					a.LastError = fmt.Sprintf("worker %d round %d", w, r)
					if err := tx.UpdateAnchor(f.ctx, a); err != nil {
						return err
					}
					batch, err := tx.BatchForUpdate(f.ctx, b.ID)
					if err != nil {
						return err
					}
					batch.Attempts++
					return tx.UpdateBatch(f.ctx, batch)
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got := f.anchors(t, ledger.AnchorFilter{LoanID: "cc-1"})
	require.Equal(t, workers*rounds, got[0].Attempts)
	batch, err := f.db.Batch(f.ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, workers*rounds, batch.Attempts)
}
