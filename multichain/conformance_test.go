package multichain_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/multichain/multichaintest"
)

// nodeUnderTest is one node the conformance suite runs against, reached
// over HTTP JSON-RPC exactly as production reaches one.
type nodeUnderTest struct {
	cfg       multichain.ClientConfig
	chainName string
	admin     string                    // the node's own address: may create and grant
	mine      func(t *testing.T)        // make (or wait for) at least one new block
	poll      time.Duration             // PollInterval for follow tests
	fake      *multichaintest.Node      // nil for a real node
	newAddr   func(t *testing.T) string // a wallet address with no permissions
}

func startFake(t *testing.T) nodeUnderTest {
	t.Helper()
	n := multichaintest.Start(t, multichaintest.Options{})
	return nodeUnderTest{
		cfg:       multichain.ClientConfig{URL: n.URL, User: n.User, Password: n.Password},
		chainName: "testchain", admin: n.Address(), poll: 5 * time.Millisecond, fake: n,
		mine:    func(*testing.T) { n.Mine() },
		newAddr: func(*testing.T) string { return n.NewAddress() },
	}
}

// startReal reaches the node named by MULTICHAIN_TEST_RPC_URL (credentials
// in the URL, in MULTICHAIN_TEST_RPC_USER and MULTICHAIN_TEST_RPC_PASSWORD,
// or in the multichain.conf named by MULTICHAIN_TEST_CONF). Its address must
// hold admin and create. The suite creates fresh streams on it.
func startReal(t *testing.T) nodeUnderTest {
	t.Helper()
	url := os.Getenv("MULTICHAIN_TEST_RPC_URL")
	if url == "" {
		t.Skip("MULTICHAIN_TEST_RPC_URL is not set: no real node to test against")
	}
	cfg := realNodeConfig(t, url, os.Getenv("MULTICHAIN_TEST_RPC_USER"), os.Getenv("MULTICHAIN_TEST_RPC_PASSWORD"), os.Getenv("MULTICHAIN_TEST_CONF"))
	c, err := multichain.NewClient(cfg)
	require.NoError(t, err)
	ctx := context.Background()
	info, err := c.BlockchainInfo(ctx)
	require.NoError(t, err)
	var admins []struct {
		Address string `json:"address"`
	}
	require.NoError(t, c.Call(ctx, "listpermissions", []any{"admin"}, &admins))
	var wallet []string
	require.NoError(t, c.Call(ctx, "getaddresses", nil, &wallet))
	admin := ""
	for _, a := range admins {
		for _, w := range wallet {
			if a.Address == w && admin == "" {
				admin = w
			}
		}
	}
	require.NotEmpty(t, admin, "the node's wallet holds no admin address")
	return nodeUnderTest{
		cfg: cfg, chainName: info.ChainName, admin: admin, poll: 200 * time.Millisecond,
		mine: func(t *testing.T) {
			start, err := c.BlockchainInfo(ctx)
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				now, err := c.BlockchainInfo(ctx)
				return err == nil && now.Blocks > start.Blocks
			}, 2*time.Minute, 250*time.Millisecond, "no new block on the real node")
		},
		newAddr: func(t *testing.T) string {
			var a string
			require.NoError(t, c.Call(ctx, "getnewaddress", nil, &a))
			return a
		},
	}
}

// TestConformance runs the adapter suite against the fake node and, when
// MULTICHAIN_TEST_RPC_URL is set, against that real node.
func TestConformance(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func(*testing.T) nodeUnderTest{"fake": startFake, "real": startReal} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			nut := start(t)
			t.Run("WrongPassword", func(t *testing.T) { testWrongPassword(t, nut) })
			t.Run("UnknownMethodAndUsage", func(t *testing.T) { testUnknownMethod(t, nut) })
			t.Run("MalformedTxIDNeverSent", func(t *testing.T) { testMalformedTxID(t, nut) })
			t.Run("SubscriptionRequired", func(t *testing.T) { testSubscription(t, nut) })
			t.Run("WritePermission", func(t *testing.T) { testWritePermission(t, nut) })
			t.Run("StreamAndDataErrors", func(t *testing.T) { testStreamAndDataErrors(t, nut) })
			t.Run("InitIdempotent", func(t *testing.T) { testInit(t, nut) })
			t.Run("InitWithoutRights", func(t *testing.T) { testInitWithoutRights(t, nut) })
			t.Run("DefaultPagingOfTen", func(t *testing.T) { testDefaultPaging(t, nut) })
			t.Run("PublishRecordIdempotent", func(t *testing.T) { testPublishRecord(t, nut) })
			t.Run("ReadBackPagesPastTen", func(t *testing.T) { testReadBackPages(t, nut) })
			t.Run("MempoolThenConfirmed", func(t *testing.T) { testMempoolThenConfirmed(t, nut) })
			t.Run("Batches", func(t *testing.T) { testBatches(t, nut) })
			t.Run("ItemsForRebuild", func(t *testing.T) { testItems(t, nut) })
			t.Run("AnchorFollowsToFinal", func(t *testing.T) { testAnchorToFinal(t, nut) })
			t.Run("VerifyDirect", func(t *testing.T) { testVerifyDirect(t, nut) })
			t.Run("VerifyBatch", func(t *testing.T) { testVerifyBatch(t, nut) })
		})
	}
}

