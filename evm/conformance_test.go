package evm_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/contracts"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evm/gethtest"
	"github.com/aartha/ledger/simchain"
)

// chainUnderTest is one chain the adapter conformance suite runs against,
// reached over HTTP JSON-RPC exactly as production reaches a node.
type chainUnderTest struct {
	url      string
	key      *ecdsa.PrivateKey
	from     common.Address
	registry common.Address
	client   *evm.Client
}

// startSimchain starts the embedded chain with its RPC port open.
func startSimchain(t *testing.T) chainUnderTest {
	t.Helper()
	c, err := simchain.Start(context.Background(), simchain.Options{RPCAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	return dialUnderTest(t, c.RPCURL(), c.SignerKey(), c.Registry())
}

// startGeth starts geth --dev and deploys a registry from its funded test
// account.
func startGeth(t *testing.T) chainUnderTest {
	t.Helper()
	n := gethtest.Start(t)
	cut := dialUnderTest(t, n.URL, n.Key, common.Address{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := evm.Deploy(ctx, cut.client, n.Key, n.Address, n.Address)
	require.NoError(t, err)
	cut.registry = d.Address
	return cut
}

func dialUnderTest(t *testing.T, url string, key *ecdsa.PrivateKey, registry common.Address) chainUnderTest {
	t.Helper()
	client, err := evm.Dial(context.Background(), url, "", evm.ClientOptions{})
	require.NoError(t, err)
	t.Cleanup(client.Close)
	return chainUnderTest{url: url, key: key, from: crypto.PubkeyToAddress(key.PublicKey), registry: registry, client: client}
}

// TestConformance runs the adapter suite against the embedded simulated
// chain and a real geth --dev node.
func TestConformance(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func(*testing.T) chainUnderTest{
		"simchain": startSimchain,
		"geth":     startGeth,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cut := start(t)
			t.Run("Registry", func(t *testing.T) { testRegistryFound(t, cut) })
			t.Run("StoreAndGetLoan", func(t *testing.T) { testStoreAndGetLoan(t, cut) })
			t.Run("MarkRepaidAndEvents", func(t *testing.T) { testMarkRepaidAndEvents(t, cut) })
			t.Run("AnchorBatchAndVerifyLeaf", func(t *testing.T) { testAnchorBatch(t, cut) })
			t.Run("RevertDecoding", func(t *testing.T) { testRevertDecoding(t, cut) })
			t.Run("Failover", func(t *testing.T) { testFailover(t, cut) })
			t.Run("Confirmations", func(t *testing.T) { testConfirmations(t, cut) })
		})
	}
}

// send signs data to the registry with the node's fee suggestions and an
// estimated gas limit, and waits for a successful receipt. An error means
// the transaction was not sent (a revert shows up in gas estimation).
func (c chainUnderTest) send(t *testing.T, data []byte) (*types.Receipt, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id, err := c.client.ChainID(ctx)
	require.NoError(t, err)
	opts := bind.NewKeyedTransactor(c.key, id)
	opts.Context = ctx
	inst := bind.NewBoundContract(c.registry, contracts.NewLoanRegistry().GetABI(), c.client, c.client, c.client)
	tx, err := bind.Transact(inst, opts, data)
	if err != nil {
		return nil, err
	}
	r, err := bind.WaitMined(ctx, c.client, tx.Hash())
	require.NoError(t, err)
	require.Equal(t, types.ReceiptStatusSuccessful, r.Status)
	return r, nil
}

func (c chainUnderTest) mustSend(t *testing.T, data []byte) *types.Receipt {
	t.Helper()
	r, err := c.send(t, data)
	require.NoError(t, err)
	return r
}

func (c chainUnderTest) reg() *evm.Registry { return evm.NewRegistry(c.client, c.registry) }

func hashOf(s string) common.Hash { return crypto.Keccak256Hash([]byte(s)) }

func testRegistryFound(t *testing.T, c chainUnderTest) {
	ctx := context.Background()
	require.NoError(t, c.reg().CheckCode(ctx))
	ok, err := c.reg().HasRole(ctx, evm.AnchorerRole, c.from)
	require.NoError(t, err)
	require.True(t, ok)
	err = evm.NewRegistry(c.client, common.HexToAddress("0x000000000000000000000000000000000000dEaD")).CheckCode(ctx)
	require.ErrorIs(t, err, evm.ErrNoCode)
}

func testStoreAndGetLoan(t *testing.T, c chainUnderTest) {
	ctx := context.Background()
	key, commitment := ledger.LoanKey("conf-store"), hashOf("commitment store")
	borrower := common.HexToAddress("0x1111111111111111111111111111111111111111")
	r := c.mustSend(t, evm.StoreLoanData(key, commitment, borrower, common.Address{}))
	loan, err := c.reg().GetLoan(ctx, key)
	require.NoError(t, err)
	require.Equal(t, commitment, loan.Commitment)
	require.Equal(t, borrower, loan.Borrower)
	require.Equal(t, common.Address{}, loan.Lender)
	require.True(t, loan.RepaidAt.IsZero())
	header, err := c.client.HeaderByHash(ctx, r.BlockHash)
	require.NoError(t, err)
	require.Equal(t, int64(header.Time), loan.StoredAt.Unix())

	_, err = c.reg().GetLoan(ctx, ledger.LoanKey("conf-never-stored"))
	require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
	require.ErrorContains(t, err, "LoanNotFound")
}

func testMarkRepaidAndEvents(t *testing.T, c chainUnderTest) {
	ctx := context.Background()
	key := ledger.LoanKey("conf-repaid")
	stored := c.mustSend(t, evm.StoreLoanData(key, hashOf("approved"), common.Address{}, common.Address{}))
	repaid := c.mustSend(t, evm.MarkRepaidData(key, hashOf("repaid")))
	loan, err := c.reg().GetLoan(ctx, key)
	require.NoError(t, err)
	require.False(t, loan.RepaidAt.IsZero())

	events, err := c.reg().Events(ctx, evm.EventQuery{LoanKey: &key, Step: 3})
	require.NoError(t, err)
	require.Len(t, events, 2)
	require.Equal(t, evm.EventLoanStored, events[0].Kind)
	require.Equal(t, hashOf("approved"), common.Hash(events[0].Stored.Commitment))
	require.Equal(t, stored.TxHash, events[0].Log.TxHash)
	require.Equal(t, evm.EventLoanRepaid, events[1].Kind)
	require.Equal(t, hashOf("repaid"), common.Hash(events[1].Repaid.RepaymentCommitment))
	require.Equal(t, repaid.TxHash, events[1].Log.TxHash)
}

func testAnchorBatch(t *testing.T, c chainUnderTest) {
	ctx := context.Background()
	var leaves []common.Hash
	type rec struct {
		key, commitment common.Hash
		kind            ledger.Kind
	}
	var recs []rec
	for i, id := range []string{"b-1", "b-2", "b-3"} {
		r := rec{key: ledger.LoanKey("conf-" + id), commitment: hashOf(id), kind: ledger.Kind(1 + i%2)}
		recs = append(recs, r)
		leaves = append(leaves, ledger.Leaf(r.key, r.kind, r.commitment))
	}
	tree, err := ledger.NewMerkleTree(leaves)
	require.NoError(t, err)
	before, err := c.reg().BatchCount(ctx)
	require.NoError(t, err)

	receipt := c.mustSend(t, evm.AnchorBatchData(tree.Root(), uint32(tree.Len())))
	events, err := c.reg().ReceiptEvents(receipt)
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, before+1, events[0].Batch.Seq)

	batch, err := c.reg().GetBatch(ctx, tree.Root())
	require.NoError(t, err)
	require.Equal(t, before+1, batch.Seq)
	require.Equal(t, receipt.BlockNumber.Uint64(), batch.BlockNumber)
	require.EqualValues(t, 3, batch.LeafCount)
	bySeq, err := c.reg().BatchBySeq(ctx, batch.Seq)
	require.NoError(t, err)
	require.Equal(t, batch, bySeq)

	for _, r := range recs {
		proof, err := tree.Proof(ledger.Leaf(r.key, r.kind, r.commitment))
		require.NoError(t, err)
		ok, err := c.reg().VerifyLeaf(ctx, tree.Root(), r.key, r.kind, r.commitment, proof)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = c.reg().VerifyLeaf(ctx, tree.Root(), r.key, r.kind, hashOf("tampered"), proof)
		require.NoError(t, err)
		require.False(t, ok)
	}
	_, err = c.reg().GetBatch(ctx, hashOf("no such root"))
	require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
	_, err = c.reg().BatchBySeq(ctx, batch.Seq+100)
	require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
}

func testRevertDecoding(t *testing.T, c chainUnderTest) {
	key := ledger.LoanKey("conf-dup")
	data := evm.StoreLoanData(key, hashOf("dup"), common.Address{}, common.Address{})
	c.mustSend(t, data)
	_, err := c.client.EstimateGas(context.Background(), ethereum.CallMsg{From: c.from, To: &c.registry, Data: data})
	require.Error(t, err)
	require.True(t, evm.IsRevert(err))
	require.Equal(t, "LoanAlreadyStored(loanKey="+key.Hex()+")", evm.RevertReason(err))
	require.False(t, evm.IsConnectionError(err), "a revert is an answer, not a connection failure")

	_, err = c.send(t, evm.MarkRepaidData(ledger.LoanKey("conf-unknown"), hashOf("x")))
	require.Equal(t, "LoanNotFound(loanKey="+ledger.LoanKey("conf-unknown").Hex()+")", evm.RevertReason(err))
}

// closedURL returns an HTTP URL on a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

func testFailover(t *testing.T, c chainUnderTest) {
	ctx := context.Background()
	var failovers atomic.Int32
	now := time.Unix(1_700_000_000, 0)
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	client, err := evm.Dial(ctx, closedURL(t), c.url, evm.ClientOptions{
		Cooldown:   time.Minute,
		Now:        func() time.Time { return time.Unix(0, clock.Load()) },
		OnFailover: func(from, to string, err error) { failovers.Add(1) },
	})
	require.NoError(t, err)
	defer client.Close()
	require.Equal(t, []string{"primary", "backup"}, client.EndpointNames())
	name, _ := client.ActiveEndpoint()
	require.Empty(t, name, "no endpoint is in use before the first call")

	id, err := client.ChainID(ctx)
	require.NoError(t, err, "the backup answers")
	require.EqualValues(t, 1337, id.Int64())
	require.EqualValues(t, 1, failovers.Load())
	name, host := client.ActiveEndpoint()
	require.Equal(t, "backup", name)
	require.Equal(t, evm.RedactURL(c.url), host)

	// Within the cool-down the backup is asked first: no new failover.
	_, err = client.BlockNumber(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, failovers.Load())

	// After it, the primary is tried again (and fails over again).
	clock.Add(int64(2 * time.Minute))
	_, err = client.BlockNumber(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 2, failovers.Load())

	// Registry reads and writes work through the backup.
	cut := c
	cut.client = client
	require.NoError(t, cut.reg().CheckCode(ctx))
	cut.mustSend(t, evm.StoreLoanData(ledger.LoanKey("conf-failover"), hashOf("f"), common.Address{}, common.Address{}))

	// Both down: ErrUnavailable, a connection error.
	dead, err := evm.Dial(ctx, closedURL(t), closedURL(t), evm.ClientOptions{})
	require.NoError(t, err)
	defer dead.Close()
	_, err = dead.ChainID(ctx)
	require.ErrorIs(t, err, evm.ErrUnavailable)
	name, _ = dead.ActiveEndpoint()
	require.Empty(t, name, "no endpoint answered")
	require.True(t, evm.IsConnectionError(err))
	require.NotContains(t, err.Error(), "/v3/", "no URL paths in errors")

	// A node's answer never fails over.
	_, err = client.TransactionReceipt(ctx, hashOf("no such tx"))
	require.True(t, errors.Is(err, ethereum.NotFound))
	require.False(t, evm.IsConnectionError(err))
}

func testConfirmations(t *testing.T, c chainUnderTest) {
	ctx := context.Background()
	r := c.mustSend(t, evm.StoreLoanData(ledger.LoanKey("conf-deep"), hashOf("deep"), common.Address{}, common.Address{}))
	got, err := c.client.TransactionReceipt(ctx, r.TxHash)
	require.NoError(t, err)
	require.Equal(t, r.BlockHash, got.BlockHash)
	require.NotZero(t, got.GasUsed)
	require.NotNil(t, got.EffectiveGasPrice)

	// Each further transaction mines a block on top.
	for i := range 2 {
		c.mustSend(t, evm.StoreLoanData(ledger.LoanKey("conf-deep-"+string(rune('a'+i))), hashOf("x"), common.Address{}, common.Address{}))
	}
	head, err := c.client.HeaderByNumber(ctx, nil)
	require.NoError(t, err)
	require.GreaterOrEqual(t, head.Number.Uint64()-r.BlockNumber.Uint64()+1, uint64(3))
	canonical, err := c.client.HeaderByNumber(ctx, r.BlockNumber)
	require.NoError(t, err)
	require.Equal(t, r.BlockHash, canonical.Hash())
	require.NotNil(t, head.BaseFee, "EIP-1559 chain")
	_, err = c.client.FinalizedHeader(ctx)
	require.NoError(t, err)
	tip, err := c.client.SuggestGasTipCap(ctx)
	require.NoError(t, err)
	require.NotNil(t, tip)
	bal, err := c.client.BalanceAt(ctx, c.from, nil)
	require.NoError(t, err)
	require.Positive(t, bal.Cmp(big.NewInt(0)))
}
