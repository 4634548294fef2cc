package ledger_test

import (
	"context"
	"fmt"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// lifecycle is a store with approved loans and the AnchorService over it,
// on a fixed clock: the anchoring lifecycle without a chain.
type lifecycle struct {
	db  *store.DB
	svc *ledger.AnchorService
	now time.Time
}

func newLifecycle(t *testing.T, mode string, loans int) (*lifecycle, []string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "aartha.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	l := &lifecycle{db: db, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return l.now }
	loanSvc := &ledger.LoanService{Store: db, Now: clock, Rand: zeroRand{}, AnchorMode: mode}
	var ids []string
	for i := range loans {
		id := fmt.Sprintf("LC-%s-%d", mode, i)
		_, err := loanSvc.Create(ctx, ledger.CLIActor("test"), ledger.NewLoan{ID: id, Borrower: "b", Lender: "l",
			Principal: "1000", Currency: "EUR", InterestRateBps: 500, TermMonths: 6})
		require.NoError(t, err)
		_, err = loanSvc.Approve(ctx, ledger.CLIActor("test"), id)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	l.svc = &ledger.AnchorService{Store: db, Now: clock, Network: "eip155:1337", Contract: "0xRegistry"}
	return l, ids
}

// zeroRand is a salt source for tests; salts need not be secret here.
type zeroRand struct{}

func (zeroRand) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func (l *lifecycle) anchor(t *testing.T, loanID string) *ledger.Anchor {
	t.Helper()
	anchors, err := l.db.Anchors(context.Background(), ledger.AnchorFilter{LoanID: loanID})
	require.NoError(t, err)
	require.Len(t, anchors, 1)
	return anchors[0]
}

// actions lists the audit actions written on an entity since the loans
// were approved, oldest first.
func (l *lifecycle) actions(t *testing.T, entity, id string) []string {
	t.Helper()
	rows, err := l.db.AuditEntries(context.Background(), ledger.AuditFilter{Entity: entity, EntityID: id, Limit: 1000})
	require.NoError(t, err)
	var out []string
	for i := len(rows) - 1; i >= 0; i-- {
		switch rows[i].Action {
		case ledger.ActionLoanCreate, ledger.ActionLoanApprove:
		default:
			out = append(out, rows[i].Action)
		}
	}
	return out
}

var (
	tx1   = common.HexToHash("0x01")
	blk1  = common.HexToHash("0xb1")
	price = big.NewInt(7)
)

func submitted() ledger.SendUpdate {
	return ledger.SendUpdate{Status: ledger.AnchorSubmitted, TxHash: tx1}
}
func included() ledger.SendUpdate {
	return ledger.SendUpdate{Status: ledger.AnchorIncluded, TxHash: tx1, BlockNumber: 10, BlockHash: blk1, LogIndex: 3, BatchSeq: 4,
		Gas: &ledger.Gas{Used: 21000, Price: price}}
}
func final() ledger.SendUpdate {
	u := included()
	u.Status = ledger.AnchorFinal
	return u
}

// TestAnchorLifecycleDirect walks a direct anchor through sequences of
// steps and checks the anchor, its loan's chain fields and the audit rows.
func TestAnchorLifecycleDirect(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		steps       []ledger.SendUpdate
		finalCounts []bool // Progressed.BecameFinal of each step
		status      ledger.AnchorStatus
		block       uint64
		loanStatus  ledger.ChainStatus
		actions     []string
	}{
		{
			name:  "to final",
			steps: []ledger.SendUpdate{submitted(), included(), final()}, finalCounts: []bool{false, false, true},
			status: ledger.AnchorFinal, block: 10, loanStatus: ledger.AnchorFinal.ChainStatus(),
			actions: []string{ledger.ActionAnchorSubmitted, ledger.ActionAnchorIncluded, ledger.ActionAnchorFinal},
		},
		{
			name:  "final reported twice counts once",
			steps: []ledger.SendUpdate{submitted(), final(), final()}, finalCounts: []bool{false, true, false},
			status: ledger.AnchorFinal, block: 10, loanStatus: ledger.AnchorFinal.ChainStatus(),
			actions: []string{ledger.ActionAnchorSubmitted, ledger.ActionAnchorFinal},
		},
		{
			name:  "reorg back to submitted clears the block",
			steps: []ledger.SendUpdate{submitted(), included(), submitted()}, finalCounts: []bool{false, false, false},
			status: ledger.AnchorSubmitted, block: 0, loanStatus: ledger.AnchorSubmitted.ChainStatus(),
			actions: []string{ledger.ActionAnchorSubmitted, ledger.ActionAnchorIncluded, ledger.ActionAnchorSubmitted},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			l, ids := newLifecycle(t, ledger.ModeDirect, 1)
			target := ledger.AnchorTarget{Filter: ledger.AnchorFilter{LoanID: ids[0]}, Kind: ledger.KindApproved}
			for i, u := range c.steps {
				l.now = l.now.Add(time.Minute)
				p, err := l.svc.RecordProgress(ctx, target, u)
				require.NoError(t, err)
				require.Equal(t, c.finalCounts[i], p.BecameFinal, "step %d", i)
				if u.Status == ledger.AnchorFinal {
					require.Equal(t, []time.Duration{time.Duration(i+1) * time.Minute}, p.Latencies, "step %d", i)
				}
			}
			a := l.anchor(t, ids[0])
			require.Equal(t, c.status, a.Status)
			require.Equal(t, c.block, a.BlockNumber)
			require.Equal(t, tx1, a.TxHash)
			loan, err := l.db.Loan(ctx, ids[0])
			require.NoError(t, err)
			require.Equal(t, c.loanStatus, loan.BlockchainStatus)
			require.Equal(t, tx1.Hex(), loan.BlockchainTxHash)
			require.Equal(t, c.status == ledger.AnchorFinal, loan.BlockchainStoredAt != nil)
			require.Equal(t, c.actions, l.actions(t, "loan", ids[0]))
		})
	}
}