// realNodeConfig takes the credentials from one place: the URL's user
// info when it has some (then the user, password and conf variables must be
// unset), else the variables.
func realNodeConfig(t *testing.T, rawURL, user, password, conf string) multichain.ClientConfig {
	t.Helper()
	u, err := neturl.Parse(rawURL)
	require.NoError(t, err, "MULTICHAIN_TEST_RPC_URL")
	if u.User != nil {
		require.True(t, user == "" && password == "" && conf == "",
			"MULTICHAIN_TEST_RPC_URL carries credentials: leave MULTICHAIN_TEST_RPC_USER, MULTICHAIN_TEST_RPC_PASSWORD and MULTICHAIN_TEST_CONF unset")
		return multichain.ClientConfig{URL: rawURL}
	}
	return multichain.ClientConfig{URL: rawURL, User: user, Password: password, ConfFile: conf}
}

// withoutUserInfo drops the credentials from a URL.
func withoutUserInfo(t *testing.T, rawURL string) string {
	t.Helper()
	if rawURL == "" {
		return ""
	}
	u, err := neturl.Parse(rawURL)
	require.NoError(t, err)
	u.User = nil
	return u.String()
}

// TestRealNodeConfig: a MULTICHAIN_TEST_RPC_URL with user:pass@ works,
// and the wrong-password case replaces those credentials instead of
// adding a second set (the harness once failed WrongPassword so).
func TestRealNodeConfig(t *testing.T) {
	t.Parallel()
	n := multichaintest.Start(t, multichaintest.Options{})
	u, err := neturl.Parse(n.URL)
	require.NoError(t, err)
	u.User = neturl.UserPassword(n.User, n.Password)
	cfg := realNodeConfig(t, u.String(), "", "", "")
	c, err := multichain.NewClient(cfg)
	require.NoError(t, err)
	_, err = c.BlockchainInfo(context.Background())
	require.NoError(t, err)
	testWrongPassword(t, nodeUnderTest{cfg: cfg})
	require.Equal(t, multichain.ClientConfig{URL: n.URL, User: "u", Password: "p"}, realNodeConfig(t, n.URL, "u", "p", ""))
}

func (n nodeUnderTest) client(t *testing.T) *multichain.Client {
	t.Helper()
	c, err := multichain.NewClient(n.cfg)
	require.NoError(t, err)
	return c
}

// freshStream returns a stream name unused on the node.
func freshStream(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

// adapter returns an initialised adapter on a fresh stream, publishing from
// the node's own address.
func (n nodeUnderTest) adapter(t *testing.T, opts multichain.Options) *multichain.Adapter {
	t.Helper()
	opts.Stream, opts.ChainName = freshStream(t), n.chainName
	if opts.From == "" {
		opts.From = n.admin
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = n.poll
	}
	a, err := multichain.New(n.client(t), opts)
	require.NoError(t, err)
	_, err = a.Init(context.Background())
	require.NoError(t, err)
	return a
}

func rpcCode(t *testing.T, err error) int {
	t.Helper()
	var re *multichain.RPCError
	require.ErrorAs(t, err, &re)
	return re.Code
}

func testWrongPassword(t *testing.T, n nodeUnderTest) {
	cfg := n.cfg
	cfg.URL = withoutUserInfo(t, cfg.URL)
	cfg.ConfFile, cfg.User, cfg.Password = "", "multichainrpc", "definitely-wrong-Secret"
	c, err := multichain.NewClient(cfg)
	require.NoError(t, err)
	_, err = c.BlockchainInfo(context.Background())
	var ae *multichain.AuthError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 401, ae.Status)
	require.Contains(t, err.Error(), c.Host())
	require.Contains(t, err.Error(), "check rpcuser/rpcpassword")
	require.NotContains(t, err.Error(), "definitely-wrong-Secret")
	require.True(t, multichain.IsPermanent(err))
}

func testUnknownMethod(t *testing.T, n nodeUnderTest) {
	c := n.client(t)
	err := c.Call(context.Background(), "nosuchmethod", nil, nil)
	require.ErrorIs(t, err, multichain.ErrMethodNotFound)
	err = c.Call(context.Background(), "publish", []any{"loans"}, nil)
	require.Equal(t, multichain.CodeMisc, rpcCode(t, err), "a wrong argument count is -1 with the help text")
	require.Less(t, len(err.Error()), 300, "the help text is cut short in the message")
}

