package multichain_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/multichain/multichaintest"
)

// squatter gives a second wallet address send and <stream>.write: anyone
// the stream's admin let write, or a second deployment sharing the stream.
func squatter(t *testing.T, n *multichaintest.Node, a *multichain.Adapter) string {
	t.Helper()
	addr := n.NewAddress()
	for _, perm := range []string{"send", a.Stream() + ".write"} {
		_, err := a.Client().Grant(context.Background(), addr, perm)
		require.NoError(t, err)
	}
	return addr
}

// TestForeignItemsNeitherBlockNorProve replays the real node's defect: an
// item in our format, under our loan's key, from another write-permitted
// address, published before ours. It must not block our record (direct),
// must not count as our batch or take our batch numbers (batch), must not
// make our item "second of its kind" — and a receipt built on it must not
// verify for a verifier that names our publishers.
func TestForeignItemsNeitherBlockNorProve(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var seen []string
	n, a := fakeAdapter(t, multichaintest.Options{}, multichain.Options{OnForeign: func(key string, _ *multichain.Item) { seen = append(seen, key) }})
	other := squatter(t, n, a)
	rec, salt := loanRecord("SQ-1"), make([]byte, ledger.SaltSize)
	fp := ledger.NewFingerprint(rec, salt)
	foreignPayload := map[string]any{"json": multichain.RecordPayload{Schema: multichain.SchemaAnchor, Kind: ledger.KindApproved,
		LoanKey: ledger.LoanKey("SQ-1"), Commitment: common.HexToHash("0x4242")}}
	foreignTx, err := a.Client().PublishFrom(ctx, other, a.Stream(), []string{"SQ-1"}, foreignPayload)
	require.NoError(t, err)

	ours, existed, err := a.PublishRecord(ctx, multichain.RecordRequest{LoanID: "SQ-1", Kind: ledger.KindApproved, Commitment: fp.Commitment})
	require.NoError(t, err, "a foreign item never blocks our record")
	require.False(t, existed)
	require.False(t, ours.Foreign)
	require.Equal(t, []string{"SQ-1"}, seen, "the foreign item is reported")
	again, existed, err := a.PublishRecord(ctx, multichain.RecordRequest{LoanID: "SQ-1", Kind: ledger.KindApproved, Commitment: fp.Commitment})
	require.NoError(t, err)
	require.True(t, existed)
	require.Equal(t, ours.TxID, again.TxID)
	// A repayment needs our approval: a foreign approval does not do.
	foreignOnly := map[string]any{"json": multichain.RecordPayload{Schema: multichain.SchemaAnchor, Kind: ledger.KindApproved,
		LoanKey: ledger.LoanKey("SQ-2"), Commitment: common.HexToHash("0x43")}}
	_, err = a.Client().PublishFrom(ctx, other, a.Stream(), []string{"SQ-2"}, foreignOnly)
	require.NoError(t, err)
	_, _, err = a.PublishRecord(ctx, record("SQ-2", ledger.KindRepaid, 1))
	require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
	n.Mine()

	ours, err = a.Item(ctx, ours.TxID)
	require.NoError(t, err)
	r := receiptFor(t, a, ours, rec, salt, ledger.ModeDirect)
	opts := multichain.VerifyOptions{Stream: a.Stream(), Publishers: a.Publishers()}
	v, err := multichain.Verify(ctx, a.Client(), r, opts)
	require.NoError(t, err)
	require.True(t, v.Verified, "ours is the first of its kind among ours: %v", failing(v))
	v, err = multichain.Verify(ctx, a.Client(), r, multichain.VerifyOptions{Stream: a.Stream()})
	require.NoError(t, err)
	require.True(t, v.Verified, "without a list, the receipt's publisher is the one that counts: %v", failing(v))

	// A receipt on the foreign item, naming the foreign publisher.
	theirs, err := a.Item(ctx, foreignTx)
	require.NoError(t, err)
	require.True(t, theirs.Foreign)
	forged := receiptFor(t, a, theirs, rec, salt, ledger.ModeDirect)
	forged.Contract, err = multichain.PublisherHash(other)
	require.NoError(t, err)
	v, err = multichain.Verify(ctx, a.Client(), forged, opts)
	require.NoError(t, err)
	require.False(t, v.Verified)
	require.Contains(t, failing(v), "publisher is ours")

	// Batches: foreign items under the index key, one with a high number,
	// and under our root's key with another leaf count.
	root := common.HexToHash("0xb0b")
	for _, p := range []multichain.BatchPayload{
		{Schema: multichain.SchemaBatch, Root: common.HexToHash("0xf0f"), LeafCount: 1, Seq: 41},
		{Schema: multichain.SchemaBatch, Root: root, LeafCount: 9, Seq: 42},
	} {
		_, err := a.Client().PublishFrom(ctx, other, a.Stream(), []string{multichain.BatchKey(p.Root), multichain.BatchIndexKey}, map[string]any{"json": p})
		require.NoError(t, err)
	}
	b, existed, err := a.PublishBatch(ctx, multichain.BatchRequest{Root: root, LeafCount: 3})
	require.NoError(t, err, "a foreign item under our root's key is no conflict")
	require.False(t, existed)
	require.Equal(t, uint64(1), b.Batch.Seq, "numbered after our batches only")
	b2, _, err := a.PublishBatch(ctx, multichain.BatchRequest{Root: common.HexToHash("0xb0c"), LeafCount: 1})
	require.NoError(t, err)
	require.Equal(t, uint64(2), b2.Batch.Seq)
}

