package reconcile_test

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/reconcile"
)

// unanchoredStore is a store whose loans hold approvals and repayments that
// were never anchored, and no anchors or batches.
type unanchoredStore struct{ unanchored []ledger.ReconcileFinding }

var _ reconcile.Store = unanchoredStore{}

func (unanchoredStore) ForEachAnchor(context.Context, []string, func(*ledger.Anchor, *ledger.Loan) error) error {
	return nil
}
func (s unanchoredStore) UnanchoredRecords(context.Context, []string) ([]ledger.ReconcileFinding, error) {
	return append([]ledger.ReconcileFinding(nil), s.unanchored...), nil
}
func (unanchoredStore) SampleLoanIDs(context.Context, int) ([]string, error) { return nil, nil }
func (unanchoredStore) AnchorKeys(context.Context) (map[ledger.RecordKey]bool, error) {
	return map[ledger.RecordKey]bool{}, nil
}
func (unanchoredStore) AllBatches(context.Context) ([]*ledger.Batch, error) { return nil, nil }

// TestFindingsReadAsEnglish: each kind of record takes its own article in
// the findings ("an approved", "a repaid"), never "an repaid".
func TestFindingsReadAsEnglish(t *testing.T) {
	t.Parallel()
	st := unanchoredStore{unanchored: []ledger.ReconcileFinding{
		{LoanID: "L-1", Kind: ledger.KindApproved}, {LoanID: "L-1", Kind: ledger.KindRepaid},
	}}
	idx := &reconcile.ChainIndex{Direct: map[ledger.RecordKey]reconcile.DirectWrite{}, Batches: map[common.Hash]reconcile.BatchWrite{}}
	for _, k := range []ledger.Kind{ledger.KindApproved, ledger.KindRepaid} {
		key := ledger.RecordKey{LoanKey: ledger.LoanKey("L-2"), Kind: k}
		idx.Direct[key] = reconcile.DirectWrite{Key: key, Commitment: common.Hash{byte(k)}}
		idx.DirectOrder = append(idx.DirectOrder, key)
	}
	run, err := reconcile.Run(context.Background(), st, idx, reconcile.Options{})
	require.NoError(t, err)
	var details []string
	for _, f := range run.Findings {
		details = append(details, f.Detail)
	}
	require.ElementsMatch(t, []string{
		"the loan has an approved record but no anchor was ever queued for it",
		"the loan has a repaid record but no anchor was ever queued for it",
		"the registry holds an approved record (commitment " + common.Hash{1}.Hex() + ") that no anchor in the database explains",
		"the registry holds a repaid record (commitment " + common.Hash{2}.Hex() + ") that no anchor in the database explains",
	}, details)
}