func testMalformedTxID(t *testing.T, n nodeUnderTest) {
	c := n.client(t)
	ctx := context.Background()
	for _, call := range []struct {
		method string
		params []any
	}{
		{"getstreamitem", []any{"loans", "zz"}},
		{"getstreamitem", []any{"loans", strings.Repeat("0", 63)}},
		{"getrawtransaction", []any{"0x" + strings.Repeat("0", 64), 1}},
		{"gettxoutdata", []any{strings.Repeat("g", 64), 0}},
		{"getblock", []any{"not-a-hash"}},
	} {
		err := c.Call(ctx, call.method, call.params, nil)
		require.Error(t, err, call.method)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), call.method)
	}
	_, err := c.BlockchainInfo(ctx)
	require.NoError(t, err, "the node is still up")
	if n.fake != nil {
		require.NotContains(t, n.fake.Calls(), "getstreamitem", "nothing with a bad txid reached the node")
	}
}

func testSubscription(t *testing.T, n nodeUnderTest) {
	c := n.client(t)
	ctx := context.Background()
	s := freshStream(t)
	_, err := c.CreateStream(ctx, s, false)
	require.NoError(t, err)
	info, err := c.Stream(ctx, s)
	require.NoError(t, err)
	require.True(t, info.Restrict.Write)
	require.False(t, info.Subscribed, "the creating node is not subscribed")
	txid, err := c.PublishFrom(ctx, n.admin, s, []string{"loan-001"}, "a1b2c3d4")
	require.NoError(t, err, "publishing needs no subscription")

	_, err = c.StreamKeyItems(ctx, s, "loan-001", false, 10, -10)
	require.ErrorIs(t, err, multichain.ErrNotSubscribed)
	require.Equal(t, ledger.ECONFLICT, ledger.ErrorCode(err))
	_, err = c.StreamItems(ctx, s, false, 10, -10)
	require.ErrorIs(t, err, multichain.ErrNotSubscribed)
	// getstreamitem answers without a subscription (real-node-answers-2.md):
	// the item by its txid, -710 for an unknown one.
	got, err := c.StreamItem(ctx, s, txid, false)
	require.NoError(t, err)
	require.Equal(t, multichain.TxIDString(txid), got.TxID)
	_, err = c.StreamItem(ctx, s, common.Hash{}, false)
	require.ErrorIs(t, err, multichain.ErrItemNotFound)

	require.NoError(t, c.Subscribe(ctx, s))
	require.NoError(t, c.Subscribe(ctx, s), "subscribing twice is harmless")
	items, err := c.StreamKeyItems(ctx, s, "loan-001", false, 10, -10)
	require.NoError(t, err)
	require.Len(t, items, 1)
	require.Equal(t, `"a1b2c3d4"`, string(items[0].Data))
	none, err := c.StreamKeyItems(ctx, s, "no-such-key", false, 10, -10)
	require.NoError(t, err)
	require.Empty(t, none)
	_, err = c.StreamItem(ctx, s, common.Hash{}, false)
	require.ErrorIs(t, err, multichain.ErrItemNotFound)
}

func testWritePermission(t *testing.T, n nodeUnderTest) {
	c := n.client(t)
	ctx := context.Background()
	s, open := freshStream(t), freshStream(t)
	_, err := c.CreateStream(ctx, s, false)
	require.NoError(t, err)
	_, err = c.CreateStream(ctx, open, true)
	require.NoError(t, err)
	addr := n.newAddr(t)

	_, err = c.PublishFrom(ctx, addr, s, []string{"k"}, "00")
	require.ErrorIs(t, err, multichain.ErrNoPermission)
	require.Equal(t, ledger.EFORBIDDEN, ledger.ErrorCode(err))
	require.True(t, multichain.IsPermanent(err))
	_, err = c.Grant(ctx, addr, "send")
	require.NoError(t, err)
	_, err = c.PublishFrom(ctx, addr, s, []string{"k"}, "00")
	require.ErrorIs(t, err, multichain.ErrNoPermission, "global send is not enough")
	_, err = c.PublishFrom(ctx, addr, open, []string{"k"}, "00")
	require.NoError(t, err, "an open stream takes anyone with send")
	_, err = c.Grant(ctx, addr, s+".write")
	require.NoError(t, err)
	_, err = c.PublishFrom(ctx, addr, s, []string{"k"}, "00")
	require.NoError(t, err)
	has, err := c.HasPermission(ctx, addr, s+".write")
	require.NoError(t, err)
	require.True(t, has)
}

