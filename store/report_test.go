package store_test

import (
	"math/big"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/txmgr"
)

// TestReportActivity checks the report's aggregate reads on both stores: a
// month with loans in every state, direct anchors final and failed (gas from
// the transaction journal), a final and a failed batch, and rows outside the
// month that must not count.
func TestReportActivity(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			ctx := f.ctx
			// The clock starts on 2026-03-01 09:00 and moves a second per reading.
			loans := f.approve(t, "R-1", "R-2", "R-3", "R-4")
			f.create(t, "R-5", "R-6")
			_, err := f.svc.Reject(ctx, f.admin, "R-5", "no income proof")
			require.NoError(t, err)
			_, err = f.svc.MarkRepaid(ctx, f.admin, "R-1", "168000")
			require.NoError(t, err)
			_, err = f.svc.MarkDefaulted(ctx, f.admin, "R-2", "stopped paying")
			require.NoError(t, err)

			// Two direct anchors, one final with a journal entry, one failed.
			direct := []*ledger.Anchor{f.anchorOf(t, loans[0], ledger.KindApproved, ledger.ModeDirect), f.anchorOf(t, loans[1], ledger.KindApproved, ledger.ModeDirect)}
			f.queue(t, direct...)
			journal := f.db.TxJournal()
			key := "anchor:" + strconv.FormatInt(direct[0].ID, 10)
			_, _, err = journal.Create(ctx, txmgr.Record{Key: key, From: common.HexToAddress("0x01"), To: common.HexToAddress("0x02"), Data: []byte{1}})
			require.NoError(t, err)
			require.NoError(t, journal.Update(ctx, key, txmgr.Status{Phase: txmgr.PhaseFinal, Inclusion: &txmgr.Inclusion{
				TxHash: hashOf("tx1"), BlockNumber: 7, BlockHash: hashOf("b7"), GasUsed: 96649, EffectiveGasPrice: big.NewInt(3_000_000_000),
			}}))
			final := f.clock.Now()
			direct[0].Status, direct[0].FinalAt, direct[0].TxHash = ledger.AnchorFinal, &final, hashOf("tx1")
			direct[1].Status, direct[1].LastError, direct[1].UpdatedAt = ledger.AnchorFailed, "reverted", f.clock.Now()

			// A final batch of the other two loans, a failed empty batch, and
			// a batch final in April that must not count.
			batched := []*ledger.Anchor{f.anchorOf(t, loans[2], ledger.KindApproved, ledger.ModeBatch), f.anchorOf(t, loans[3], ledger.KindApproved, ledger.ModeBatch)}
			f.queue(t, batched...)
			april := time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)
			batches := []*ledger.Batch{
				{Root: hashOf("root1"), LeafCount: 2, Status: ledger.AnchorFinal, GasUsed: 77676, GasPriceWei: "2000000000", FinalAt: &final},
				{Root: hashOf("root2"), LeafCount: 3, Status: ledger.AnchorFailed, LastError: "fee cap"},
				{Root: hashOf("root3"), LeafCount: 1, Status: ledger.AnchorFinal, GasUsed: 1, GasPriceWei: "1", FinalAt: &april},
			}
			require.NoError(t, f.db.InTx(ctx, func(tx ledger.Tx) error {
				for _, a := range direct {
					if err := tx.UpdateAnchor(ctx, a); err != nil {
						return err
					}
				}
				for _, b := range batches {
					b.CreatedAt, b.UpdatedAt = final, final
					if b.FinalAt == &april {
						b.CreatedAt, b.UpdatedAt = april, april
					}
					if err := tx.CreateBatch(ctx, b); err != nil {
						return err
					}
				}
				for _, a := range batched {
					a.Status, a.BatchID, a.FinalAt, a.Proof = ledger.AnchorFinal, batches[0].ID, &final, []common.Hash{}
					if err := tx.UpdateAnchor(ctx, a); err != nil {
						return err
					}
				}
				return nil
			}))

			march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			since, until := march, march.AddDate(0, 1, 0)

			la, err := f.db.LoanActivity(ctx, since, until)
			require.NoError(t, err)
			require.Equal(t, []ledger.LoanActivity{
				{Event: "approved", Currency: "INR", Count: 4, AmountMinor: "600000"},
				{Event: "created", Currency: "INR", Count: 6, AmountMinor: "900000"},
				{Event: "defaulted", Currency: "INR", Count: 1, AmountMinor: "150000"},
				{Event: "rejected", Currency: "INR", Count: 1, AmountMinor: "150000"},
				{Event: "repaid", Currency: "INR", Count: 1, AmountMinor: "168000"},
			}, la)
			la, err = f.db.LoanActivity(ctx, until, until.AddDate(0, 1, 0))
			require.NoError(t, err)
			require.Empty(t, la)

			aa, err := f.db.AnchorActivity(ctx, since, until)
			require.NoError(t, err)
			require.Equal(t, []ledger.AnchorActivity{
				{Day: "2026-03-01", Mode: "batch", Kind: ledger.KindApproved, Status: ledger.AnchorFinal, Count: 2},
				{Day: "2026-03-01", Mode: "direct", Kind: ledger.KindApproved, Status: ledger.AnchorFailed, Count: 1},
				{Day: "2026-03-01", Mode: "direct", Kind: ledger.KindApproved, Status: ledger.AnchorFinal, Count: 1},
			}, aa)

			wa, err := f.db.WriteActivity(ctx, since, until)
			require.NoError(t, err)
			require.Equal(t, []ledger.WriteActivity{
				{Day: "2026-03-01", Mode: "batch", Status: ledger.AnchorFailed, Writes: 1, Records: 3},
				{Day: "2026-03-01", Mode: "batch", Status: ledger.AnchorFinal, Writes: 1, Records: 2, WithGas: 1, GasUsed: 77676, GasPriceWei: "2000000000"},
				{Day: "2026-03-01", Mode: "direct", Status: ledger.AnchorFailed, Writes: 1, Records: 1},
				{Day: "2026-03-01", Mode: "direct", Status: ledger.AnchorFinal, Writes: 1, Records: 1, WithGas: 1, GasUsed: 96649, GasPriceWei: "3000000000"},
			}, wa)

			ac, err := f.db.AuditActionCounts(ctx, since, until)
			require.NoError(t, err)
			require.Equal(t, []ledger.ActionCount{
				{Action: ledger.ActionLoanApprove, Count: 4}, {Action: ledger.ActionLoanCreate, Count: 6},
				{Action: ledger.ActionLoanDefaulted, Count: 1}, {Action: ledger.ActionLoanRepaid, Count: 1},
				{Action: ledger.ActionLoanReject, Count: 1},
			}, ac)

			for _, at := range []time.Time{march.Add(-time.Hour), march.Add(48 * time.Hour), until.Add(time.Hour), until.Add(2 * time.Hour)} {
				require.NoError(t, f.db.SaveReconcileRun(ctx, &ledger.ReconcileRun{Scope: ledger.ReconcileAll, StartedAt: at, FinishedAt: at.Add(time.Minute),
					Counts: ledger.ReconcileCounts{Match: 3, Mismatch: 1}}))
			}
			runs, err := f.db.ReconcileRunsStarted(ctx, since, until, 0)
			require.NoError(t, err)
			require.Len(t, runs, 1)
			require.Equal(t, march.Add(48*time.Hour), runs[0].StartedAt)
			require.Equal(t, 1, runs[0].Counts.Mismatch)
			runs, err = f.db.ReconcileRunsStarted(ctx, until, time.Time{}, 1)
			require.NoError(t, err)
			require.Len(t, runs, 1)
			require.Equal(t, until.Add(time.Hour), runs[0].StartedAt)

			_, err = f.db.LoanActivity(ctx, until, since)
			requireCode(t, ledger.EINVALID, err)
		})
	}
}
