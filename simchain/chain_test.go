package simchain_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/simchain"
)

func start(t *testing.T, opts simchain.Options) *simchain.Chain {
	t.Helper()
	c, err := simchain.Start(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// storeLoan sends storeLoan from the dev key with bind's defaults and waits
// for the receipt.
func storeLoan(t *testing.T, c *simchain.Chain, id string) *types.Receipt {
	t.Helper()
	ctx := context.Background()
	opts := bind.NewKeyedTransactor(c.SignerKey(), big.NewInt(simchain.ChainID))
	opts.Context = ctx
	inst := bind.NewBoundContract(c.Registry(), *mustABI(t), c.Client(), c.Client(), c.Client())
	key := crypto.Keccak256Hash([]byte(id))
	tx, err := bind.Transact(inst, opts, evm.StoreLoanData(key, crypto.Keccak256Hash([]byte("c"+id)), common.Address{}, common.Address{}))
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err := bind.WaitMined(wctx, c.Client(), tx.Hash())
	require.NoError(t, err)
	require.Equal(t, types.ReceiptStatusSuccessful, r.Status)
	return r
}

func TestStartInMemoryDeploysRegistryAndServesRPC(t *testing.T) {
	t.Parallel()
	c := start(t, simchain.Options{RPCAddr: "127.0.0.1:0"})
	require.True(t, c.Fresh())
	require.Equal(t, simchain.RegistryAddress(), c.Registry())
	require.NotEmpty(t, c.RPCURL())

	ctx := context.Background()
	remote, err := evm.Dial(ctx, c.RPCURL(), "", evm.ClientOptions{})
	require.NoError(t, err)
	defer remote.Close()
	id, err := remote.ChainID(ctx)
	require.NoError(t, err)
	require.EqualValues(t, simchain.ChainID, id.Int64())
	require.NoError(t, evm.NewRegistry(remote, c.Registry()).CheckCode(ctx))

	// A transaction is mined on arrival, with no Commit.
	r := storeLoan(t, c, "loan-1")
	loan, err := evm.NewRegistry(remote, c.Registry()).GetLoan(ctx, crypto.Keccak256Hash([]byte("loan-1")))
	require.NoError(t, err)
	require.Equal(t, crypto.Keccak256Hash([]byte("cloan-1")), loan.Commitment)
	require.NotZero(t, r.BlockNumber.Uint64())
}

func TestChainPersistsAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	c1, err := simchain.Start(ctx, simchain.Options{DataDir: dir})
	require.NoError(t, err)
	require.True(t, c1.Fresh())
	r := storeLoan(t, c1, "kept")
	require.NoError(t, c1.Stop())
	require.NoError(t, c1.Stop(), "Stop twice")

	c2 := start(t, simchain.Options{DataDir: dir})
	require.False(t, c2.Fresh())
	require.Equal(t, c1.Registry(), c2.Registry())
	got, err := c2.Client().TransactionReceipt(ctx, r.TxHash)
	require.NoError(t, err)
	require.Equal(t, r.BlockHash, got.BlockHash)
	_, err = evm.NewRegistry(c2.Client(), c2.Registry()).GetLoan(ctx, crypto.Keccak256Hash([]byte("kept")))
	require.NoError(t, err)
	// And it keeps working after the restart.
	storeLoan(t, c2, "after restart")
}

func TestRejectsNonLoopbackRPC(t *testing.T) {
	t.Parallel()
	_, err := simchain.Start(context.Background(), simchain.Options{RPCAddr: "0.0.0.0:0"})
	require.ErrorContains(t, err, "loopback")
}

func TestReorgDropsTransaction(t *testing.T) {
	t.Parallel()
	c := start(t, simchain.Options{})
	ctx := context.Background()
	r := storeLoan(t, c, "reorged")
	_, err := c.Reorg(1, true)
	require.NoError(t, err)
	_, err = c.Client().TransactionReceipt(ctx, r.TxHash)
	require.Error(t, err, "receipt must be gone after the reorg")
	head, err := c.Client().HeaderByNumber(ctx, r.BlockNumber)
	require.NoError(t, err)
	require.NotEqual(t, r.BlockHash, head.Hash())
}

func TestDevKeyIsDeterministic(t *testing.T) {
	t.Parallel()
	require.Equal(t, crypto.PubkeyToAddress(simchain.DevKey().PublicKey), simchain.DevAddress())
	require.Equal(t, crypto.CreateAddress(simchain.DevAddress(), 0), simchain.RegistryAddress())
}
