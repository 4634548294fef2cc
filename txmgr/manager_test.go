package txmgr_test

import (
	"context"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evm/gethtest"
	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/txmgr"
)

const waitFor = 60 * time.Second // generous: only ever used to wait, never to assert speed

// env is one embedded chain with a manager setup around it.
type env struct {
	t       *testing.T
	ctx     context.Context
	chain   *simchain.Chain
	signer  *evm.KeySigner
	journal *txmgr.MemJournal
}

func newEnv(t *testing.T, opts simchain.Options) *env {
	t.Helper()
	c, err := simchain.Start(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	signer, err := evm.NewKeySigner(c.SignerKey())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitFor)
	t.Cleanup(cancel)
	return &env{t: t, ctx: ctx, chain: c, signer: signer, journal: txmgr.NewMemJournal(nil)}
}

// fastPolicy keeps tests quick: short delays, never replace unless a test
// asks.
func fastPolicy() txmgr.Policy {
	return txmgr.Policy{
		Confirmations:    2,
		ResubmitBlocks:   1_000_000,
		ResubmitAfter:    time.Hour,
		RetryDelay:       20 * time.Millisecond,
		MaxRetryDelay:    200 * time.Millisecond,
		MaxRetries:       1000,
		RebroadcastAfter: time.Hour,
	}
}

func (e *env) manager(chain txmgr.Chain, policy txmgr.Policy) *txmgr.Manager {
	e.t.Helper()
	m, err := txmgr.New(txmgr.Config{Chain: chain, Signer: e.signer, Journal: e.journal, Policy: policy, PollInterval: 20 * time.Millisecond})
	require.NoError(e.t, err)
	return m
}

func storeReq(key, loanID string) txmgr.Request {
	return txmgr.Request{
		Key:  key,
		To:   simchain.RegistryAddress(),
		Data: evm.StoreLoanData(ledger.LoanKey(loanID), ledger.LoanKey("commitment "+loanID), common.Address{}, common.Address{}),
	}
}

// nonce is the signer's mined nonce: how many transactions it has sent.
func (e *env) nonce() uint64 {
	e.t.Helper()
	n, err := e.chain.Client().NonceAt(e.ctx, e.signer.Address(), nil)
	require.NoError(e.t, err)
	return n
}

func (e *env) requireStored(loanID string) {
	e.t.Helper()
	loan, err := evm.NewRegistry(e.chain.Client(), e.chain.Registry()).GetLoan(e.ctx, ledger.LoanKey(loanID))
	require.NoError(e.t, err)
	require.Equal(e.t, ledger.LoanKey("commitment "+loanID), loan.Commitment)
}

// requireCanonical checks that the result's inclusion is in the canonical
// chain with a successful receipt.
func (e *env) requireCanonical(res txmgr.Result) {
	e.t.Helper()
	require.Equal(e.t, txmgr.PhaseFinal, res.Phase)
	r, err := e.chain.Client().TransactionReceipt(e.ctx, res.Inclusion.TxHash)
	require.NoError(e.t, err)
	require.Equal(e.t, types.ReceiptStatusSuccessful, r.Status)
	require.Equal(e.t, res.Inclusion.BlockHash, r.BlockHash)
	require.Equal(e.t, r.GasUsed, res.Inclusion.GasUsed)
	require.Zero(e.t, r.EffectiveGasPrice.Cmp(res.Inclusion.EffectiveGasPrice))
}

// recorder collects progress reports.
type recorder struct {
	mu    sync.Mutex
	seen  []txmgr.Progress
	hooks []func(txmgr.Progress)
}

func (r *recorder) report(p txmgr.Progress) {
	r.mu.Lock()
	r.seen = append(r.seen, p)
	hooks := r.hooks
	r.mu.Unlock()
	for _, h := range hooks {
		h(p)
	}
}

func (r *recorder) phases() []txmgr.Phase {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []txmgr.Phase
	for _, p := range r.seen {
		if len(out) == 0 || out[len(out)-1] != p.Phase {
			out = append(out, p.Phase)
		}
	}
	return out
}

