package main

import (
	"context"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"

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
	s := newSharedReads(b)
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
	s = newSharedReads(b)
	_, err = s.TransactionReceipt(ctx, common.Hash{7})
	require.Error(t, err)
	_, err = s.TransactionReceipt(ctx, common.Hash{7})
	require.NoError(t, err, "a failed read is made again")
	require.EqualValues(t, 2, b.txReads.Load())
}
