package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evmchain"
	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
	"github.com/aartha/ledger/worker"
)

// rig is a store, an embedded chain and a transaction manager, ready for
// workers to be started on them (more than one, one after the other, to
// play a crash and a restart).
type rig struct {
	db      *store.DB
	chain   *simchain.Chain
	manager *txmgr.Manager
	svc     *ledger.LoanService
	mode    string
}

func newRig(t *testing.T, mode string) *rig {
	t.Helper()
	ctx := context.Background()
	db := openStore(t)
	require.NoError(t, worker.CheckSchema(ctx, db))

	chain, err := simchain.Start(ctx, simchain.Options{BlockPeriod: 200 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = chain.Stop() })
	signer, err := evm.NewKeySigner(chain.SignerKey())
	require.NoError(t, err)
	manager, err := txmgr.New(txmgr.Config{
		Chain: chain.Client(), Signer: signer, Journal: db.TxJournal(),
		Policy:       txmgr.Policy{Confirmations: 2},
		PollInterval: 50 * time.Millisecond,
	})
	require.NoError(t, err)
	return &rig{db: db, chain: chain, manager: manager, mode: mode,
		svc: &ledger.LoanService{Store: db, Now: time.Now, Rand: detRand{}, AnchorMode: mode}}
}

// evmChain is the rig's registry behind the chain seam, sending through
// the rig's transaction manager.
func (r *rig) evmChain(t *testing.T) *evmchain.Chain {
	return txChain(t, r.manager, r.chain.Client(), r.chain.Registry())
}

// txChain is the registry at registry behind the chain seam, read through
// client and written through manager.
func txChain(t *testing.T, manager *txmgr.Manager, client *evm.Client, registry common.Address) *evmchain.Chain {
	t.Helper()
	c, err := evmchain.New(evmchain.Config{Client: client, ChainID: big.NewInt(simchain.ChainID), Registry: registry, Manager: manager})
	require.NoError(t, err)
	return c
}

// detRand is a deterministic salt source; salts need not be secret here.
type detRand struct{}

func (detRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i * 7)
	}
	return len(p), nil
}

