package receiptfolder

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
)

// countingBackend counts the reads that reach the chain; the first
// transaction read fails when failFirst is set.
type countingBackend struct {
	evm.VerifyBackend
	txReads, calls, chainIDs atomic.Int32
	failFirst                bool
}

func (c *countingBackend) ChainID(context.Context) (*big.Int, error) {
	c.chainIDs.Add(1)
	return big.NewInt(1337), nil
}

func (c *countingBackend) TransactionReceipt(_ context.Context, tx common.Hash) (*types.Receipt, error) {
	if n := c.txReads.Add(1); n == 1 && c.failFirst {
		return nil, errors.New("connection refused")
	}
	return &types.Receipt{TxHash: tx}, nil
}

func (c *countingBackend) CallContract(_ context.Context, call ethereum.CallMsg, _ *big.Int) ([]byte, error) {
	c.calls.Add(1)
	return append([]byte{}, call.Data...), nil
}

// TestSharedReadsMakeEachReadOnce: receipts of one batch share its
// transaction and getBatch reads; a failed read is not kept.
func TestSharedReadsMakeEachReadOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := &countingBackend{}
	s := NewSharedReads(b)
	to := common.HexToAddress("0x01")
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			id, err := s.ChainID(ctx)
			require.NoError(t, err)
			require.EqualValues(t, 1337, id.Int64())
			r, err := s.TransactionReceipt(ctx, common.Hash{7})
			require.NoError(t, err)
			require.Equal(t, common.Hash{7}, r.TxHash)
			out, err := s.CallContract(ctx, ethereum.CallMsg{To: &to, Data: []byte{1, 2}}, nil)
			require.NoError(t, err)
			require.Equal(t, []byte{1, 2}, out)
		})
	}
	wg.Wait()
	require.EqualValues(t, 1, b.chainIDs.Load())
	require.EqualValues(t, 1, b.txReads.Load())
	require.EqualValues(t, 1, b.calls.Load())
	_, err := s.CallContract(ctx, ethereum.CallMsg{To: &to, Data: []byte{3}}, nil)
	require.NoError(t, err)
	require.EqualValues(t, 2, b.calls.Load(), "another call is another read")

	b = &countingBackend{failFirst: true}
	s = NewSharedReads(b)
	_, err = s.TransactionReceipt(ctx, common.Hash{7})
	require.Error(t, err)
	_, err = s.TransactionReceipt(ctx, common.Hash{7})
	require.NoError(t, err, "a failed read is made again")
	require.EqualValues(t, 2, b.txReads.Load())
}

// TestVerifyFolderOnChain: a folder of real batch receipts on the embedded
// chain is verified one call at a time and in JSON-RPC batches alike; a
// receipt consistent offline whose root was never anchored fails at the
// chain's checks, and one that does not parse is named, both ways.
func TestVerifyFolderOnChain(t *testing.T) {
	t.Parallel()
	chain := startChain(t)
	files := anchoredFolder(t, chain, 250, 100)
	ctx := context.Background()

	// A receipt of a tree never anchored, pointing at a real transaction.
	other := anchoredFolder(t, chain, 3, 3)[0]
	data, err := os.ReadFile(other)
	require.NoError(t, err)
	r, err := ledger.ParseReceipt(data)
	require.NoError(t, err)
	var rec ledger.LoanRecord
	require.NoError(t, json.Unmarshal(r.Record, &rec))
	rec.LoanID, r.LoanID = "NEVER-ANCHORED", "NEVER-ANCHORED"
	fp := ledger.NewFingerprint(rec, r.Salt)
	r.Record, _ = json.Marshal(rec)
	r.Commitment, r.LoanKey, r.Leaf, r.Root, r.Proof = fp.Commitment, fp.LoanKey, &fp.Leaf, &fp.Leaf, []common.Hash{}
	unanchored, err := json.Marshal(r)
	require.NoError(t, err)
	dir := filepath.Dir(files[0])
	require.NoError(t, os.WriteFile(filepath.Join(dir, "unanchored.json"), unanchored, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"schema":`), 0o600))
	files, err = List(dir)
	require.NoError(t, err)
	require.Len(t, files, 252)

	client, err := evm.Dial(ctx, chain.RPCURL(), "", evm.ClientOptions{})
	require.NoError(t, err)
	t.Cleanup(client.Close)
	batch, err := rpc.DialContext(ctx, chain.RPCURL())
	require.NoError(t, err)
	t.Cleanup(batch.Close)

	var results []*Result
	for _, opts := range []Options{{}, {Batch: batch}, {Batch: batch, Workers: 3}} {
		res, err := Verify(ctx, client, files, opts)
		require.NoError(t, err)
		require.Equal(t, 2, res.Failed(), res.Failures)
		for i, f := range files {
			switch filepath.Base(f) {
			case "broken.json":
				require.Contains(t, res.Failures[i], "receipt is not valid JSON")
			case "unanchored.json":
				require.Contains(t, res.Failures[i], "event root")
				require.Contains(t, res.Failures[i], "registry verifyLeaf")
			default:
				require.Empty(t, res.Failures[i], f)
			}
		}
		var out strings.Builder
		res.Report(&out)
		require.Contains(t, out.String(), "250 of 252 receipts verified")
		results = append(results, res)
	}
	require.Equal(t, results[0].Failures, results[1].Failures, "batched calls give the answers of single ones")
	require.Equal(t, results[0].Failures, results[2].Failures)
}

// TestVerifyFolderChainDown: a chain that cannot be asked stops the run
// with an error, batched or not.
func TestVerifyFolderChainDown(t *testing.T) {
	t.Parallel()
	chain := startChain(t)
	files := anchoredFolder(t, chain, 20, 10)
	ctx := context.Background()
	client, err := evm.Dial(ctx, chain.RPCURL(), "", evm.ClientOptions{})
	require.NoError(t, err)
	t.Cleanup(client.Close)
	batch, err := rpc.DialContext(ctx, chain.RPCURL())
	require.NoError(t, err)
	t.Cleanup(batch.Close)
	shared := NewSharedReads(client)
	_, err = shared.ChainID(ctx) // the client knows the chain id before it goes
	require.NoError(t, err)
	require.NoError(t, chain.Stop())
	for _, opts := range []Options{{}, {Batch: batch}} {
		_, err := Verify(ctx, client, files, opts)
		require.Error(t, err)
		require.True(t, evm.IsConnectionError(err), "%v", err)
	}
}
