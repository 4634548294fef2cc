package worker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evm/evmtest"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/store/storetest"
	"github.com/aartha/ledger/txmgr"
	"github.com/aartha/ledger/worker"
)

// finalityRig is a store of one kind, the embedded chain seen through a
// TagProxy (a node whose finality tags say what the test wants), and a
// worker watching its final writes.
type finalityRig struct {
	*rig
	proxy   *evmtest.TagProxy
	client  *evm.Client // through the proxy
	signer  common.Address
	journal *store.TxJournal
	obs     *costObserver
	losses  atomic.Int32
}

func newFinalityRig(t *testing.T, open func(testing.TB) *store.DB, mode string, policy txmgr.Policy, lag uint64) *finalityRig {
	t.Helper()
	ctx := context.Background()
	db := open(t)
	_, err := db.Migrate(ctx)
	require.NoError(t, err)
	_, err = worker.Migrate(ctx, db)
	require.NoError(t, err)
	chain, err := simchain.Start(ctx, simchain.Options{RPCAddr: "127.0.0.1:0", BlockPeriod: 100 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = chain.Stop() })
	proxy := evmtest.NewTagProxy(t, chain.RPCURL(), lag)
	client, err := evm.Dial(ctx, proxy.URL, "", evm.ClientOptions{})
	require.NoError(t, err)
	t.Cleanup(client.Close)
	signer, err := evm.NewKeySigner(chain.SignerKey())
	require.NoError(t, err)
	manager, err := txmgr.New(txmgr.Config{
		Chain: client, Signer: signer, Journal: db.TxJournal(), Policy: policy, PollInterval: 50 * time.Millisecond,
		Log: testLog(t),
	})
	require.NoError(t, err)
	f := &finalityRig{
		rig: &rig{db: db, chain: chain, manager: manager, mode: mode,
			svc: &ledger.LoanService{Store: db, Now: time.Now, Rand: detRand{}, AnchorMode: mode}},
		proxy: proxy, client: client, signer: signer.Address(), journal: db.TxJournal(), obs: &costObserver{},
	}
	sender := txChain(t, manager, client, chain.Registry())
	w, err := worker.New(db, sender, worker.Config{
		Mode: mode, Contract: chain.Registry().Hex(), BatchMax: 4, BatchWindow: 100 * time.Millisecond,
		MaxRetries: 10, RetryDelay: 100 * time.Millisecond, Network: "eip155:1337",
		Log:     testLog(t),
		Metrics: f.obs, Watcher: sender, WatchInterval: 100 * time.Millisecond,
		OnLost: func(ledger.Loss) { f.losses.Add(1) },
	})
	require.NoError(t, err)
	f.run(t, w)
	return f
}

