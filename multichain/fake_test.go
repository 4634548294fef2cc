package multichain_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/multichain/multichaintest"
)

// These tests need behaviours only the fake can produce on demand: a
// crash, a reorganisation, an evicted transaction, a small maxshowndata.

func fakeAdapter(t testing.TB, fopts multichaintest.Options, opts multichain.Options) (*multichaintest.Node, *multichain.Adapter) {
	t.Helper()
	n := multichaintest.Start(t, fopts)
	c, err := multichain.NewClient(multichain.ClientConfig{URL: n.URL, User: n.User, Password: n.Password})
	require.NoError(t, err)
	opts.Stream, opts.ChainName, opts.From = "loans", "testchain", n.Address()
	if opts.PollInterval == 0 {
		opts.PollInterval = time.Millisecond
	}
	a, err := multichain.New(c, opts)
	require.NoError(t, err)
	_, err = a.Init(context.Background())
	require.NoError(t, err)
	return n, a
}

// TestFakeCrashesOnMalformedTxID: the real node once died on a malformed
// txid. The fake drops the connection and stays down; the client's guard
// means the adapter never gets there.
func TestFakeCrashesOnMalformedTxID(t *testing.T) {
	t.Parallel()
	n, a := fakeAdapter(t, multichaintest.Options{}, multichain.Options{})
	req, err := http.NewRequest(http.MethodPost, n.URL, strings.NewReader(`{"jsonrpc":"1.0","id":"t1","method":"getstreamitem","params":["loans","zz"]}`))
	require.NoError(t, err)
	req.SetBasicAuth(n.User, n.Password)
	_, err = http.DefaultClient.Do(req)
	require.Error(t, err, "no answer from a crashing node")
	require.True(t, n.Crashed())

	_, err = a.Head(context.Background())
	var te *multichain.TransportError
	require.ErrorAs(t, err, &te, "a crashed node is a transport error")
	require.Equal(t, ledger.EUNAVAILABLE, ledger.ErrorCode(err))
	require.False(t, multichain.IsPermanent(err), "worth retrying once the node is back")
}

// TestAnchorFollowsReorg: an item whose block is undone goes back to
// submitted and is reported again in its new block, never published twice.
func TestAnchorFollowsReorg(t *testing.T) {
	t.Parallel()
	n, a := fakeAdapter(t, multichaintest.Options{}, multichain.Options{Confirmations: 3})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	steps := make(chan multichain.Progress, 16)
	done := make(chan error, 1)
	go func() {
		done <- a.AnchorRecord(ctx, record("LOAN-R", ledger.KindApproved, 1), func(p multichain.Progress) error {
			steps <- p
			return nil
		})
	}()
	require.Equal(t, ledger.AnchorSubmitted, (<-steps).Status)
	n.Mine()
	first := <-steps
	require.Equal(t, ledger.AnchorIncluded, first.Status)
	n.Reorg(1)
	require.Equal(t, ledger.AnchorSubmitted, (<-steps).Status, "back in the mempool")
	n.Mine()
	second := <-steps
	require.Equal(t, ledger.AnchorIncluded, second.Status)
	require.NotEqual(t, first.Item.BlockHash, second.Item.BlockHash)
	require.Equal(t, first.Item.TxID, second.Item.TxID)
	n.Mine()
	n.Mine()
	require.NoError(t, <-done)
	final := <-steps
	require.Equal(t, ledger.AnchorFinal, final.Status)

	items, err := a.KeyItems(ctx, "LOAN-R")
	require.NoError(t, err)
	require.Len(t, items, 1, "published once")
}

// TestAnchorRepublishesDroppedItem: an item evicted from the mempool is
// published again — once — after the read-back finds it gone.
func TestAnchorRepublishesDroppedItem(t *testing.T) {
	t.Parallel()
	n, a := fakeAdapter(t, multichaintest.Options{}, multichain.Options{Confirmations: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	steps := make(chan multichain.Progress, 16)
	done := make(chan error, 1)
	go func() {
		done <- a.AnchorBatch(ctx, multichain.BatchRequest{Root: common.HexToHash("0x77"), LeafCount: 2}, func(p multichain.Progress) error {
			steps <- p
			return nil
		})
	}()
	first := <-steps
	require.Equal(t, ledger.AnchorSubmitted, first.Status)
	n.DropPending()
	var again multichain.Progress
	require.Eventually(t, func() bool {
		select {
		case again = <-steps:
			return true
		default:
			return false
		}
	}, 10*time.Second, time.Millisecond)
	require.Equal(t, ledger.AnchorSubmitted, again.Status)
	require.NotEqual(t, first.Item.TxID, again.Item.TxID, "a new transaction")
	require.Equal(t, uint64(1), again.Item.Batch.Seq, "the dropped batch never counted")
	n.Mine()
	require.NoError(t, <-done)
	var all []*multichain.Item
	require.NoError(t, a.Items(ctx, func(it *multichain.Item) error { all = append(all, it); return nil }))
	require.Len(t, all, 1)
}

// TestUpdateErrorStopsAnchor: the worker's recording failing stops the
// anchoring with that error.
func TestUpdateErrorStopsAnchor(t *testing.T) {
	t.Parallel()
	_, a := fakeAdapter(t, multichaintest.Options{}, multichain.Options{})
	boom := ledger.Errorf(ledger.EUNAVAILABLE, "database down")
	err := a.AnchorRecord(context.Background(), record("LOAN-U", ledger.KindApproved, 1), func(multichain.Progress) error { return boom })
	require.ErrorIs(t, err, boom)
}

// TestLargeDataShownByReference: past the node's maxshowndata an item's
// data is a {"txid","vout","size"} reference; reads fetch it.
func TestLargeDataShownByReference(t *testing.T) {
	t.Parallel()
	n, a := fakeAdapter(t, multichaintest.Options{MaxShownData: 40}, multichain.Options{})
	ctx := context.Background()
	rec := loanRecord("LOAN-L")
	salt := make([]byte, ledger.SaltSize)
	fp := ledger.NewFingerprint(rec, salt)
	it, _, err := a.PublishRecord(ctx, multichain.RecordRequest{LoanID: "LOAN-L", Kind: ledger.KindApproved, Commitment: fp.Commitment})
	require.NoError(t, err)
	require.NotNil(t, it.Record, "fetched through gettxoutdata: %s", it.Problem)
	require.Contains(t, n.Calls(), "gettxoutdata")
	n.Mine()
	it, err = a.Item(ctx, it.TxID)
	require.NoError(t, err)
	v, err := multichain.Verify(ctx, a.Client(), receiptFor(t, a, it, rec, salt, ledger.ModeDirect), multichain.VerifyOptions{Stream: "loans"})
	require.NoError(t, err)
	require.True(t, v.Verified, "failing: %v", failing(v))
}

// TestContextCancelStopsFollow: a cancelled context ends the wait for
// confirmations.
func TestContextCancelStopsFollow(t *testing.T) {
	t.Parallel()
	_, a := fakeAdapter(t, multichaintest.Options{}, multichain.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	err := a.AnchorRecord(ctx, record("LOAN-C", ledger.KindApproved, 1), func(p multichain.Progress) error {
		cancel()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
}