func (r *recorder) noted(substr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.seen {
		if strings.Contains(p.Note, substr) {
			return true
		}
	}
	return false
}

func (r *recorder) reached(phase txmgr.Phase) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.seen {
		if p.Phase == phase {
			return true
		}
	}
	return false
}

type outcome struct {
	res txmgr.Result
	err error
}

func goSend(ctx context.Context, m *txmgr.Manager, req txmgr.Request, rec *recorder) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		res, err := m.Send(ctx, req, rec.report)
		ch <- outcome{res, err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan outcome) outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(2 * waitFor):
		t.Fatal("send did not end")
		return outcome{}
	}
}

func TestSendIsFinalOnceAndIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{BlockPeriod: 50 * time.Millisecond})
	m := e.manager(e.chain.Client(), fastPolicy())
	before := e.nonce()
	rec := &recorder{}
	res, err := m.Send(e.ctx, storeReq("anchor:1", "loan-1"), rec.report)
	require.NoError(t, err)
	e.requireCanonical(res)
	e.requireStored("loan-1")
	require.Equal(t, []txmgr.Phase{txmgr.PhaseSubmitted, txmgr.PhaseIncluded, txmgr.PhaseFinal}, rec.phases())

	again, err := m.Send(e.ctx, storeReq("anchor:1", "loan-1"), nil)
	require.NoError(t, err)
	require.Equal(t, res, again, "a finished key returns its result, sends nothing")
	require.Equal(t, before+1, e.nonce())

	_, err = m.Send(e.ctx, storeReq("anchor:1", "another loan"), nil)
	require.Equal(t, ledger.ECONFLICT, ledger.ErrorCode(err))
}

func TestConcurrentSendsGetDistinctNonces(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{BlockPeriod: 50 * time.Millisecond})
	m := e.manager(e.chain.Client(), fastPolicy())
	before := e.nonce()
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			id := "loan-c" + string(rune('0'+i))
			_, err := m.Send(e.ctx, storeReq("anchor:c"+id, id), nil)
			require.NoError(t, err)
		})
	}
	// The same key twice at once: one transaction.
	wg.Go(func() {
		_, err := m.Send(e.ctx, storeReq("anchor:cloan-c0", "loan-c0"), nil)
		require.NoError(t, err)
	})
	wg.Wait()
	require.Equal(t, before+5, e.nonce())
}

// TestRevertFailsWithReason: a contract revert fails the send with the
// decoded custom error, uses no nonce, and is never retried.
func TestRevertFailsWithReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{BlockPeriod: 50 * time.Millisecond})
	m := e.manager(e.chain.Client(), fastPolicy())
	_, err := m.Send(e.ctx, storeReq("anchor:r1", "loan-r"), nil)
	require.NoError(t, err)
	before := e.nonce()

	res, err := m.Send(e.ctx, storeReq("anchor:r2", "loan-r"), nil)
	require.ErrorIs(t, err, txmgr.ErrFailed)
	require.Equal(t, txmgr.PhaseFailed, res.Phase)
	require.Equal(t, "LoanAlreadyStored(loanKey="+ledger.LoanKey("loan-r").Hex()+")", res.Reason)
	require.Equal(t, before, e.nonce(), "nothing was sent")
	stored, err := e.journal.Get(e.ctx, "anchor:r2")
	require.NoError(t, err)
	require.False(t, stored.HasNonce)
	require.Equal(t, res.Reason, stored.Reason, "the reason is kept")

	again, err := m.Send(e.ctx, storeReq("anchor:r2", "loan-r"), nil)
	require.ErrorIs(t, err, txmgr.ErrFailed)
	require.Equal(t, res, again, "a failed key stays failed")
}