func testStreamAndDataErrors(t *testing.T, n nodeUnderTest) {
	c := n.client(t)
	ctx := context.Background()
	_, err := c.PublishFrom(ctx, n.admin, "nosuchstream-"+freshStream(t), []string{"k"}, "00")
	require.ErrorIs(t, err, multichain.ErrStreamNotFound)
	require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
	s := freshStream(t)
	_, err = c.CreateStream(ctx, s, false)
	require.NoError(t, err)
	_, err = c.CreateStream(ctx, s, false)
	require.ErrorIs(t, err, multichain.ErrAlreadyExists)
	_, err = c.PublishFrom(ctx, n.admin, s, []string{"k"}, "zz")
	require.ErrorIs(t, err, multichain.ErrBadData)
	require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err))
	_, err = c.PublishFrom(ctx, n.admin, s, []string{"loan-003", "borrower-9"}, map[string]string{"text": "hello"})
	require.NoError(t, err)
	_, err = c.PublishFrom(ctx, n.admin, s, []string{"loan-002"}, map[string]any{"json": map[string]any{"sha256": "abcd", "v": 1}})
	require.NoError(t, err)
}

func testInit(t *testing.T, n nodeUnderTest) {
	ctx := context.Background()
	from := n.newAddr(t)
	a, err := multichain.New(n.client(t), multichain.Options{Stream: freshStream(t), ChainName: n.chainName, From: from})
	require.NoError(t, err)
	require.Error(t, a.Check(ctx), "nothing is set up yet")
	rep, err := a.Init(ctx)
	require.NoError(t, err)
	require.True(t, rep.Created)
	require.ElementsMatch(t, []string{"send", a.Stream() + ".write"}, rep.Granted)
	require.NoError(t, a.Check(ctx))
	again, err := a.Init(ctx)
	require.NoError(t, err, "init is idempotent")
	require.False(t, again.Created)
	require.Empty(t, again.Granted)

	info, err := a.Client().Stream(ctx, a.Stream())
	require.NoError(t, err)
	require.True(t, info.Restrict.Write)
	require.True(t, info.Subscribed)

	wrong, err := multichain.New(n.client(t), multichain.Options{Stream: a.Stream(), ChainName: "not-" + n.chainName, From: from})
	require.NoError(t, err)
	_, err = wrong.Init(ctx)
	require.ErrorContains(t, err, "MULTICHAIN_CHAIN_NAME")

	open := freshStream(t)
	_, err = a.Client().CreateStream(ctx, open, true)
	require.NoError(t, err)
	onOpen, err := multichain.New(n.client(t), multichain.Options{Stream: open, ChainName: n.chainName, From: from})
	require.NoError(t, err)
	_, err = onOpen.Init(ctx)
	require.ErrorContains(t, err, "open")
	require.Equal(t, ledger.ECONFLICT, ledger.ErrorCode(err))
}

// testInitWithoutRights runs init where the node's address lacks the rights
// init needs; only the fake can take them away.
func testInitWithoutRights(t *testing.T, n nodeUnderTest) {
	if n.fake == nil {
		t.Skip("needs a node whose own permissions the test may revoke")
	}
	ctx := context.Background()
	node := multichaintest.Start(t, multichaintest.Options{})
	c, err := multichain.NewClient(multichain.ClientConfig{URL: node.URL, User: node.User, Password: node.Password})
	require.NoError(t, err)
	from := node.NewAddress()
	node.Revoke(node.Address(), "create")
	a, err := multichain.New(c, multichain.Options{Stream: "loans", ChainName: "testchain", From: from})
	require.NoError(t, err)
	_, err = a.Init(ctx)
	require.ErrorContains(t, err, "may not create streams")
	require.Equal(t, ledger.EFORBIDDEN, ledger.ErrorCode(err))

	node2 := multichaintest.Start(t, multichaintest.Options{})
	c2, err := multichain.NewClient(multichain.ClientConfig{URL: node2.URL, User: node2.User, Password: node2.Password})
	require.NoError(t, err)
	from2 := node2.NewAddress()
	node2.Revoke(node2.Address(), "admin")
	node2.Revoke(node2.Address(), "activate")
	a2, err := multichain.New(c2, multichain.Options{Stream: "loans", ChainName: "testchain", From: from2})
	require.NoError(t, err)
	_, err = a2.Init(ctx)
	require.ErrorContains(t, err, "lacks send")
	require.ErrorContains(t, err, "grant "+from2+" send")
	require.Equal(t, ledger.EFORBIDDEN, ledger.ErrorCode(err))
}