// testLog discards, unless AARTHA_TEST_LOG is set.
func testLog(t *testing.T) *slog.Logger {
	if os.Getenv("AARTHA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil)).With("test", t.Name())
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// costObserver counts what the worker reports about transaction costs.
type costObserver struct {
	mu          sync.Mutex
	mined, lost int
	gas         int64
}

func (o *costObserver) ObserveBatch(int) {}
func (o *costObserver) TxMined(gas uint64, _ *big.Int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mined++
	o.gas += int64(gas)
}
func (o *costObserver) TxLost(gas uint64, _ *big.Int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lost++
	o.gas -= int64(gas)
}
func (o *costObserver) FinalLost(string)                  {}
func (o *costObserver) ObserveConfirmation(time.Duration) {}

// counted is the number of transactions counted and not taken back, and
// their gas.
func (o *costObserver) counted() (int, int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.mined - o.lost, o.gas
}

// receipts assembles the proof receipts of the loans' approvals.
func (f *finalityRig) receipts(t *testing.T, ids []string) []*ledger.Receipt {
	t.Helper()
	var out []*ledger.Receipt
	for _, id := range ids {
		r, err := ledger.ReceiptFor(context.Background(), f.db, id, ledger.KindApproved, "eip155:1337", f.chain.Registry())
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

// requireVerifies checks each receipt against the chain (the real node,
// not the proxy): all verify, or none does.
func (f *finalityRig) requireVerifies(t *testing.T, receipts []*ledger.Receipt, want bool) {
	t.Helper()
	for _, r := range receipts {
		v, err := evm.VerifyReceipt(context.Background(), f.chain.Client(), r)
		require.NoError(t, err)
		require.Equal(t, want, v.Verified, "receipt of %s in block %d: %+v", r.LoanID, r.BlockNumber, v.Checks)
	}
}

// requireNoncesGapFree checks that the chain has mined every nonce the
// journal handed out, and nothing waits in the pool.
func (f *finalityRig) requireNoncesGapFree(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	next, err := f.journal.NextNonce(ctx, f.signer)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		mined, err := f.chain.Client().NonceAt(ctx, f.signer, nil)
		require.NoError(t, err)
		pending, err := f.chain.Client().PendingNonceAt(ctx, f.signer)
		require.NoError(t, err)
		return mined >= next && pending == mined
	}, 30*time.Second, 50*time.Millisecond, "every nonce up to %d mined", next)
}

// waitFinalElsewhere waits until every anchor of the loans is final again in
// another block than before.
func (f *finalityRig) waitFinalElsewhere(t *testing.T, ids []string, before []*ledger.Anchor) []*ledger.Anchor {
	t.Helper()
	old := map[int64]common.Hash{}
	for _, a := range before {
		old[a.ID] = a.BlockHash
	}
	var anchors []*ledger.Anchor
	require.Eventually(t, func() bool {
		anchors = f.waitFinal(t, ids)
		for _, a := range anchors {
			if a.BlockHash == old[a.ID] {
				return false
			}
		}
		return true
	}, 60*time.Second, 100*time.Millisecond)
	return anchors
}

// TestFinalWriteLostIsTakenBackAndSentAgain: anchors are final; a reorg
// then removes the blocks that held them. The watch must notice, take the
// anchors (or the batch) back to queued with an audit row and an alert,
// send them again, and end with every record on chain exactly once, the
// nonces gap-free, the receipts of the lost inclusion rejected and the new
// ones accepted. It runs on a node whose finality tags equal latest (the
// default rule ignores them) and, under BLOCKCHAIN_FINALITY=tag, on a node
// whose finalized block lags by one: a reorg deeper than that is what "tag"
// cannot promise against.
func TestFinalWriteLostIsTakenBackAndSentAgain(t *testing.T) {
	t.Parallel()
	type rule struct {
		name   string
		policy txmgr.Policy
		lag    uint64
	}
	rules := []rule{
		{"confirmations, lying tags", txmgr.Policy{Confirmations: 2}, 0},
		{"tag", txmgr.Policy{Confirmations: 2, Finality: txmgr.FinalityTag}, 1},
	}
	for _, b := range storetest.Backends {
		for _, mode := range []string{ledger.ModeDirect, ledger.ModeBatch} {
			for _, rl := range rules {
				if rl.policy.Finality == txmgr.FinalityTag && b.Name != "sqlite" {
					continue // the rule is the chain side's; one store shows it
				}
				t.Run(fmt.Sprintf("%s/%s/%s", b.Name, mode, rl.name), func(t *testing.T) {
					t.Parallel()
					f := newFinalityRig(t, b.Open, mode, rl.policy, rl.lag)
					ids := f.approve(t, "LOST", 3)
					first := f.waitFinal(t, ids)
					oldReceipts := f.receipts(t, ids)
					f.requireVerifies(t, oldReceipts, true)

					lowest := first[0].BlockNumber
					for _, a := range first {
						lowest = min(lowest, a.BlockNumber)
					}
					// The fork point is exactly below the lowest anchor.
					_, err := f.chain.ReorgFrom(lowest, true)
					require.NoError(t, err)

					require.Eventually(t, func() bool { return f.losses.Load() > 0 }, 60*time.Second, 20*time.Millisecond, "the loss is reported")
					again := f.waitFinalElsewhere(t, ids, first)
					requireAnchoredOnce(t, f.rig, again)
					f.requireNoncesGapFree(t)
					f.requireVerifies(t, oldReceipts, false)
					f.requireVerifies(t, f.receipts(t, ids), true)

					action, entity := ledger.ActionAnchorLost, "loan"
					if mode == ledger.ModeBatch {
						action, entity = ledger.ActionBatchLost, "batch"
					}
					rows, err := f.db.AuditEntries(context.Background(), ledger.AuditFilter{Action: action, Entity: entity})
					require.NoError(t, err)
					require.NotEmpty(t, rows, "the loss is in the audit trail")

					txs := map[common.Hash]bool{}
					for _, a := range again {
						txs[a.TxHash] = true
					}
					counted, gas := f.obs.counted()
					require.Equal(t, len(txs), counted, "each final transaction counted once, the lost ones taken back")
					require.Positive(t, gas)
				})
			}
		}
	}
}

// TestNonceGapHealsWhileRunning: a nonce was handed out and never used (a
// send that failed after taking it, or a transaction the network dropped),
// so every later transaction waits behind the gap. The running worker must
// fill it and finish every anchor, without a restart.
func TestNonceGapHealsWhileRunning(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends {
		for _, mode := range []string{ledger.ModeDirect, ledger.ModeBatch} {
			t.Run(b.Name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				f := newFinalityRig(t, b.Open, mode, txmgr.Policy{Confirmations: 2}, 0)
				ctx := context.Background()
				gap, err := f.chain.Client().PendingNonceAt(ctx, f.signer)
				require.NoError(t, err)
				_, _, err = f.journal.Create(ctx, txmgr.Record{Key: "ghost", From: f.signer, To: f.signer})
				require.NoError(t, err)
				n, err := f.journal.AssignNonce(ctx, "ghost", gap)
				require.NoError(t, err)
				require.Equal(t, gap, n)
				require.NoError(t, f.journal.Update(ctx, "ghost", txmgr.Status{Phase: txmgr.PhaseFailed, Reason: "never sent"}))

				ids := f.approve(t, "GAP", 3)
				anchors := f.waitFinal(t, ids)
				requireAnchoredOnce(t, f.rig, anchors)
				f.requireNoncesGapFree(t)
				for _, a := range anchors {
					r, err := f.chain.Client().TransactionReceipt(ctx, a.TxHash)
					require.NoError(t, err)
					require.Greater(t, r.BlockNumber.Uint64(), uint64(0))
				}
			})
		}
	}
}

// TestLyingTagsDoNotShortenConfirmations: on a node whose finalized tag
// equals latest, an anchor one block deep is not final when
// BLOCKCHAIN_CONFIRMATIONS asks for five.
func TestLyingTagsDoNotShortenConfirmations(t *testing.T) {
	t.Parallel()
	f := newFinalityRig(t, storetest.OpenSQLite, ledger.ModeDirect, txmgr.Policy{Confirmations: 5}, 0)
	ctx := context.Background()
	ids := f.approve(t, "DEEP", 1)
	var a *ledger.Anchor
	require.Eventually(t, func() bool {
		as, err := f.db.Anchors(ctx, ledger.AnchorFilter{LoanID: ids[0]})
		require.NoError(t, err)
		a = as[0]
		return a.Status == ledger.AnchorIncluded || a.Status == ledger.AnchorFinal
	}, 30*time.Second, 5*time.Millisecond)
	if a.Status == ledger.AnchorFinal {
		head, err := f.chain.Client().HeaderByNumber(ctx, nil)
		require.NoError(t, err)
		require.GreaterOrEqual(t, head.Number.Uint64()-a.BlockNumber+1, uint64(5), "final only 5 blocks deep")
	}
	final := f.waitFinal(t, ids)[0]
	head, err := f.chain.Client().HeaderByNumber(ctx, nil)
	require.NoError(t, err)
	require.GreaterOrEqual(t, head.Number.Uint64()-final.BlockNumber+1, uint64(5))
}

// TestStreamItemLostAfterFinalIsTakenBack: on MultiChain, items final in
// the stream leave it (a reorg, then the node drops its mempool). The watch
// takes the anchors (or the batch) back, they are published again, and in
// the end each record is in the stream once, final, at the item the
// database names.
func TestStreamItemLostAfterFinalIsTakenBack(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{ledger.ModeDirect, ledger.ModeBatch} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newStreamRig(t, mode)
			var losses atomic.Int32
			sender := multichain.NewChain(r.adapter)
			r.startWith(t, sender, func(c *worker.Config) {
				c.Watcher, c.WatchInterval = sender, 50*time.Millisecond
				c.OnLost = func(ledger.Loss) { losses.Add(1) }
			})
			ids := r.approve(t, "MCLOST-"+mode, 3)
			first := r.waitFinal(t, ids)
			lowest := first[0].BlockNumber
			for _, a := range first {
				lowest = min(lowest, a.BlockNumber)
			}
			r.node.Reorg(int(r.node.Height() - lowest + 1))
			r.node.DropPending()

			require.Eventually(t, func() bool { return losses.Load() > 0 }, 60*time.Second, 20*time.Millisecond, "the loss is reported")
			old := map[int64]common.Hash{}
			for _, a := range first {
				old[a.ID] = a.TxHash
			}
			var again []*ledger.Anchor
			require.Eventually(t, func() bool {
				again = again[:0]
				for _, id := range ids {
					as, err := r.db.Anchors(ctx, ledger.AnchorFilter{LoanID: id})
					require.NoError(t, err)
					if as[0].Status != ledger.AnchorFinal || as[0].TxHash == old[as[0].ID] {
						return false
					}
					again = append(again, as[0])
				}
				return true
			}, 60*time.Second, 50*time.Millisecond, "published again and final")
			items := map[common.Hash]*multichain.Item{}
			records := 0
			require.NoError(t, r.adapter.Items(ctx, func(it *multichain.Item) error {
				items[it.TxID] = it
				if it.Record != nil {
					records++
				}
				return nil
			}))
			for _, a := range again {
				it := items[a.TxHash]
				require.NotNil(t, it, "anchor %s names an item of the stream", a.LoanID)
				require.Equal(t, it.BlockHash, a.BlockHash)
			}
			if mode == ledger.ModeDirect {
				require.Equal(t, len(ids), records, "each record in the stream once")
			}
		})
	}
}