// TestMinedRevertIsDecoded: two sends that each pass estimation but clash
// once mined; the loser fails with the reason recovered from the chain.
func TestMinedRevertIsDecoded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{Manual: true})
	m := e.manager(e.chain.Client(), fastPolicy())
	recA, recB := &recorder{}, &recorder{}
	a := goSend(e.ctx, m, storeReq("anchor:ma", "loan-m"), recA)
	b := goSend(e.ctx, m, storeReq("anchor:mb", "loan-m"), recB)
	require.Eventually(t, func() bool { return recA.reached(txmgr.PhaseSubmitted) && recB.reached(txmgr.PhaseSubmitted) }, waitFor, 10*time.Millisecond)
	stop := mineEvery(e.chain, 20*time.Millisecond)
	defer stop()
	oa, ob := wait(t, a), wait(t, b)
	var won, lost outcome
	if oa.err == nil {
		won, lost = oa, ob
	} else {
		won, lost = ob, oa
	}
	require.NoError(t, won.err)
	require.ErrorIs(t, lost.err, txmgr.ErrFailed)
	require.Contains(t, lost.res.Reason, "reverted on chain in block")
	require.Contains(t, lost.res.Reason, "LoanAlreadyStored(loanKey="+ledger.LoanKey("loan-m").Hex()+")")
	require.NotNil(t, lost.res.Inclusion)
}

// mineEvery seals a block every d until the returned func is called.
func mineEvery(c *simchain.Chain, d time.Duration) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				c.Commit()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-stopped }) }
}

// TestPrimaryDownBackupUsed: with the primary RPC refusing connections,
// the send completes through the backup.
func TestPrimaryDownBackupUsed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{RPCAddr: "127.0.0.1:0", BlockPeriod: 50 * time.Millisecond})
	var failovers atomic.Int32
	client, err := evm.Dial(e.ctx, closedURL(t), e.chain.RPCURL(), evm.ClientOptions{
		OnFailover: func(from, to string, err error) { failovers.Add(1) },
	})
	require.NoError(t, err)
	defer client.Close()
	before := e.nonce()
	res, err := e.manager(client, fastPolicy()).Send(e.ctx, storeReq("anchor:b", "loan-b"), nil)
	require.NoError(t, err)
	e.requireCanonical(res)
	e.requireStored("loan-b")
	require.Positive(t, failovers.Load())
	require.Equal(t, before+1, e.nonce())
}

func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// proxy is a TCP proxy that can be taken down (closing every connection)
// and brought back on the same address.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) url() string { return "http://" + p.addr }

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = struct{}{}, struct{}{}
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
}

// down stops listening and cuts every open connection.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// up listens again on the same address.
func (p *proxy) up() {
	var ln net.Listener
	var err error
	for range 50 { // the port may linger briefly
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(p.t, err)
	p.serve(ln)
}

// TestRPCDownThenBack: the node becomes unreachable before the send starts
// and again right after the transaction is broadcast; each time it comes
// back the send carries on, and exactly one transaction is used.
func TestRPCDownThenBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{RPCAddr: "127.0.0.1:0", BlockPeriod: 50 * time.Millisecond})
	px := newProxy(t, strings.TrimPrefix(e.chain.RPCURL(), "http://"))
	client, err := evm.Dial(e.ctx, px.url(), "", evm.ClientOptions{CallTimeout: 2 * time.Second})
	require.NoError(t, err)
	defer client.Close()
	m := e.manager(client, fastPolicy())
	before := e.nonce()

	px.down()
	rec := &recorder{}
	var downAgain sync.Once
	rec.hooks = append(rec.hooks, func(p txmgr.Progress) {
		if p.Phase == txmgr.PhaseSubmitted {
			downAgain.Do(px.down) // right after the broadcast was recorded
		}
	})
	out := goSend(e.ctx, m, storeReq("anchor:d", "loan-d"), rec)
	require.Eventually(t, func() bool { return rec.noted("retrying") }, waitFor, 10*time.Millisecond)
	px.up()
	require.Eventually(t, func() bool { return rec.reached(txmgr.PhaseSubmitted) }, waitFor, 10*time.Millisecond)
	require.Eventually(t, func() bool { return retriedIn(rec, txmgr.PhaseSubmitted) }, waitFor, 10*time.Millisecond)
	px.up()
	o := wait(t, out)
	require.NoError(t, o.err)
	e.requireCanonical(o.res)
	e.requireStored("loan-d")
	require.Equal(t, before+1, e.nonce(), "exactly one transaction")
	stored, err := e.journal.Get(e.ctx, "anchor:d")
	require.NoError(t, err)
	require.Len(t, stored.Attempts, 1)
}