func testDefaultPaging(t *testing.T, n nodeUnderTest) {
	a := n.adapter(t, multichain.Options{})
	ctx := context.Background()
	c := a.Client()
	for i := range 12 {
		_, err := c.PublishFrom(ctx, n.admin, a.Stream(), []string{"many"}, fmt.Sprintf("%02x", i))
		require.NoError(t, err)
	}
	var last []multichain.NodeItem
	require.NoError(t, c.Call(ctx, "liststreamkeyitems", []any{a.Stream(), "many"}, &last))
	require.Len(t, last, 10, "only the last 10 by default")
	require.Equal(t, `"02"`, string(last[0].Data))
	require.NoError(t, c.Call(ctx, "liststreamitems", []any{a.Stream()}, &last))
	require.Len(t, last, 10)
	all, err := a.KeyItems(ctx, "many")
	require.NoError(t, err)
	require.Len(t, all, 12)
	require.Equal(t, `"00"`, string(all[0].Data))
}

func record(loanID string, kind ledger.Kind, seed byte) multichain.RecordRequest {
	return multichain.RecordRequest{LoanID: loanID, Kind: kind, Commitment: common.BytesToHash([]byte{seed, 1, 2, 3})}
}

func testPublishRecord(t *testing.T, n nodeUnderTest) {
	a := n.adapter(t, multichain.Options{})
	ctx := context.Background()
	first, existed, err := a.PublishRecord(ctx, record("LOAN-1", ledger.KindApproved, 1))
	require.NoError(t, err)
	require.False(t, existed)
	require.Equal(t, "LOAN-1", first.LoanID)
	require.Equal(t, ledger.LoanKey("LOAN-1"), first.Record.LoanKey)
	require.Equal(t, []string{"LOAN-1"}, first.Keys)

	again, existed, err := a.PublishRecord(ctx, record("LOAN-1", ledger.KindApproved, 1))
	require.NoError(t, err)
	require.True(t, existed, "a retry finds the first publish")
	require.Equal(t, first.TxID, again.TxID)

	_, _, err = a.PublishRecord(ctx, record("LOAN-1", ledger.KindApproved, 2))
	var conflict *multichain.ConflictError
	require.ErrorAs(t, err, &conflict)
	require.Equal(t, ledger.ECONFLICT, ledger.ErrorCode(err))
	require.True(t, multichain.IsPermanent(err))

	_, _, err = a.PublishRecord(ctx, record("LOAN-2", ledger.KindRepaid, 3))
	require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err), "repaid before approved")
	require.True(t, multichain.IsPermanent(err))

	repaid, existed, err := a.PublishRecord(ctx, record("LOAN-1", ledger.KindRepaid, 4))
	require.NoError(t, err)
	require.False(t, existed)
	items, err := a.KeyItems(ctx, "LOAN-1")
	require.NoError(t, err)
	require.Len(t, items, 2)
	require.Equal(t, repaid.TxID, items[1].TxID)

	_, _, err = a.PublishRecord(ctx, record("bad id!", ledger.KindApproved, 1))
	require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err))
}

// testReadBackPages buries a record under more than ten later items of its
// key: the read-back before publishing must still find it.
func testReadBackPages(t *testing.T, n nodeUnderTest) {
	a := n.adapter(t, multichain.Options{PageSize: 4})
	ctx := context.Background()
	first, _, err := a.PublishRecord(ctx, record("LOAN-9", ledger.KindApproved, 9))
	require.NoError(t, err)
	for i := range 12 {
		_, err := a.Client().PublishFrom(ctx, n.admin, a.Stream(), []string{"LOAN-9"}, fmt.Sprintf("%02x", i))
		require.NoError(t, err)
	}
	again, existed, err := a.PublishRecord(ctx, record("LOAN-9", ledger.KindApproved, 9))
	require.NoError(t, err)
	require.True(t, existed)
	require.Equal(t, first.TxID, again.TxID)
	items, err := a.KeyItems(ctx, "LOAN-9")
	require.NoError(t, err)
	require.Len(t, items, 13)
	require.NotEmpty(t, items[1].Problem, "foreign items are read but flagged")
}