// TestAnchorLifecycleBatch builds a batch whose proofs lead to its root,
// and walks it to final or failure: one audit row per batch step, the
// anchors and loans written only when the batch is final or failed.
func TestAnchorLifecycleBatch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		fail    string
		status  ledger.AnchorStatus
		actions []string
	}{
		{name: "final", status: ledger.AnchorFinal,
			actions: []string{ledger.ActionBatchSubmitted, ledger.ActionBatchFinal}},
		{name: "failed", fail: "reverted: RootAlreadyAnchored", status: ledger.AnchorFailed,
			actions: []string{ledger.ActionBatchSubmitted, ledger.ActionBatchFailed}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			l, ids := newLifecycle(t, ledger.ModeBatch, 3)
			b, err := l.svc.BuildBatch(ctx, 2)
			require.NoError(t, err)
			require.Equal(t, 2, b.LeafCount, "at most max anchors")
			rest, err := l.svc.BuildBatch(ctx, 2)
			require.NoError(t, err)
			require.Equal(t, 1, rest.LeafCount)
			none, err := l.svc.BuildBatch(ctx, 2)
			require.NoError(t, err)
			require.Nil(t, none, "nothing left to batch")
			for _, id := range ids[:2] {
				a := l.anchor(t, id)
				require.Equal(t, b.ID, a.BatchID)
				require.Equal(t, b.Root, ledger.ProcessProof(a.Leaf, a.Proof), "the stored proof leads to the root")
			}

			target := ledger.AnchorTarget{Filter: ledger.AnchorFilter{BatchID: b.ID}, BatchID: b.ID}
			for _, u := range []ledger.SendUpdate{submitted(), included()} {
				_, err := l.svc.RecordProgress(ctx, target, u)
				require.NoError(t, err)
			}
			require.Equal(t, ledger.AnchorSubmitted, l.anchor(t, ids[0]).Status, "included is the batch's alone")
			if c.fail != "" {
				require.NoError(t, l.svc.RecordFailure(ctx, target, c.fail))
			} else {
				p, err := l.svc.RecordProgress(ctx, target, final())
				require.NoError(t, err)
				require.True(t, p.BecameFinal)
			}
			got, err := l.db.Batch(ctx, b.ID)
			require.NoError(t, err)
			require.Equal(t, c.status, got.Status)
			require.Equal(t, c.fail, got.LastError)
			for _, id := range ids[:2] {
				a := l.anchor(t, id)
				require.Equal(t, c.status, a.Status)
				require.Equal(t, c.fail, a.LastError)
			}
			require.Equal(t, ledger.AnchorQueued, l.anchor(t, ids[2]).Status, "the other batch is untouched")
			require.Equal(t, c.actions, l.actions(t, "batch", fmt.Sprint(b.ID)))
		})
	}
}