// start starts a worker on the rig with sender and stops it at cleanup.
func (r *rig) start(t *testing.T, sender ledger.ChainSender) *worker.Worker {
	t.Helper()
	w, err := worker.New(r.db, sender, worker.Config{
		Mode: r.mode, Contract: r.chain.Registry().Hex(), BatchMax: 4, BatchWindow: 100 * time.Millisecond,
		MaxRetries: 10, RetryDelay: 100 * time.Millisecond, Network: "eip155:1337",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	r.run(t, w)
	return w
}

func (r *rig) approve(t *testing.T, prefix string, n int) []string {
	t.Helper()
	ctx := context.Background()
	actor := ledger.CLIActor("test")
	var ids []string
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		_, err := r.svc.Create(ctx, actor, ledger.NewLoan{ID: id, Borrower: "b", Lender: "l",
			Principal: "1000", Currency: "EUR", InterestRateBps: 500, TermMonths: 6})
		require.NoError(t, err)
		_, err = r.svc.Approve(ctx, actor, id)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return ids
}

// waitFinal waits until every anchor of the loans is final and returns them.
func (r *rig) waitFinal(t *testing.T, ids []string) []*ledger.Anchor {
	t.Helper()
	var anchors []*ledger.Anchor
	require.Eventually(t, func() bool {
		anchors = anchors[:0]
		for _, id := range ids {
			as, err := r.db.Anchors(context.Background(), ledger.AnchorFilter{LoanID: id})
			require.NoError(t, err)
			for _, a := range as {
				require.NotEqual(t, ledger.AnchorFailed, a.Status, a.LastError)
				if a.Status != ledger.AnchorFinal {
					return false
				}
				anchors = append(anchors, a)
			}
		}
		return len(anchors) == len(ids)
	}, 2*time.Minute, 100*time.Millisecond) // generous: a loaded 2-core machine is slow, not wrong
	return anchors
}

// events reads every registry write event from the chain.
func (r *rig) events(t *testing.T) []evm.Event {
	t.Helper()
	reg := evm.NewRegistry(r.chain.Client(), r.chain.Registry())
	events, err := reg.Events(context.Background(), evm.EventQuery{})
	require.NoError(t, err)
	return events
}

// requireAnchoredOnce checks the chain against the database: each record is
// on chain exactly once, where the database says.
func requireAnchoredOnce(t *testing.T, r *rig, anchors []*ledger.Anchor) {
	t.Helper()
	events := r.events(t)
	if r.mode == ledger.ModeDirect {
		stored := map[common.Hash]int{}
		for _, ev := range events {
			if ev.Kind == evm.EventLoanStored {
				stored[common.Hash(ev.Stored.LoanKey)]++
			}
		}
		require.Len(t, stored, len(anchors))
		for _, a := range anchors {
			require.Equal(t, 1, stored[a.LoanKey], "loan %s stored once", a.LoanID)
		}
		return
	}
	roots := map[common.Hash]int{}
	for _, ev := range events {
		if ev.Kind == evm.EventBatchAnchored {
			roots[common.Hash(ev.Batch.Root)]++
		}
	}
	batches := map[int64]bool{}
	for _, a := range anchors {
		b, err := r.db.Batch(context.Background(), a.BatchID)
		require.NoError(t, err)
		require.Equal(t, 1, roots[b.Root], "batch %d anchored once", b.ID)
		require.Equal(t, b.Root, ledger.ProcessProof(a.Leaf, a.Proof), "anchor %d's proof leads to its batch root", a.ID)
		batches[b.ID] = true
	}
	require.Len(t, roots, len(batches), "no batch on chain that the database does not know")
}

func TestWorkerAnchorsEachRecordOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{ledger.ModeBatch, ledger.ModeDirect} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, mode)
			r.start(t, r.evmChain(t))
			ids := r.approve(t, "L", 9)
			anchors := r.waitFinal(t, ids)
			requireAnchoredOnce(t, r, anchors)

			loan, err := r.db.Loan(context.Background(), ids[0])
			require.NoError(t, err)
			require.Equal(t, ledger.ChainConfirmed, loan.BlockchainStatus)
			require.Equal(t, anchors[0].TxHash.Hex(), loan.BlockchainTxHash)
		})
	}
}

// crashingSender plays a process that dies once, when its first send
// reaches the step at: at "submitted" the transaction is out but nothing
// else is recorded; at "final" the chain and the transaction journal say
// final but the anchors do not.
type crashingSender struct {
	inner   ledger.ChainSender
	at      ledger.AnchorStatus
	crashed atomic.Bool
}

var errCrash = errors.New("simulated crash after broadcast")

func (c *crashingSender) Unreachable(err error) bool { return c.inner.Unreachable(err) }