func testMempoolThenConfirmed(t *testing.T, n nodeUnderTest) {
	a := n.adapter(t, multichain.Options{})
	ctx := context.Background()
	it, _, err := a.PublishRecord(ctx, record("LOAN-5", ledger.KindApproved, 5))
	require.NoError(t, err)
	if n.fake != nil { // a real node may mine between two calls
		require.Zero(t, it.Confirmations)
		require.False(t, it.InBlock())
		require.True(t, it.BlockTime.IsZero(), "no blocktime in the mempool")
		require.Equal(t, common.Hash{}, it.BlockHash)
		raw, err := a.Client().StreamKeyItems(ctx, a.Stream(), "LOAN-5", false, 10, -10)
		require.NoError(t, err)
		require.Nil(t, raw[0].BlockTime)
	}
	n.mine(t)
	got, err := a.Item(ctx, it.TxID)
	require.NoError(t, err)
	require.True(t, got.InBlock())
	require.NotZero(t, got.BlockHeight)
	require.NotEqual(t, common.Hash{}, got.BlockHash)
	require.False(t, got.BlockTime.IsZero())
	at, err := a.Client().BlockHash(ctx, got.BlockHeight)
	require.NoError(t, err)
	require.Equal(t, got.BlockHash, at)
	head, err := a.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, head-got.BlockHeight+1, got.Confirmations)
	raw, err := a.Client().StreamKeyItems(ctx, a.Stream(), "LOAN-5", false, 10, -10)
	require.NoError(t, err)
	require.NotNil(t, raw[0].BlockTime)
	require.Empty(t, raw[0].BlockHash, "block hash only when verbose")
}

func testBatches(t *testing.T, n nodeUnderTest) {
	a := n.adapter(t, multichain.Options{})
	ctx := context.Background()
	r1, r2 := common.HexToHash("0x01"), common.HexToHash("0x02")
	b1, existed, err := a.PublishBatch(ctx, multichain.BatchRequest{Root: r1, LeafCount: 3})
	require.NoError(t, err)
	require.False(t, existed)
	require.Equal(t, uint64(1), b1.Batch.Seq)
	require.Equal(t, []string{multichain.BatchKey(r1), multichain.BatchIndexKey}, b1.Keys)
	b2, _, err := a.PublishBatch(ctx, multichain.BatchRequest{Root: r2, LeafCount: 1})
	require.NoError(t, err)
	require.Equal(t, uint64(2), b2.Batch.Seq)
	again, existed, err := a.PublishBatch(ctx, multichain.BatchRequest{Root: r1, LeafCount: 3})
	require.NoError(t, err)
	require.True(t, existed)
	require.Equal(t, b1.TxID, again.TxID)
	require.Equal(t, uint64(1), again.Batch.Seq)
	_, _, err = a.PublishBatch(ctx, multichain.BatchRequest{Root: r1, LeafCount: 4})
	var conflict *multichain.ConflictError
	require.ErrorAs(t, err, &conflict)
}

func testItems(t *testing.T, n nodeUnderTest) {
	a := n.adapter(t, multichain.Options{PageSize: 3})
	ctx := context.Background()
	var want []common.Hash
	for i := range 5 {
		it, _, err := a.PublishRecord(ctx, record(fmt.Sprintf("LOAN-%d", i), ledger.KindApproved, byte(i)))
		require.NoError(t, err)
		want = append(want, it.TxID)
		if i == 2 {
			n.mine(t)
		}
	}
	b, _, err := a.PublishBatch(ctx, multichain.BatchRequest{Root: common.HexToHash("0xbb"), LeafCount: 2})
	require.NoError(t, err)
	want = append(want, b.TxID)
	var got []common.Hash
	records, batches := 0, 0
	require.NoError(t, a.Items(ctx, func(it *multichain.Item) error {
		got = append(got, it.TxID)
		switch {
		case it.Record != nil:
			records++
		case it.Batch != nil:
			batches++
		}
		return nil
	}))
	require.Equal(t, want, got, "every item once, in chain order")
	require.Equal(t, 5, records)
	require.Equal(t, 1, batches)
	stop := errors.New("stop")
	require.ErrorIs(t, a.Items(ctx, func(*multichain.Item) error { return stop }), stop)
}

// follow runs anchor in the background, mining until it returns, and
// gives back the steps it reported.
func follow(t *testing.T, n nodeUnderTest, anchor func(context.Context, func(multichain.Progress) error) error) []multichain.Progress {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var (
		mu    sync.Mutex
		steps []multichain.Progress
	)
	done := make(chan error, 1)
	go func() {
		done <- anchor(ctx, func(p multichain.Progress) error {
			mu.Lock()
			defer mu.Unlock()
			steps = append(steps, p)
			return nil
		})
	}()
	for {
		select {
		case err := <-done:
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			return steps
		case <-time.After(10 * n.poll):
			n.mine(t)
		}
	}
}

