package reconcile_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/multichain/multichaintest"
	"github.com/aartha/ledger/reconcile"
	"github.com/aartha/ledger/store"
)

// TestScanMultiChain indexes a stream as reconcile.Scan indexes the registry:
// mined direct items by record, batch items by root with their sequence
// numbers, the output as the log index; items in the mempool, items below
// the start block and items that are not ours are left out.
func TestScanMultiChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	node := multichaintest.Start(t, multichaintest.Options{})
	c, err := multichain.NewClient(multichain.ClientConfig{URL: node.URL, User: node.User, Password: node.Password})
	require.NoError(t, err)
	ad, err := multichain.New(c, multichain.Options{Stream: "loans", ChainName: "testchain", From: node.Address(), PageSize: 2})
	require.NoError(t, err)
	_, err = ad.Init(ctx)
	require.NoError(t, err)

	_, _, err = ad.PublishRecord(ctx, multichain.RecordRequest{LoanID: "L-0", Kind: ledger.KindApproved, Commitment: common.Hash{1}})
	require.NoError(t, err)
	from := node.Mine() + 1
	approved, _, err := ad.PublishRecord(ctx, multichain.RecordRequest{LoanID: "L-1", Kind: ledger.KindApproved, Commitment: common.Hash{2}})
	require.NoError(t, err)
	repaid, _, err := ad.PublishRecord(ctx, multichain.RecordRequest{LoanID: "L-1", Kind: ledger.KindRepaid, Commitment: common.Hash{3}})
	require.NoError(t, err)
	batch, _, err := ad.PublishBatch(ctx, multichain.BatchRequest{Root: common.Hash{4}, LeafCount: 3})
	require.NoError(t, err)
	_, err = c.PublishFrom(ctx, node.Address(), "loans", []string{"L-2"}, map[string]any{"json": map[string]any{"schema": "someone.else/v1"}})
	require.NoError(t, err)
	node.Mine()
	node.Mine()
	pending, _, err := ad.PublishRecord(ctx, multichain.RecordRequest{LoanID: "L-3", Kind: ledger.KindApproved, Commitment: common.Hash{5}})
	require.NoError(t, err)
	require.False(t, pending.InBlock())
	_, _, err = ad.PublishBatch(ctx, multichain.BatchRequest{Root: common.Hash{6}, LeafCount: 2})
	require.NoError(t, err)

	idx, err := reconcile.Scan(ctx, multichain.NewChain(ad), from)
	require.NoError(t, err)
	require.Equal(t, node.Height(), idx.Head)
	require.Equal(t, from, idx.FromBlock)
	require.Len(t, idx.Direct, 2, "L-0 is below the start, L-2 is not ours, L-3 is pending")
	require.Len(t, idx.Batches, 1)
	require.Equal(t, map[uint64]bool{2: true}, idx.PendingBatchSeqs, "the pending batch is numbered, not indexed")

	for _, want := range []struct {
		loan string
		kind ledger.Kind
		id   common.Hash
		c    common.Hash
	}{{"L-1", ledger.KindApproved, approved.TxID, common.Hash{2}}, {"L-1", ledger.KindRepaid, repaid.TxID, common.Hash{3}}} {
		item, err := ad.Item(ctx, want.id)
		require.NoError(t, err)
		w, ok := idx.Direct[ledger.RecordKey{LoanKey: ledger.LoanKey(want.loan), Kind: want.kind}]
		require.True(t, ok)
		require.Equal(t, want.c, w.Commitment)
		require.Equal(t, item.TxID, w.TxHash)
		require.Equal(t, item.BlockHeight, w.BlockNumber)
		require.Equal(t, item.BlockHash, w.BlockHash)
		require.Equal(t, uint(item.Vout), w.LogIndex)
	}
	b := idx.Batches[common.Hash{4}]
	require.Equal(t, batch.TxID, b.TxHash)
	require.Equal(t, uint64(1), b.Seq)
	require.Equal(t, uint32(3), b.LeafCount)
	require.NotContains(t, idx.Direct, ledger.RecordKey{LoanKey: ledger.LoanKey("L-0"), Kind: ledger.KindApproved})

	// Once mined, the pending item is indexed too.
	node.Mine()
	idx, err = reconcile.Scan(ctx, multichain.NewChain(ad), 0)
	require.NoError(t, err)
	require.Len(t, idx.Direct, 4)
	require.Len(t, idx.Batches, 2)
	require.Empty(t, idx.PendingBatchSeqs)
}

// TestForeignItemsAreForeign: items in our format published by an address
// that is not ours — a second deployment sharing the stream — are left out
// of the index and listed by Run as foreign, not as unknown writes: the run
// is OK. An address listed in Publishers (an earlier publisher of ours)
// counts as ours.
func TestForeignItemsAreForeign(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	node := multichaintest.Start(t, multichaintest.Options{})
	c, err := multichain.NewClient(multichain.ClientConfig{URL: node.URL, User: node.User, Password: node.Password})
	require.NoError(t, err)
	other, earlier := node.NewAddress(), node.NewAddress()
	ours, err := multichain.New(c, multichain.Options{Stream: "loans", ChainName: "testchain", From: node.Address()})
	require.NoError(t, err)
	_, err = ours.Init(ctx)
	require.NoError(t, err)
	for _, from := range []string{other, earlier} {
		theirs, err := multichain.New(c, multichain.Options{Stream: "loans", ChainName: "testchain", From: from})
		require.NoError(t, err)
		_, err = theirs.Init(ctx)
		require.NoError(t, err)
		_, _, err = theirs.PublishRecord(ctx, multichain.RecordRequest{LoanID: "X-" + from[:6], Kind: ledger.KindApproved, Commitment: common.Hash{7}})
		require.NoError(t, err)
		_, _, err = theirs.PublishBatch(ctx, multichain.BatchRequest{Root: common.BytesToHash([]byte(from)), LeafCount: 2})
		require.NoError(t, err)
	}
	node.Mine()

	idx, err := reconcile.Scan(ctx, multichain.NewChain(ours), 0)
	require.NoError(t, err)
	require.Empty(t, idx.Direct)
	require.Empty(t, idx.Batches)
	require.Len(t, idx.Foreign, 4)

	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "aartha.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	run, err := reconcile.Run(ctx, db, idx, reconcile.Options{})
	require.NoError(t, err)
	require.True(t, run.OK(), "foreign items are no problem: %+v", run.Findings)
	require.Len(t, run.Findings, 4)
	for _, f := range run.Findings {
		require.Equal(t, ledger.OutcomeForeign, f.Outcome)
		require.Contains(t, f.Detail, "not by one of our publishers")
	}

	rotated, err := multichain.New(c, multichain.Options{Stream: "loans", ChainName: "testchain", From: node.Address(), Publishers: []string{earlier}})
	require.NoError(t, err)
	idx, err = reconcile.Scan(ctx, multichain.NewChain(rotated), 0)
	require.NoError(t, err)
	require.Len(t, idx.Direct, 1, "the earlier publisher's record counts")
	require.Len(t, idx.Batches, 1)
	require.Len(t, idx.Foreign, 2)
}
