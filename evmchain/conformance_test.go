package evmchain_test

import (
	"context"
	"crypto/ecdsa"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/chaintest"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evm/gethtest"
	"github.com/aartha/ledger/evmchain"
	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/txmgr"
)

// open is the registry at registry behind the chain seam, reached over
// JSON-RPC at url as production reaches a node, sending with key through a
// transaction manager.
func open(t *testing.T, url string, key *ecdsa.PrivateKey, registry common.Address, policy txmgr.Policy) *evmchain.Chain {
	t.Helper()
	ctx := context.Background()
	client, err := evm.Dial(ctx, url, "", evm.ClientOptions{})
	require.NoError(t, err)
	t.Cleanup(client.Close)
	signer, err := evm.NewKeySigner(key)
	require.NoError(t, err)
	manager, err := txmgr.New(txmgr.Config{Chain: client, Signer: signer, Journal: txmgr.NewMemJournal(nil),
		Policy: policy, PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	id, err := client.ChainID(ctx)
	require.NoError(t, err)
	c, err := evmchain.New(evmchain.Config{Client: client, ChainID: id, Registry: registry, Signer: signer.Address(), Manager: manager})
	require.NoError(t, err)
	return c
}

// TestConformanceEmbedded runs the chain suite on the embedded chain,
// which can also be made to drop blocks.
func TestConformanceEmbedded(t *testing.T) {
	t.Parallel()
	chaintest.Run(t, func(t *testing.T) *chaintest.Harness {
		t.Parallel()
		sim, err := simchain.Start(context.Background(), simchain.Options{RPCAddr: "127.0.0.1:0", BlockPeriod: 100 * time.Millisecond})
		require.NoError(t, err)
		t.Cleanup(func() { _ = sim.Stop() })
		return &chaintest.Harness{
			Chain: open(t, sim.RPCURL(), sim.SignerKey(), sim.Registry(), txmgr.Policy{Confirmations: 2}),
			DropBlocks: func(t *testing.T, from uint64) {
				_, err := sim.ReorgFrom(from, true)
				require.NoError(t, err)
			},
		}
	})
}

// TestConformanceGeth runs the chain suite on a real geth --dev node (with
// a registry deployed from its funded account), which mines a block per
// transaction: one confirmation is final there.
func TestConformanceGeth(t *testing.T) {
	t.Parallel()
	chaintest.Run(t, func(t *testing.T) *chaintest.Harness {
		t.Parallel()
		n := gethtest.Start(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		client, err := evm.Dial(ctx, n.URL, "", evm.ClientOptions{})
		require.NoError(t, err)
		defer client.Close()
		d, err := evm.Deploy(ctx, client, n.Key, n.Address, n.Address)
		require.NoError(t, err)
		return &chaintest.Harness{Chain: open(t, n.URL, n.Key, d.Address, txmgr.Policy{Confirmations: 1})}
	})
}