func testAnchorToFinal(t *testing.T, n nodeUnderTest) {
	a := n.adapter(t, multichain.Options{Confirmations: 2})
	steps := follow(t, n, func(ctx context.Context, update func(multichain.Progress) error) error {
		return a.AnchorRecord(ctx, record("LOAN-7", ledger.KindApproved, 7), update)
	})
	last := steps[len(steps)-1]
	require.Equal(t, ledger.AnchorFinal, last.Status)
	require.GreaterOrEqual(t, last.Item.Confirmations, uint64(2))
	require.NotEqual(t, common.Hash{}, last.Item.BlockHash)
	for _, s := range steps {
		require.Equal(t, last.Item.TxID, s.Item.TxID)
	}
	if n.fake != nil {
		require.Equal(t, []ledger.AnchorStatus{ledger.AnchorSubmitted, ledger.AnchorIncluded, ledger.AnchorFinal}, statuses(steps))
	}
	// A second anchoring of the same record finds it, already final.
	again := follow(t, n, func(ctx context.Context, update func(multichain.Progress) error) error {
		return a.AnchorRecord(ctx, record("LOAN-7", ledger.KindApproved, 7), update)
	})
	require.Equal(t, []ledger.AnchorStatus{ledger.AnchorFinal}, statuses(again))
	require.Equal(t, last.Item.TxID, again[0].Item.TxID)

	batch := follow(t, n, func(ctx context.Context, update func(multichain.Progress) error) error {
		return a.AnchorBatch(ctx, multichain.BatchRequest{Root: common.HexToHash("0xabc"), LeafCount: 7}, update)
	})
	require.Equal(t, ledger.AnchorFinal, batch[len(batch)-1].Status)
	require.Equal(t, uint64(1), batch[len(batch)-1].Item.Batch.Seq)
}

func statuses(steps []multichain.Progress) []ledger.AnchorStatus {
	var out []ledger.AnchorStatus
	for _, s := range steps {
		out = append(out, s.Status)
	}
	return out
}

// receiptFor builds the receipt of an anchored item as the worker would.
func receiptFor(t testing.TB, a *multichain.Adapter, it *multichain.Item, rec ledger.Record, salt []byte, mode string) *ledger.Receipt {
	t.Helper()
	raw, err := json.Marshal(rec)
	require.NoError(t, err)
	fp := ledger.NewFingerprint(rec, salt)
	return &ledger.Receipt{
		Schema: ledger.SchemaReceipt, Chain: a.Chain(), Contract: a.Publisher(), Mode: mode, Kind: rec.Kind(),
		LoanID: rec.ID(), Record: raw, Salt: salt, Commitment: fp.Commitment, LoanKey: fp.LoanKey,
		TxHash: it.TxID, BlockNumber: it.BlockHeight, BlockHash: it.BlockHash, LogIndex: uint(it.Vout),
	}
}

func loanRecord(id string) ledger.LoanRecord {
	return ledger.LoanRecord{
		Schema: ledger.SchemaLoan, LoanID: id, Borrower: "Asha", Lender: "Aartha", Principal: "500000",
		Currency: "INR", InterestRateBps: 1200, TermMonths: 12, ApprovedAt: "2026-01-31T09:30:00Z",
	}
}

func failing(v *ledger.Verification) []string {
	var out []string
	for _, c := range v.Checks {
		if !c.OK {
			out = append(out, c.Name)
		}
	}
	return out
}