// retriedIn reports whether a retry was reported while in phase.
func retriedIn(r *recorder, phase txmgr.Phase) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.seen {
		if p.Phase == phase && strings.Contains(p.Note, "retrying") {
			return true
		}
	}
	return false
}

var errCrash = errors.New("simulated crash")

// TestCrashAfterBroadcast: the process dies right after broadcasting,
// before recording anything more; a new manager on the same journal finds
// the signed transaction and rebroadcasts it — no second nonce, no different
// transaction. Run both with the transaction already mined and still pending.
func TestCrashAfterBroadcast(t *testing.T) {
	t.Parallel()
	for name, manual := range map[string]bool{"mined before restart": false, "pending at restart": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := simchain.Options{Manual: manual}
			if !manual {
				opts.BlockPeriod = 50 * time.Millisecond
			}
			e := newEnv(t, opts)
			before := e.nonce()
			m1 := e.manager(e.chain.Client(), fastPolicy())
			txmgr.SetAfterBroadcast(m1, func() error { return errCrash })
			_, err := m1.Send(e.ctx, storeReq("anchor:x", "loan-x"), nil)
			require.ErrorIs(t, err, errCrash)
			crashed, err := e.journal.Get(e.ctx, "anchor:x")
			require.NoError(t, err)
			require.Len(t, crashed.Attempts, 1)
			require.Equal(t, txmgr.PhaseQueued, crashed.Phase, "the crash came before 'submitted' was recorded")

			unfinished, err := e.journal.Unfinished(e.ctx, e.signer.Address())
			require.NoError(t, err)
			require.Len(t, unfinished, 1)

			m2 := e.manager(e.chain.Client(), fastPolicy())
			if manual {
				stop := mineEvery(e.chain, 30*time.Millisecond)
				defer stop()
			}
			res, err := m2.Resume(e.ctx, "anchor:x", nil)
			require.NoError(t, err)
			e.requireCanonical(res)
			require.Equal(t, crashed.Attempts[0].Hash, res.Inclusion.TxHash, "the same signed transaction")
			require.Equal(t, before+1, e.nonce(), "no second nonce")
			after, err := e.journal.Get(e.ctx, "anchor:x")
			require.NoError(t, err)
			require.Len(t, after.Attempts, 1)
			require.Equal(t, crashed.Nonce, after.Nonce)
		})
	}
}

// feeChain lets a test set the tip the "node" suggests.
type feeChain struct {
	*evm.Client
	tip atomic.Pointer[big.Int]
}

func (f *feeChain) SuggestGasTipCap(ctx context.Context) (*big.Int, error) {
	if t := f.tip.Load(); t != nil {
		return new(big.Int).Set(t), nil
	}
	return f.Client.SuggestGasTipCap(ctx)
}

var _ txmgr.Chain = (*feeChain)(nil)

// TestFeeAboveCapWaits: while the network asks more than the cap the send
// waits (and says so) without using a nonce; when fees fall it proceeds,
// never paying above the cap.
func TestFeeAboveCapWaits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{BlockPeriod: 50 * time.Millisecond})
	fc := &feeChain{Client: e.chain.Client()}
	fc.tip.Store(gw(50))
	policy := fastPolicy()
	policy.FeeCap = gw(5)
	m := e.manager(fc, policy)
	before := e.nonce()
	rec := &recorder{}
	out := goSend(e.ctx, m, storeReq("anchor:fee", "loan-fee"), rec)
	require.Eventually(t, func() bool { return rec.noted("above the cap") }, waitFor, 10*time.Millisecond)
	stored, err := e.journal.Get(e.ctx, "anchor:fee")
	require.NoError(t, err)
	require.False(t, stored.HasNonce, "no nonce is spent while waiting")
	require.Contains(t, stored.Reason, "BLOCKCHAIN_MAX_GAS_PRICE", "the wait is recorded for the operator")
	require.Equal(t, before, e.nonce())

	fc.tip.Store(gw(1))
	o := wait(t, out)
	require.NoError(t, o.err)
	e.requireCanonical(o.res)
	require.LessOrEqual(t, o.res.Inclusion.EffectiveGasPrice.Cmp(gw(5)), 0)
	after, err := e.journal.Get(e.ctx, "anchor:fee")
	require.NoError(t, err)
	require.LessOrEqual(t, after.Attempts[0].FeeCap.Cmp(gw(5)), 0)
}

