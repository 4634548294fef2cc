package multichain_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/chaintest"
	"github.com/aartha/ledger/multichain"
)

// openChain is a fresh stream on the node under test, initialised, behind
// the chain seam.
func openChain(t *testing.T, nut nodeUnderTest) *multichain.Chain {
	t.Helper()
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	c, err := multichain.NewClient(nut.cfg)
	require.NoError(t, err)
	ad, err := multichain.New(c, multichain.Options{Stream: fmt.Sprintf("ct%x", b), ChainName: nut.chainName, From: nut.admin,
		Confirmations: 2, PollInterval: nut.poll})
	require.NoError(t, err)
	_, err = ad.Init(context.Background())
	require.NoError(t, err)
	return multichain.NewChain(ad)
}

// TestChainConformance runs the chain suite on the fake node, which mines
// every few milliseconds and can be made to drop blocks, and, when
// MULTICHAIN_TEST_RPC_URL is set, on that real node.
func TestChainConformance(t *testing.T) {
	t.Parallel()
	t.Run("fake", func(t *testing.T) {
		t.Parallel()
		chaintest.Run(t, func(t *testing.T) *chaintest.Harness {
			t.Parallel()
			nut := startFake(t)
			// Mining pauses while blocks are dropped, so that nothing is
			// mined between taking the blocks off and forgetting their
			// transactions.
			var paused atomic.Bool
			done := make(chan struct{})
			stopped := make(chan struct{})
			go func() {
				defer close(stopped)
				tick := time.NewTicker(10 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-done:
						return
					case <-tick.C:
						if !paused.Load() {
							nut.fake.Mine()
						}
					}
				}
			}()
			t.Cleanup(func() { close(done); <-stopped })
			return &chaintest.Harness{
				Chain: openChain(t, nut),
				DropBlocks: func(t *testing.T, from uint64) {
					paused.Store(true)
					defer paused.Store(false)
					time.Sleep(20 * time.Millisecond) // a tick under way ends
					nut.fake.Reorg(int(nut.fake.Height() - from + 1))
					nut.fake.DropPending()
				},
			}
		})
	})
	t.Run("real", func(t *testing.T) {
		t.Parallel()
		chaintest.Run(t, func(t *testing.T) *chaintest.Harness {
			nut := startReal(t)
			return &chaintest.Harness{Chain: openChain(t, nut), Timeout: 5 * time.Minute}
		})
	})
}