func testVerifyDirect(t *testing.T, n nodeUnderTest) {
	a := n.adapter(t, multichain.Options{})
	ctx := context.Background()
	rec, salt := loanRecord("LOAN-V1"), make([]byte, ledger.SaltSize)
	salt[0] = 7
	fp := ledger.NewFingerprint(rec, salt)
	it, _, err := a.PublishRecord(ctx, multichain.RecordRequest{LoanID: rec.LoanID, Kind: rec.Kind(), Commitment: fp.Commitment})
	require.NoError(t, err)
	n.mine(t)
	it, err = a.Item(ctx, it.TxID)
	require.NoError(t, err)
	r := receiptFor(t, a, it, rec, salt, ledger.ModeDirect)
	opts := multichain.VerifyOptions{Stream: a.Stream()}

	v, err := multichain.Verify(ctx, a.Client(), r, opts)
	require.NoError(t, err)
	require.True(t, v.Verified, "failing: %v", failing(v))
	require.Empty(t, v.Skipped)
	require.GreaterOrEqual(t, v.Confirmations, uint64(1))

	// The same receipt without a stream to compare with skips the
	// first-of-its-kind check but still verifies.
	v, err = multichain.Verify(ctx, a.Client(), r, multichain.VerifyOptions{})
	require.NoError(t, err)
	require.True(t, v.Verified)
	require.Len(t, v.Skipped, 1)

	for name, tc := range map[string]struct {
		edit func(*ledger.Receipt)
		want string
	}{
		"chain":        {func(r *ledger.Receipt) { r.Chain = "multichain:other" }, "chain"},
		"block hash":   {func(r *ledger.Receipt) { r.BlockHash = common.HexToHash("0x1234") }, "block hash"},
		"block number": {func(r *ledger.Receipt) { r.BlockNumber = 1 }, "block at height 1"},
		"publisher":    {func(r *ledger.Receipt) { r.Contract = common.HexToAddress("0x01") }, "publisher"},
		"output":       {func(r *ledger.Receipt) { r.LogIndex = 7 }, "stream item"},
		"unknown tx":   {func(r *ledger.Receipt) { r.TxHash = common.HexToHash("0x0badc0de") }, "transaction"},
	} {
		t.Run(name, func(t *testing.T) {
			bad := *r
			tc.edit(&bad)
			v, err := multichain.Verify(ctx, a.Client(), &bad, opts)
			require.NoError(t, err)
			require.False(t, v.Verified)
			require.Contains(t, failing(v), tc.want)
		})
	}

	// A record altered after anchoring fails offline.
	altered := rec
	altered.Principal = "900000"
	bad := receiptFor(t, a, it, altered, salt, ledger.ModeDirect)
	bad.Commitment = fp.Commitment
	v, err = multichain.Verify(ctx, a.Client(), bad, opts)
	require.NoError(t, err)
	require.False(t, v.Verified)

	// An item of another loan does not prove this one, even with a
	// receipt consistent in itself.
	other, salt2 := loanRecord("LOAN-V2"), salt
	r2 := receiptFor(t, a, it, other, salt2, ledger.ModeDirect)
	v, err = multichain.Verify(ctx, a.Client(), r2, opts)
	require.NoError(t, err)
	require.False(t, v.Verified)
	require.Subset(t, failing(v), []string{"item key", "item loan key", "item commitment"})

	// A receipt of a later, second item for the same loan and kind (only
	// writable by going around the adapter) fails first-of-its-kind.
	rec3, salt3 := loanRecord("LOAN-V3"), salt
	fp3 := ledger.NewFingerprint(rec3, salt3)
	_, _, err = a.PublishRecord(ctx, multichain.RecordRequest{LoanID: "LOAN-V3", Kind: ledger.KindApproved, Commitment: common.HexToHash("0xfeed")})
	require.NoError(t, err)
	payload := map[string]any{"json": multichain.RecordPayload{Schema: multichain.SchemaAnchor, Kind: ledger.KindApproved, LoanKey: fp3.LoanKey, Commitment: fp3.Commitment}}
	txid, err := a.Client().PublishFrom(ctx, n.admin, a.Stream(), []string{"LOAN-V3"}, payload)
	require.NoError(t, err)
	n.mine(t)
	second, err := a.Item(ctx, txid)
	require.NoError(t, err)
	v, err = multichain.Verify(ctx, a.Client(), receiptFor(t, a, second, rec3, salt3, ledger.ModeDirect), opts)
	require.NoError(t, err)
	require.False(t, v.Verified)
	require.Equal(t, []string{"first item of its loan and kind"}, failing(v))
}

func testVerifyBatch(t *testing.T, n nodeUnderTest) {
	a := n.adapter(t, multichain.Options{})
	ctx := context.Background()
	salt := make([]byte, ledger.SaltSize)
	var leaves []common.Hash
	recs := []ledger.LoanRecord{loanRecord("LOAN-B1"), loanRecord("LOAN-B2"), loanRecord("LOAN-B3")}
	for _, rec := range recs {
		leaves = append(leaves, ledger.NewFingerprint(rec, salt).Leaf)
	}
	tree, err := ledger.NewMerkleTree(leaves)
	require.NoError(t, err)
	it, _, err := a.PublishBatch(ctx, multichain.BatchRequest{Root: tree.Root(), LeafCount: tree.Len()})
	require.NoError(t, err)
	n.mine(t)
	it, err = a.Item(ctx, it.TxID)
	require.NoError(t, err)

	r := receiptFor(t, a, it, recs[1], salt, ledger.ModeBatch)
	leaf, root, seq := leaves[1], tree.Root(), it.Batch.Seq
	proof, err := tree.Proof(leaf)
	require.NoError(t, err)
	r.Leaf, r.Root, r.BatchSeq, r.Proof = &leaf, &root, &seq, proof
	v, err := multichain.Verify(ctx, a.Client(), r, multichain.VerifyOptions{Stream: a.Stream()})
	require.NoError(t, err)
	require.True(t, v.Verified, "failing: %v", failing(v))

	wrongSeq := seq + 1
	bad := *r
	bad.BatchSeq = &wrongSeq
	v, err = multichain.Verify(ctx, a.Client(), &bad, multichain.VerifyOptions{Stream: a.Stream()})
	require.NoError(t, err)
	require.Equal(t, []string{"item batch sequence"}, failing(v))

	v, err = multichain.Verify(ctx, a.Client(), r, multichain.VerifyOptions{Stream: "another-stream"})
	require.NoError(t, err)
	require.Equal(t, []string{"stream"}, failing(v))
}