// TestStuckTransactionIsReplaced: the miner ignores the first, too cheap,
// attempt; after ResubmitBlocks blocks it is replaced with the same nonce
// and higher fees until one is mined; the loan is anchored once.
func TestStuckTransactionIsReplaced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{BlockPeriod: 50 * time.Millisecond})
	require.NoError(t, e.chain.SetMinerTip(gw(1.5)))
	fc := &feeChain{Client: e.chain.Client()}
	fc.tip.Store(gw(1))
	policy := fastPolicy()
	policy.ResubmitBlocks = 2
	m := e.manager(fc, policy)
	before := e.nonce()

	res, err := m.Send(e.ctx, storeReq("anchor:s", "loan-s"), nil)
	require.NoError(t, err)
	e.requireCanonical(res)
	e.requireStored("loan-s")
	require.Equal(t, before+1, e.nonce(), "one transaction mined")
	stored, err := e.journal.Get(e.ctx, "anchor:s")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(stored.Attempts), 2, "replaced at least once")
	last := stored.Attempts[len(stored.Attempts)-1]
	require.Equal(t, last.Hash, res.Inclusion.TxHash)
	for i := 1; i < len(stored.Attempts); i++ {
		prev, cur := stored.Attempts[i-1], stored.Attempts[i]
		require.GreaterOrEqual(t, new(big.Int).Mul(cur.TipCap, big.NewInt(10)).Cmp(new(big.Int).Mul(prev.TipCap, big.NewInt(11))), 0)
		require.GreaterOrEqual(t, new(big.Int).Mul(cur.FeeCap, big.NewInt(10)).Cmp(new(big.Int).Mul(prev.FeeCap, big.NewInt(11))), 0)
		var tx types.Transaction
		require.NoError(t, tx.UnmarshalBinary(cur.Raw))
		require.Equal(t, stored.Nonce, tx.Nonce(), "same nonce")
	}
}

// TestReorgDropsTransaction: the block holding the transaction is reorged
// away and the network forgets the transaction; the manager sends it again
// and reports it final only once it is deep enough on the new chain.
func TestReorgDropsTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{Manual: true})
	policy := fastPolicy()
	policy.Confirmations = 3
	// The pool may forget the reorged transaction after the manager has
	// sent it again: rebroadcast soon, as a real node's peers would.
	policy.RebroadcastAfter = 200 * time.Millisecond
	m := e.manager(e.chain.Client(), policy)
	before := e.nonce()
	rec := &recorder{}
	out := goSend(e.ctx, m, storeReq("anchor:reorg", "loan-reorg"), rec)

	require.Eventually(t, func() bool { return rec.reached(txmgr.PhaseSubmitted) }, waitFor, 10*time.Millisecond)
	e.chain.Commit()
	require.Eventually(t, func() bool { return rec.reached(txmgr.PhaseIncluded) }, waitFor, 10*time.Millisecond)
	first := firstInclusion(rec)

	_, err := e.chain.Reorg(1, true)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return rec.noted("reorg") }, waitFor, 10*time.Millisecond)
	require.Equal(t, before, e.nonce(), "the transaction is off the chain")

	stop := mineEvery(e.chain, 30*time.Millisecond)
	defer stop()
	o := wait(t, out)
	require.NoError(t, o.err)
	e.requireCanonical(o.res)
	e.requireStored("loan-reorg")
	require.Equal(t, first.TxHash, o.res.Inclusion.TxHash, "the same signed transaction, sent again")
	require.NotEqual(t, first.BlockHash, o.res.Inclusion.BlockHash)
	require.Equal(t, before+1, e.nonce())
	require.Equal(t, []txmgr.Phase{txmgr.PhaseSubmitted, txmgr.PhaseIncluded, txmgr.PhaseSubmitted, txmgr.PhaseIncluded, txmgr.PhaseFinal}, rec.phases())
}