func (c *crashingSender) Send(ctx context.Context, req ledger.SendRequest, update func(ledger.SendUpdate) error) error {
	if c.crashed.Load() {
		return c.inner.Send(ctx, req, update)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	err := c.inner.Send(ctx, req, func(u ledger.SendUpdate) error {
		// Any update comes after the broadcast: on a loaded machine a
		// send's first report may already be final, skipping submitted.
		after := u.Status == c.at || c.at == ledger.AnchorSubmitted
		if after && c.crashed.CompareAndSwap(false, true) {
			cancel(errCrash)
			return errCrash
		}
		return update(u)
	})
	return err
}

// TestCrashAfterBroadcastNeverAnchorsTwice cuts the first send off right
// after its transaction went out, or after it became final but before that
// was recorded; the retry must find that transaction (same idempotency key,
// same nonce) and complete the record, never send a second one.
func TestCrashAfterBroadcastNeverAnchorsTwice(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode string
		at   ledger.AnchorStatus
	}{
		{ledger.ModeBatch, ledger.AnchorSubmitted}, {ledger.ModeDirect, ledger.AnchorSubmitted},
		{ledger.ModeBatch, ledger.AnchorFinal}, {ledger.ModeDirect, ledger.AnchorFinal},
	} {
		mode := c.mode
		t.Run(mode+" at "+string(c.at), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, mode)
			sender := &crashingSender{at: c.at, inner: r.evmChain(t)}
			r.start(t, sender)
			ids := r.approve(t, "C", 3)
			anchors := r.waitFinal(t, ids)
			require.True(t, sender.crashed.Load(), "the crash happened")
			requireAnchoredOnce(t, r, anchors)

			// One transaction per send: the signer's nonce equals the number
			// of sends (plus the registry's deployment).
			sends := map[common.Hash]bool{}
			for _, a := range anchors {
				sends[a.TxHash] = true
			}
			nonce, err := r.chain.Client().NonceAt(context.Background(), simchain.DevAddress(), nil)
			require.NoError(t, err)
			require.Equal(t, uint64(len(sends)+1), nonce)
		})
	}
}

// TestRevertFailsTheAnchorWithItsReason makes the registry refuse a record
// (its loan key already holds another commitment): the anchor ends failed
// with the decoded revert reason, the loan says failed, the failure is
// reported once, and nothing is retried.
func TestRevertFailsTheAnchorWithItsReason(t *testing.T) {
	t.Parallel()
	r := newRig(t, ledger.ModeDirect)
	ctx := context.Background()
	// Someone else's record under the same loan key, written first.
	taken := ledger.LoanKey("R-0")
	_, err := r.manager.Send(ctx, txmgr.Request{Key: "squatter", To: r.chain.Registry(),
		Data: evm.StoreLoanData(taken, common.Hash{0x42}, common.Address{}, common.Address{})}, nil)
	require.NoError(t, err)

	var failures atomic.Int32
	w, werr := worker.New(r.db, r.evmChain(t), worker.Config{
		Mode: ledger.ModeDirect, Contract: r.chain.Registry().Hex(), MaxRetries: 3, RetryDelay: 50 * time.Millisecond,
		OnFailed: func(f worker.Failure) { failures.Add(1) },
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, werr)
	r.run(t, w)

	r.approve(t, "R", 1)
	a := r.awaitFailed(t, "R-0")
	require.Contains(t, a.LastError, "LoanAlreadyStored")
	time.Sleep(300 * time.Millisecond) // a retry, if there were one, would have come by now
	require.EqualValues(t, 1, failures.Load(), "reported once, not retried")
}

// run makes w the store's job hook and runs it until the test ends.
func (r *rig) run(t *testing.T, w *worker.Worker) {
	t.Helper()
	r.db.SetJobHook(w)
	require.NoError(t, w.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Stop(ctx)
	})
}

// awaitFailed waits until the loan's first anchor has failed and checks
// that the loan shows it; it returns the anchor.
func (r *rig) awaitFailed(t *testing.T, loanID string) *ledger.Anchor {
	t.Helper()
	ctx := context.Background()
	var a *ledger.Anchor
	require.Eventually(t, func() bool {
		as, err := r.db.Anchors(ctx, ledger.AnchorFilter{LoanID: loanID})
		require.NoError(t, err)
		a = as[0]
		return a.Status == ledger.AnchorFailed
	}, 30*time.Second, 50*time.Millisecond)
	loan, err := r.db.Loan(ctx, loanID)
	require.NoError(t, err)
	require.Equal(t, ledger.ChainFailed, loan.BlockchainStatus)
	return a
}

// openStore opens a fresh SQLite store with the store's and the job queue's
// migrations applied, closed when the test ends.
func openStore(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "aartha.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	_, err = worker.Migrate(ctx, db)
	require.NoError(t, err)
	return db
}
