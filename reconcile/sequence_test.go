package reconcile

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// TestSequenceFindings: batch numbers written twice are mismatches, numbers
// skipped between two on chain are missing unless a pending write fills
// them, and a gap-free run (from any start) is no finding.
func TestSequenceFindings(t *testing.T) {
	t.Parallel()
	index := func(pending []uint64, seqs ...uint64) *ChainIndex {
		idx := &ChainIndex{Batches: map[common.Hash]BatchWrite{}, PendingBatchSeqs: map[uint64]bool{}}
		for i, s := range seqs {
			root := common.Hash{byte(i + 1)}
			idx.Batches[root] = BatchWrite{Root: root, Seq: s}
			idx.BatchOrder = append(idx.BatchOrder, root)
		}
		for _, s := range pending {
			idx.PendingBatchSeqs[s] = true
		}
		return idx
	}
	for _, tc := range []struct {
		name   string
		idx    *ChainIndex
		want   []ledger.Outcome
		detail string
	}{
		{"gap-free", index(nil, 1, 2, 3), nil, ""},
		{"from a later block", index(nil, 7, 8), nil, ""},
		{"out of chain order", index(nil, 2, 1, 3), nil, ""},
		{"none", index(nil), nil, ""},
		{"gap", index(nil, 1, 2, 5), []ledger.Outcome{ledger.OutcomeMissing}, "jump from #2 to #5: #3, #4 not on chain"},
		{"gap filled by pending", index([]uint64{3, 4}, 1, 2, 5), nil, ""},
		{"gap partly pending", index([]uint64{3}, 1, 2, 5), []ledger.Outcome{ledger.OutcomeMissing}, "#4 not on chain"},
		{"twice", index(nil, 1, 2, 2, 3), []ledger.Outcome{ledger.OutcomeMismatch}, "batch #2 is on chain 2 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := &ledger.ReconcileRun{}
			sequenceFindings(tc.idx, run)
			var got []ledger.Outcome
			for _, f := range run.Findings {
				got = append(got, f.Outcome)
				require.Contains(t, f.Detail, tc.detail)
				require.Equal(t, ledger.ModeBatch, f.Mode)
			}
			require.Equal(t, tc.want, got)
		})
	}
}