func firstInclusion(r *recorder) txmgr.Inclusion {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.seen {
		if p.Inclusion != nil {
			return *p.Inclusion
		}
	}
	return txmgr.Inclusion{}
}

// TestSendOnGeth runs the happy path and a revert against a real geth --dev
// node, which mines only on transactions: a second send supplies the
// confirmation the first needs.
func TestSendOnGeth(t *testing.T) {
	t.Parallel()
	n := gethtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitFor)
	defer cancel()
	client, err := evm.Dial(ctx, n.URL, "", evm.ClientOptions{})
	require.NoError(t, err)
	defer client.Close()
	d, err := evm.Deploy(ctx, client, n.Key, n.Address, n.Address)
	require.NoError(t, err)
	signer, err := evm.NewKeySigner(n.Key)
	require.NoError(t, err)
	policy := fastPolicy()
	policy.Confirmations = 1
	m, err := txmgr.New(txmgr.Config{Chain: client, Signer: signer, Journal: txmgr.NewMemJournal(nil), Policy: policy, PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	req := func(key, loan string) txmgr.Request {
		r := storeReq(key, loan)
		r.To = d.Address
		return r
	}
	res, err := m.Send(ctx, req("anchor:g1", "loan-g"), nil)
	require.NoError(t, err)
	require.Equal(t, txmgr.PhaseFinal, res.Phase)
	res, err = m.Send(ctx, req("anchor:g2", "loan-g"), nil)
	require.ErrorIs(t, err, txmgr.ErrFailed)
	require.Equal(t, "LoanAlreadyStored(loanKey="+ledger.LoanKey("loan-g").Hex()+")", res.Reason)
}

// TestRevertAfterNonceFillsTheNonce: a restart between assigning a nonce
// and signing, after which the call reverts: the nonce is filled with a
// no-op transfer so later sends are not stuck behind a gap, and the send
// fails with the revert reason.
func TestRevertAfterNonceFillsTheNonce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{BlockPeriod: 50 * time.Millisecond})
	m := e.manager(e.chain.Client(), fastPolicy())
	_, err := m.Send(e.ctx, storeReq("anchor:z1", "loan-z"), nil)
	require.NoError(t, err)
	before := e.nonce()

	// What a crash right after AssignNonce leaves behind.
	req := storeReq("anchor:z2", "loan-z")
	_, _, err = e.journal.Create(e.ctx, txmgr.Record{Key: req.Key, From: e.signer.Address(), To: req.To, Data: req.Data})
	require.NoError(t, err)
	nonce, err := e.journal.AssignNonce(e.ctx, req.Key, before)
	require.NoError(t, err)

	res, err := e.manager(e.chain.Client(), fastPolicy()).Resume(e.ctx, req.Key, nil)
	require.ErrorIs(t, err, txmgr.ErrFailed)
	require.Equal(t, "LoanAlreadyStored(loanKey="+ledger.LoanKey("loan-z").Hex()+")", res.Reason)
	require.Equal(t, before+1, e.nonce(), "the nonce was used, by the filler")
	stored, err := e.journal.Get(e.ctx, req.Key)
	require.NoError(t, err)
	require.Len(t, stored.Attempts, 1)
	require.True(t, stored.Attempts[0].Cancel)
	require.Equal(t, nonce, stored.Nonce)

	// The next send is not stuck behind a gap.
	res, err = m.Send(e.ctx, storeReq("anchor:z3", "loan-z3"), nil)
	require.NoError(t, err)
	e.requireCanonical(res)
}