// TestLastBatchSeqPastAPageOfForeignItems: when the newest page of the
// index key holds only foreign items, the adapter reads further back.
func TestLastBatchSeqPastAPageOfForeignItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n, a := fakeAdapter(t, multichaintest.Options{}, multichain.Options{PageSize: 2})
	_, _, err := a.PublishBatch(ctx, multichain.BatchRequest{Root: common.HexToHash("0x01"), LeafCount: 1})
	require.NoError(t, err)
	other := squatter(t, n, a)
	for i := range 5 {
		p := multichain.BatchPayload{Schema: multichain.SchemaBatch, Root: common.BytesToHash([]byte{0xf0, byte(i)}), LeafCount: 1, Seq: 100}
		_, err := a.Client().PublishFrom(ctx, other, a.Stream(), []string{multichain.BatchKey(p.Root), multichain.BatchIndexKey}, map[string]any{"json": p})
		require.NoError(t, err)
	}
	b, _, err := a.PublishBatch(ctx, multichain.BatchRequest{Root: common.HexToHash("0x02"), LeafCount: 1})
	require.NoError(t, err)
	require.Equal(t, uint64(2), b.Batch.Seq)
}

// TestPublisherNotInWallet: a From address of the chain whose key is not in
// the node's wallet is refused by Check and Init, naming the variable, as
// a permanent error; a publish that goes ahead anyway (-709) is permanent
// too, with the same explanation, and is not retried as if temporary.
func TestPublisherNotInWallet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n, good := fakeAdapter(t, multichaintest.Options{}, multichain.Options{})
	outside := n.ExternalAddress()
	for _, perm := range []string{"send", good.Stream() + ".write"} {
		_, err := good.Client().Grant(ctx, outside, perm)
		require.NoError(t, err)
	}
	a, err := multichain.New(good.Client(), multichain.Options{Stream: good.Stream(), ChainName: "testchain", From: outside})
	require.NoError(t, err)
	for name, err := range map[string]error{"check": a.Check(ctx), "wallet": a.CheckWallet(ctx), "init": func() error { _, err := a.Init(ctx); return err }()} {
		require.ErrorContains(t, err, "MULTICHAIN_FROM_ADDRESS "+outside, name)
		require.ErrorContains(t, err, "not in the wallet", name)
		require.True(t, multichain.IsPermanent(err), name)
	}
	_, _, err = a.PublishRecord(ctx, record("W-1", ledger.KindApproved, 1))
	require.ErrorIs(t, err, multichain.ErrNotInWallet)
	require.ErrorContains(t, err, "not in the wallet")
	require.True(t, multichain.IsPermanent(err))

	_, err = good.Client().PublishFrom(ctx, "1HrciRJS4XsqvFs3oKk3fXLfbMBAVRvAw5FdNo", good.Stream(), []string{"k"}, "00")
	require.True(t, multichain.IsPermanent(err), "an address of another chain")
}

