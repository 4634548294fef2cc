package store_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// TestBatchInBulk assigns a batch's anchors with their proofs in one call,
// then writes each step of its transaction onto all of them and their
// loans at once.
func TestBatchInBulk(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			loans := f.approve(t, "B-1", "B-2", "B-3")
			var anchors []*ledger.Anchor
			for _, l := range loans {
				anchors = append(anchors, f.anchorOf(t, l, ledger.KindApproved, ledger.ModeBatch))
			}
			f.queue(t, anchors...)
			batch := f.createBatch(t, common.Hash{0xbb}, ledger.AnchorQueued)

			ids := anchorIDs(anchors)
			proofs := [][]common.Hash{{{1}, {2}}, {{3}}, {}}
			require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
				return tx.AssignBatch(f.ctx, batch.ID, ids, proofs, f.clock.Now())
			}))
			got := f.anchors(t, ledger.AnchorFilter{BatchID: batch.ID})
			require.Len(t, got, 3)
			for i, a := range got {
				require.Equal(t, proofs[i], a.Proof)
				require.Equal(t, ledger.AnchorQueued, a.Status)
			}
			err := f.db.InTx(f.ctx, func(tx ledger.Tx) error {
				return tx.AssignBatch(f.ctx, batch.ID, []int64{999999}, [][]common.Hash{{}}, f.clock.Now())
			})
			requireCode(t, ledger.ENOTFOUND, err)

			final := f.clock.Now()
			progress := ledger.AnchorProgress{Status: ledger.AnchorFinal, TxHash: common.Hash{0xaa}, BlockNumber: 7,
				BlockHash: common.Hash{0xcc}, LogIndex: 0, UpdatedAt: final, FinalAt: &final}
			var n int64
			require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
				n, err = tx.SetBatchAnchors(f.ctx, batch.ID, progress)
				return err
			}))
			require.EqualValues(t, 3, n)
			for _, a := range f.anchors(t, ledger.AnchorFilter{BatchID: batch.ID}) {
				require.Equal(t, ledger.AnchorFinal, a.Status)
				require.Equal(t, progress.TxHash, a.TxHash)
				require.Equal(t, uint64(7), a.BlockNumber)
				require.Equal(t, progress.BlockHash, a.BlockHash)
				require.NotNil(t, a.FinalAt)
			}
			for _, l := range loans {
				got, err := f.db.Loan(f.ctx, l.ID)
				require.NoError(t, err)
				require.Equal(t, ledger.ChainConfirmed, got.BlockchainStatus)
				require.Equal(t, progress.TxHash.Hex(), got.BlockchainTxHash)
				require.NotNil(t, got.BlockchainStoredAt)
				require.Equal(t, ledger.ChainNotStored, got.RepaymentBlockchainStatus, "the repayment fields are another record's")
			}
		})
	}
}