// TestAnchorTakeBack puts final writes that left the chain back in the
// queue, once: a second take-back finds nothing final and changes nothing.
func TestAnchorTakeBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("direct", func(t *testing.T) {
		t.Parallel()
		l, ids := newLifecycle(t, ledger.ModeDirect, 1)
		target := ledger.AnchorTarget{Filter: ledger.AnchorFilter{LoanID: ids[0]}, Kind: ledger.KindApproved}
		_, err := l.svc.RecordProgress(ctx, target, final())
		require.NoError(t, err)
		a := l.anchor(t, ids[0])
		loss, err := l.svc.TakeBackAnchor(ctx, a.ID, "left the chain")
		require.NoError(t, err)
		require.Equal(t, &ledger.Loss{LoanID: ids[0], Kind: ledger.KindApproved, TxHash: tx1, Block: 10, Reason: "left the chain"}, loss)
		a = l.anchor(t, ids[0])
		require.Equal(t, ledger.AnchorQueued, a.Status)
		require.Equal(t, "left the chain", a.LastError)
		loan, err := l.db.Loan(ctx, ids[0])
		require.NoError(t, err)
		require.Nil(t, loan.BlockchainStoredAt, "no longer stored")
		again, err := l.svc.TakeBackAnchor(ctx, a.ID, "left the chain")
		require.NoError(t, err)
		require.Nil(t, again)
		require.Equal(t, []string{ledger.ActionAnchorFinal, ledger.ActionAnchorLost}, l.actions(t, "loan", ids[0]))
	})
	t.Run("batch", func(t *testing.T) {
		t.Parallel()
		l, ids := newLifecycle(t, ledger.ModeBatch, 2)
		b, err := l.svc.BuildBatch(ctx, 10)
		require.NoError(t, err)
		_, err = l.svc.RecordProgress(ctx, ledger.AnchorTarget{Filter: ledger.AnchorFilter{BatchID: b.ID}, BatchID: b.ID}, final())
		require.NoError(t, err)
		loss, err := l.svc.TakeBackBatch(ctx, b.ID, "reorg")
		require.NoError(t, err)
		require.Equal(t, &ledger.Loss{BatchID: b.ID, TxHash: tx1, Block: 10, Reason: "reorg"}, loss)
		got, err := l.db.Batch(ctx, b.ID)
		require.NoError(t, err)
		require.Equal(t, ledger.AnchorQueued, got.Status)
		require.Zero(t, got.BlockNumber)
		for _, id := range ids {
			require.Equal(t, ledger.AnchorQueued, l.anchor(t, id).Status)
		}
		again, err := l.svc.TakeBackBatch(ctx, b.ID, "reorg")
		require.NoError(t, err)
		require.Nil(t, again)
		require.Equal(t, []string{ledger.ActionBatchFinal, ledger.ActionBatchLost}, l.actions(t, "batch", fmt.Sprint(b.ID)))
	})
}