// TestHungWalletTimesOut: wallet calls that stop answering while chain
// reads still answer end at the call's own time limit, as a transport
// error the caller retries, and CheckWallet says what is wrong.
func TestHungWalletTimesOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := multichaintest.Start(t, multichaintest.Options{})
	short := func(method string) time.Duration {
		if multichain.IsWalletMethod(method) {
			return 50 * time.Millisecond
		}
		return multichain.DefaultCallTimeout(method)
	}
	c, err := multichain.NewClient(multichain.ClientConfig{URL: n.URL, User: n.User, Password: n.Password, CallTimeout: short})
	require.NoError(t, err)
	a, err := multichain.New(c, multichain.Options{Stream: "loans", ChainName: "testchain", From: n.Address()})
	require.NoError(t, err)
	_, err = a.Init(ctx)
	require.NoError(t, err)
	n.HangWallet(true)
	t.Cleanup(func() { n.HangWallet(false) })
	_, err = a.Head(ctx)
	require.NoError(t, err, "chain reads answer")
	err = a.CheckWallet(ctx)
	require.ErrorContains(t, err, "answers chain calls but its wallet did not answer validateaddress in time")
	require.Equal(t, ledger.EUNAVAILABLE, ledger.ErrorCode(err))
	_, _, err = a.PublishRecord(ctx, record("H-1", ledger.KindApproved, 1))
	var te *multichain.TransportError
	require.ErrorAs(t, err, &te)
	require.True(t, te.Timeout())
	require.False(t, multichain.IsPermanent(err), "worth retrying")
	n.HangWallet(false)
	_, _, err = a.PublishRecord(ctx, record("H-1", ledger.KindApproved, 1))
	require.NoError(t, err)
}

// TestDefaultCallTimeouts: each kind of call has a limit suited to it.
func TestDefaultCallTimeouts(t *testing.T) {
	t.Parallel()
	require.Less(t, multichain.DefaultCallTimeout("getblockchaininfo"), multichain.DefaultCallTimeout("publishfrom"))
	require.Less(t, multichain.DefaultCallTimeout("publishfrom"), multichain.DefaultCallTimeout("liststreamkeyitems"))
	require.True(t, multichain.IsWalletMethod("validateaddress"))
	require.False(t, multichain.IsWalletMethod("getblockhash"))
}

// FuzzVerifyForgedReceipt: whatever a forger puts in the fields the
// verifier passes to the node — block number, output, txid, block hash,
// publisher, chain — Verify answers with checks, never an error, and
// verifies only the genuine receipt.
func FuzzVerifyForgedReceipt(f *testing.F) {
	n, a := fakeAdapter(f, multichaintest.Options{}, multichain.Options{})
	ctx := context.Background()
	rec, salt := loanRecord("FZ-1"), make([]byte, ledger.SaltSize)
	fp := ledger.NewFingerprint(rec, salt)
	it, _, err := a.PublishRecord(ctx, multichain.RecordRequest{LoanID: rec.LoanID, Kind: rec.Kind(), Commitment: fp.Commitment})
	require.NoError(f, err)
	n.Mine()
	it, err = a.Item(ctx, it.TxID)
	require.NoError(f, err)
	genuine := receiptFor(f, a, it, rec, salt, ledger.ModeDirect)

	f.Add(genuine.BlockNumber, uint64(genuine.LogIndex), genuine.TxHash[:], genuine.BlockHash[:], genuine.Contract[:], "testchain")
	f.Add(uint64(999999), uint64(0), genuine.TxHash[:], genuine.BlockHash[:], genuine.Contract[:], "testchain")
	f.Add(uint64(math.MaxUint64), uint64(math.MaxUint32)+1, genuine.TxHash[:], genuine.BlockHash[:], genuine.Contract[:], "testchain")
	f.Add(genuine.BlockNumber, uint64(9), make([]byte, 32), genuine.BlockHash[:], genuine.Contract[:], "testchain")
	f.Add(uint64(0), uint64(0), genuine.BlockHash[:], genuine.TxHash[:], make([]byte, 20), "other")
	f.Fuzz(func(t *testing.T, block, logIndex uint64, txid, blockHash, contract []byte, chain string) {
		r := *genuine
		r.BlockNumber, r.LogIndex = block, uint(logIndex)
		r.TxHash, r.BlockHash, r.Contract = common.BytesToHash(txid), common.BytesToHash(blockHash), common.BytesToAddress(contract)
		r.Chain = multichain.ChainPrefix + chain
		v, err := multichain.Verify(ctx, a.Client(), &r, multichain.VerifyOptions{Stream: a.Stream(), Publishers: a.Publishers()})
		if err != nil {
			t.Fatalf("a forged receipt made Verify fail: %v", err)
		}
		same := r.BlockNumber == genuine.BlockNumber && r.LogIndex == genuine.LogIndex && r.TxHash == genuine.TxHash &&
			r.BlockHash == genuine.BlockHash && r.Contract == genuine.Contract && r.Chain == genuine.Chain
		if v.Verified != same {
			t.Fatalf("verified %v for a receipt that is genuine: %v (failing %v)", v.Verified, same, failing(v))
		}
	})
}
