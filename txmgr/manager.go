package txmgr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/contracts"
)

// Chain is what the manager needs from a node. *evm.Client satisfies it.
type Chain interface {
	ChainID(ctx context.Context) (*big.Int, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error)
	CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error)
}

// Signer signs transactions for one account. evm.KeySigner (a key in this
// process) and evm.ExternalSigner (Clef, eth_signTransaction) implement it;
// an implementation must never reveal its key in errors or String, and
// reports a refusal to sign as an error for which evm.IsRefusal holds.
type Signer interface {
	Address() common.Address
	SignTx(tx *types.Transaction, chainID *big.Int) (*types.Transaction, error)
}

// Metrics receives counts from the manager. NopMetrics discards them.
// Implementations must be safe for concurrent use and must not block.
type Metrics interface {
	// Phase is called whenever a send enters a phase.
	Phase(p Phase)
	// Replaced counts replacement transactions.
	Replaced()
	// FeeWait is called each round a send waits because fees are over the cap.
	FeeWait()
	// Retry counts transient errors that were retried.
	Retry()
	// NonceFilled counts nonce gaps filled with a 0-value transfer.
	NonceFilled()
}

// NopMetrics is a Metrics that does nothing.
type NopMetrics struct{}

var _ Metrics = NopMetrics{}

// Phase implements Metrics.
func (NopMetrics) Phase(Phase) {}

// Replaced implements Metrics.
func (NopMetrics) Replaced() {}

// FeeWait implements Metrics.
func (NopMetrics) FeeWait() {}

// Retry implements Metrics.
func (NopMetrics) Retry() {}

// NonceFilled implements Metrics.
func (NopMetrics) NonceFilled() {}

// Config configures a Manager.
type Config struct {
	Chain   Chain   // required
	Signer  Signer  // required
	Journal Journal // required
	Policy  Policy
	// PollInterval is how often an unfinished send looks at the chain.
	// Default 2s.
	PollInterval time.Duration
	// Now is the clock for decisions; default time.Now.
	Now func() time.Time
	// Log receives one line per state change; nil discards.
	Log *slog.Logger
	// Metrics; nil means NopMetrics.
	Metrics Metrics
}

// Request is one logical send.
type Request struct {
	// Key is the idempotency key ("anchor:42", "batch:7"): a key is sent at
	// most once, with one nonce, however often Send is called with it.
	Key      string
	To       common.Address
	Data     []byte
	GasLimit uint64 // 0: Policy.GasLimit, else estimate
}

// Progress is reported to Send's callback at each change.
type Progress struct {
	Key       string
	Phase     Phase
	TxHash    common.Hash // latest attempt, once there is one
	Nonce     uint64
	Inclusion *Inclusion // in included and final
	// Note is set while waiting (e.g. fees above the cap) or retrying.
	Note string
}

// Result is where a send ended.
type Result struct {
	Key       string
	Phase     Phase // final or failed
	Inclusion *Inclusion
	Reason    string // why it failed
}

// ErrFailed is wrapped by Send's error when the send failed for good;
// Result.Reason says why (for a revert, the decoded custom error).
var ErrFailed = errors.New("transaction failed")

// Manager sends transactions for one signer: durable nonces, EIP-1559 fees
// under a cap, replacement of stuck transactions, confirmations, reorgs and
// bounded retries (see Decide and the Journal contract). It starts no
// goroutines of its own: each Send runs in its caller's goroutine. Send is
// safe for concurrent use; concurrent Sends of one key wait for each other.
type Manager struct {
	cfg     Config
	policy  Policy
	chainID *big.Int

	mu       sync.Mutex
	inflight map[string]chan struct{}

	// afterBroadcast, if set (tests only), runs right after a broadcast; an
	// error aborts Send as if the process had died there.
	afterBroadcast func() error
}

// New checks cfg and returns a Manager. It does not touch the chain.
func New(cfg Config) (*Manager, error) {
	var missing []string
	if cfg.Chain == nil {
		missing = append(missing, "Chain")
	}
	if cfg.Signer == nil {
		missing = append(missing, "Signer")
	}
	if cfg.Journal == nil {
		missing = append(missing, "Journal")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("new transaction manager: missing %s", strings.Join(missing, ", "))
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NopMetrics{}
	}
	return &Manager{cfg: cfg, policy: cfg.Policy.WithDefaults(), inflight: map[string]chan struct{}{}}, nil
}

// lock serialises Sends of one key.
func (m *Manager) lock(ctx context.Context, key string) (func(), error) {
	for {
		m.mu.Lock()
		ch, busy := m.inflight[key]
		if !busy {
			done := make(chan struct{})
			m.inflight[key] = done
			m.mu.Unlock()
			return func() {
				m.mu.Lock()
				delete(m.inflight, key)
				m.mu.Unlock()
				close(done)
			}, nil
		}
		m.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Send sends req and returns when it is final or failed, or when ctx ends.
// With an existing key it resumes that send (after a crash, say) instead of
// starting another: same nonce, and the recorded signed transaction is
// rebroadcast before anything new is signed. A key reused with a different
// destination or data is an ECONFLICT error; a key recorded for another
// signer is followed, not sent (see the package comment on key rotation).
//
// progress, if not nil, is called synchronously at each change.
//
// It returns (result, nil) when final; (result, error wrapping ErrFailed)
// when failed, with the reason in result.Reason; ctx's error (wrapped) if
// ctx ends first, in which case the send stays unfinished in the journal and
// a later Send or Resume continues it.
func (m *Manager) Send(ctx context.Context, req Request, progress func(Progress)) (Result, error) {
	if req.Key == "" {
		return Result{}, ledger.Errorf(ledger.EINVALID, "a send needs an idempotency key")
	}
	unlock, err := m.lock(ctx, req.Key)
	if err != nil {
		return Result{}, fmt.Errorf("send %s: %w", req.Key, err)
	}
	defer unlock()
	rec, created, err := m.cfg.Journal.Create(ctx, Record{
		Key: req.Key, From: m.cfg.Signer.Address(), To: req.To, Data: req.Data, GasLimit: req.GasLimit,
	})
	if err != nil {
		return Result{}, fmt.Errorf("send %s: record: %w", req.Key, err)
	}
	if !created && (rec.To != req.To || !bytes.Equal(rec.Data, req.Data)) {
		return Result{}, ledger.Errorf(ledger.ECONFLICT, "send key %q was used before for a different transaction", req.Key)
	}
	if rec.From != m.cfg.Signer.Address() {
		return m.follow(ctx, rec, progress)
	}
	if created {
		m.cfg.Metrics.Phase(PhaseQueued)
		m.cfg.Log.Info("send queued", "send", req.Key, "to", req.To.Hex())
	}
	return m.run(ctx, rec, progress)
}

// Resume continues an unfinished send recorded in the journal (see
// Journal.Unfinished), exactly as Send with its key would.
func (m *Manager) Resume(ctx context.Context, key string, progress func(Progress)) (Result, error) {
	rec, err := m.cfg.Journal.Get(ctx, key)
	if err != nil {
		return Result{}, fmt.Errorf("resume %s: %w", key, err)
	}
	return m.Send(ctx, Request{Key: rec.Key, To: rec.To, Data: rec.Data, GasLimit: rec.GasLimit}, progress)
}

// follow waits for a send recorded for another signer — the key before a
// rotation — to be finished by a process that holds that key (`aartha keys
// rotate` drains them), reporting its progress on the way. Nothing is
// signed or broadcast for it here.
func (m *Manager) follow(ctx context.Context, rec Record, progress func(Progress)) (Result, error) {
	s := &sendState{rec: rec, progress: progress}
	s.note = "sent by " + rec.From.Hex() + ", not this signer: waiting for a process with that key to finish it"
	m.cfg.Log.Info("send belongs to another signer; following it", "send", rec.Key, "from", rec.From.Hex())
	var seen Phase
	var seenInc *Inclusion
	for {
		if s.rec.Phase != seen || (s.rec.Inclusion != nil && (seenInc == nil || *s.rec.Inclusion != *seenInc)) {
			seen, seenInc = s.rec.Phase, s.rec.Inclusion
			s.report(m.progressOf(s))
		}
		if s.rec.Phase.Done() {
			return m.result(s)
		}
		if err := sleep(ctx, m.cfg.PollInterval); err != nil {
			return Result{}, fmt.Errorf("send %s: %w", rec.Key, err)
		}
		r, err := m.cfg.Journal.Get(ctx, rec.Key)
		if err != nil {
			return Result{}, fmt.Errorf("send %s: %w", rec.Key, err)
		}
		s.rec = r
	}
}

// sendState is the in-memory side of one running send.
type sendState struct {
	rec           Record
	progress      func(Progress)
	lastBroadcast time.Time
	note          string
	retries       int // transient errors since the last progress (for backoff)
	nonceTaken    int // rounds in which a broadcast said "nonce too low" and no receipt was found
	cancelReason  string
}

func (s *sendState) report(p Progress) {
	if s.progress != nil {
		s.progress(p)
	}
}

func (m *Manager) progressOf(s *sendState) Progress {
	p := Progress{Key: s.rec.Key, Phase: s.rec.Phase, Nonce: s.rec.Nonce, Inclusion: s.rec.Inclusion, Note: s.note}
	if n := len(s.rec.Attempts); n > 0 {
		p.TxHash = s.rec.Attempts[n-1].Hash
	}
	return p
}

// setStatus writes a status change to the journal and reports it.
func (m *Manager) setStatus(ctx context.Context, s *sendState, st Status) error {
	if err := m.cfg.Journal.Update(ctx, s.rec.Key, st); err != nil {
		return fmt.Errorf("send %s: record %s: %w", s.rec.Key, st.Phase, err)
	}
	changed := s.rec.Phase != st.Phase
	s.rec.Phase, s.rec.Inclusion, s.rec.Reason, s.rec.Tries = st.Phase, st.Inclusion, st.Reason, st.Tries
	if changed {
		m.cfg.Metrics.Phase(st.Phase)
		attrs := []any{"send", s.rec.Key, "phase", st.Phase, "nonce", s.rec.Nonce}
		if st.Inclusion != nil {
			attrs = append(attrs, "tx", st.Inclusion.TxHash.Hex(), "block", st.Inclusion.BlockNumber)
		}
		if st.Reason != "" {
			attrs = append(attrs, "reason", st.Reason)
		}
		m.cfg.Log.Info("send "+string(st.Phase), attrs...)
	}
	s.report(m.progressOf(s))
	return nil
}

func (m *Manager) result(s *sendState) (Result, error) {
	r := Result{Key: s.rec.Key, Phase: s.rec.Phase, Inclusion: s.rec.Inclusion, Reason: s.rec.Reason}
	if s.rec.Phase == PhaseFailed {
		return r, fmt.Errorf("send %s: %w: %s", s.rec.Key, ErrFailed, s.rec.Reason)
	}
	return r, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errFeeWait marks a round that waits on fees (not an error).
var errFeeWait = errors.New("waiting on fees")

// run drives one send to its end.
func (m *Manager) run(ctx context.Context, rec Record, progress func(Progress)) (Result, error) {
	s := &sendState{rec: rec, progress: progress}
	for {
		if s.rec.Phase.Done() {
			return m.result(s)
		}
		err := m.loadChainID(ctx)
		if err == nil {
			if len(s.rec.Attempts) == 0 {
				err = m.first(ctx, s)
			} else {
				err = m.track(ctx, s)
			}
		}
		switch {
		case err == nil:
			s.retries = 0
		case errors.Is(err, errFeeWait):
			m.cfg.Metrics.FeeWait()
		case ctx.Err() != nil:
			return Result{}, fmt.Errorf("send %s: %w", s.rec.Key, ctx.Err())
		case isAbort(err):
			return Result{}, err
		default:
			if err := m.transient(ctx, s, err); err != nil {
				return Result{}, err
			}
			continue
		}
		if s.rec.Phase.Done() {
			return m.result(s)
		}
		if err := sleep(ctx, m.cfg.PollInterval); err != nil {
			return Result{}, fmt.Errorf("send %s: %w", s.rec.Key, err)
		}
	}
}

// loadChainID reads the chain id once.
func (m *Manager) loadChainID(ctx context.Context) error {
	m.mu.Lock()
	known := m.chainID != nil
	m.mu.Unlock()
	if known {
		return nil
	}
	id, err := m.cfg.Chain.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("read chain id: %w", err)
	}
	m.mu.Lock()
	m.chainID = id
	m.mu.Unlock()
	return nil
}

// abortError ends Send without touching the journal (the test hook that
// simulates a crash, and journal failures).
type abortError struct{ err error }

func (e abortError) Error() string { return e.err.Error() }
func (e abortError) Unwrap() error { return e.err }

func isAbort(err error) bool {
	var a abortError
	return errors.As(err, &a)
}

// transient handles a retryable error: before the nonce is assigned it
// counts towards MaxRetries (then the send fails); after, the nonce is
// spoken for, so the send keeps trying with capped backoff until ctx ends.
func (m *Manager) transient(ctx context.Context, s *sendState, err error) error {
	m.cfg.Metrics.Retry()
	s.retries++
	reason := err.Error()
	if !s.rec.HasNonce {
		tries := s.rec.Tries + 1
		if GiveUp(m.policy, tries) {
			if uerr := m.setStatus(ctx, s, Status{Phase: PhaseFailed, Reason: fmt.Sprintf("gave up after %d tries: %s", tries, reason), Tries: tries}); uerr != nil {
				return uerr
			}
			return nil
		}
		s.note = fmt.Sprintf("try %d of %d failed, retrying: %s", tries, m.policy.MaxRetries, reason)
		if uerr := m.setStatus(ctx, s, Status{Phase: s.rec.Phase, Inclusion: s.rec.Inclusion, Reason: reason, Tries: tries}); uerr != nil {
			return uerr
		}
	} else {
		s.note = "retrying: " + reason
		s.report(m.progressOf(s))
	}
	m.cfg.Log.Warn("send retrying", "send", s.rec.Key, "err", reason)
	if err := sleep(ctx, Backoff(m.policy, s.retries)); err != nil {
		return fmt.Errorf("send %s: %w", s.rec.Key, err)
	}
	return nil
}

// planFees plans the fees of an attempt (prev: the one it replaces, or
// nil) from the latest header and the node's suggested tip, and returns the
// header too.
func (m *Manager) planFees(ctx context.Context, prev *Fees) (FeePlan, *types.Header, error) {
	head, err := m.head(ctx)
	if err != nil {
		return FeePlan{}, nil, err
	}
	tip, err := m.cfg.Chain.SuggestGasTipCap(ctx)
	if err != nil {
		return FeePlan{}, nil, fmt.Errorf("suggest tip: %w", err)
	}
	return PlanFees(m.policy, head.BaseFee, tip, prev), head, nil
}

// head reads the latest header.
func (m *Manager) head(ctx context.Context) (*types.Header, error) {
	h, err := m.cfg.Chain.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read head: %w", err)
	}
	if h.BaseFee == nil {
		return nil, errors.New("chain has no EIP-1559 base fee")
	}
	return h, nil
}

// first prepares and broadcasts the first attempt: gas, fees (waiting over
// the cap), nonce, signature, journal, broadcast — in that order.
func (m *Manager) first(ctx context.Context, s *sendState) error {
	from := m.cfg.Signer.Address()
	gas := s.rec.GasLimit
	if gas == 0 {
		gas = m.policy.GasLimit
	}
	msg := ethereum.CallMsg{From: from, To: &s.rec.To, Data: s.rec.Data}
	// Estimate even with a configured limit: it is how a revert is caught
	// before anything is signed.
	est, err := m.cfg.Chain.EstimateGas(ctx, msg)
	if err != nil {
		if contracts.IsRevert(err) {
			return m.revertBeforeSend(ctx, s, contracts.RevertReason(err))
		}
		return fmt.Errorf("estimate gas: %w", err)
	}
	if gas == 0 {
		gas = est + est*m.policy.GasHeadroomPercent/100
	}
	plan, head, err := m.planFees(ctx, nil)
	if err != nil {
		return err
	}
	if plan.Wait {
		return m.feeWait(ctx, s, plan.Reason)
	}
	if !s.rec.HasNonce {
		floor, err := m.cfg.Chain.PendingNonceAt(ctx, from)
		if err != nil {
			return fmt.Errorf("read pending nonce: %w", err)
		}
		nonce, err := m.cfg.Journal.AssignNonce(ctx, s.rec.Key, floor)
		if err != nil {
			return abortError{fmt.Errorf("send %s: assign nonce: %w", s.rec.Key, err)}
		}
		s.rec.Nonce, s.rec.HasNonce = nonce, true
	}
	return m.signAndBroadcast(ctx, s, plan.Fees, gas, head.Number.Uint64(), false)
}

// revertBeforeSend fails a send whose gas estimate reverts. If the send
// already holds a nonce (a restart between assigning it and signing), the
// nonce is filled with a 0-value transfer to self first, so later sends are
// not stuck behind a gap; the send fails once that is final.
func (m *Manager) revertBeforeSend(ctx context.Context, s *sendState, reason string) error {
	if !s.rec.HasNonce {
		return m.setStatus(ctx, s, Status{Phase: PhaseFailed, Reason: reason, Tries: s.rec.Tries})
	}
	s.cancelReason = reason
	plan, head, err := m.planFees(ctx, nil)
	if err != nil {
		return err
	}
	if plan.Wait {
		return m.feeWait(ctx, s, plan.Reason)
	}
	return m.signAndBroadcast(ctx, s, plan.Fees, params.TxGas, head.Number.Uint64(), true)
}

// feeWait records that the send waits for fees to fall below the cap.
func (m *Manager) feeWait(ctx context.Context, s *sendState, reason string) error {
	if s.note != reason {
		s.note = reason
		m.cfg.Log.Warn("send waiting: fees above cap", "send", s.rec.Key, "reason", reason)
		if err := m.setStatus(ctx, s, Status{Phase: s.rec.Phase, Inclusion: s.rec.Inclusion, Reason: reason, Tries: s.rec.Tries}); err != nil {
			return err
		}
	}
	return errFeeWait
}

// signAndBroadcast signs an attempt, records it durably, then broadcasts it.
func (m *Manager) signAndBroadcast(ctx context.Context, s *sendState, fees Fees, gas, head uint64, cancel bool) error {
	from := m.cfg.Signer.Address()
	to, data := s.rec.To, s.rec.Data
	if cancel {
		to, data = from, nil
	}
	tx, err := m.cfg.Signer.SignTx(types.NewTx(&types.DynamicFeeTx{
		ChainID:   m.chainID,
		Nonce:     s.rec.Nonce,
		GasTipCap: fees.TipCap,
		GasFeeCap: fees.FeeCap,
		Gas:       gas,
		To:        &to,
		Data:      data,
	}), m.chainID)
	switch {
	case err != nil && isRefusal(err) && !cancel && len(s.rec.Attempts) == 0:
		// Nothing was ever signed with this nonce, and nothing may be: the
		// send fails with the signer's reason once the nonce is filled (a
		// gap would stall every later send), never asking again.
		m.cfg.Log.Warn("signer refused; filling the nonce with a 0-value transfer to self", "send", s.rec.Key, "nonce", s.rec.Nonce, "err", err)
		s.cancelReason = err.Error()
		return m.signAndBroadcast(ctx, s, fees, params.TxGas, head, true)
	case err != nil:
		// A refused replacement (the earlier attempt may still be mined), a
		// refused no-op, or a signer out of reach: the nonce is spoken for,
		// so keep trying.
		return fmt.Errorf("sign: %w", err)
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return abortError{fmt.Errorf("send %s: encode transaction: %w", s.rec.Key, err)}
	}
	a := Attempt{Hash: tx.Hash(), Raw: raw, TipCap: fees.TipCap, FeeCap: fees.FeeCap, GasLimit: gas, Cancel: cancel, SentAt: m.cfg.Now(), SentBlock: head}
	if err := m.cfg.Journal.AddAttempt(ctx, s.rec.Key, a); err != nil {
		return abortError{fmt.Errorf("send %s: record transaction: %w", s.rec.Key, err)}
	}
	replacement := len(s.rec.Attempts) > 0
	s.rec.Attempts = append(s.rec.Attempts, a)
	if replacement {
		m.cfg.Metrics.Replaced()
		m.cfg.Log.Info("send replacing stuck transaction", "send", s.rec.Key, "nonce", s.rec.Nonce, "tx", a.Hash.Hex(), "fee_cap", gwei(fees.FeeCap), "tip", gwei(fees.TipCap))
	}
	return m.broadcast(ctx, s)
}

// broadcast sends the latest attempt and moves a queued send to submitted.
func (m *Manager) broadcast(ctx context.Context, s *sendState) error {
	a := s.rec.Attempts[len(s.rec.Attempts)-1]
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(a.Raw); err != nil {
		return abortError{fmt.Errorf("send %s: decode recorded transaction: %w", s.rec.Key, err)}
	}
	err := m.cfg.Chain.SendTransaction(ctx, tx)
	switch {
	case err == nil, isKnown(err):
		s.lastBroadcast = m.cfg.Now()
		s.nonceTaken = 0
	case isNonceTooLow(err):
		// One of our attempts is mined (track finds it), or another
		// transaction took the nonce (track gives up after a few rounds).
		s.nonceTaken++
		s.lastBroadcast = m.cfg.Now()
	default:
		return fmt.Errorf("broadcast %s: %w", a.Hash.Hex(), err)
	}
	if m.afterBroadcast != nil {
		if err := m.afterBroadcast(); err != nil {
			return abortError{err}
		}
	}
	if s.rec.Phase == PhaseQueued {
		s.note = ""
		// For a cancel, the reason the send will fail is kept from now on.
		return m.setStatus(ctx, s, Status{Phase: PhaseSubmitted, Reason: s.cancelReason, Tries: s.rec.Tries})
	}
	return nil
}

func isKnown(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "already known") || strings.Contains(msg, "known transaction")
}

func isNonceTooLow(err error) bool {
	var rpcErr rpc.Error
	return errors.As(err, &rpcErr) && strings.Contains(strings.ToLower(err.Error()), "nonce too low")
}

// track looks for the send's attempts on chain and acts on Decide.
func (m *Manager) track(ctx context.Context, s *sendState) error {
	head, err := m.head(ctx)
	if err != nil {
		return err
	}
	v := View{Now: m.cfg.Now(), Head: head.Number.Uint64(), BaseFee: head.BaseFee, LastBroadcast: s.lastBroadcast}
	var minedAttempt *Attempt
	for i := len(s.rec.Attempts) - 1; i >= 0; i-- {
		a := s.rec.Attempts[i]
		r, err := m.cfg.Chain.TransactionReceipt(ctx, a.Hash)
		if errors.Is(err, ethereum.NotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read receipt of %s: %w", a.Hash.Hex(), err)
		}
		// Only a receipt in the canonical chain counts.
		h, err := m.cfg.Chain.HeaderByNumber(ctx, r.BlockNumber)
		if err != nil && !errors.Is(err, ethereum.NotFound) {
			return fmt.Errorf("read block %d: %w", r.BlockNumber, err)
		}
		if err != nil || h.Hash() != r.BlockHash {
			continue
		}
		v.Mined = &Inclusion{TxHash: a.Hash, BlockNumber: r.BlockNumber.Uint64(), BlockHash: r.BlockHash, GasUsed: r.GasUsed, EffectiveGasPrice: r.EffectiveGasPrice}
		v.Reverted = r.Status != types.ReceiptStatusSuccessful
		minedAttempt = &s.rec.Attempts[i]
		break
	}
	if v.Mined == nil {
		if s.nonceTaken >= 3 {
			return m.setStatus(ctx, s, Status{Phase: PhaseFailed, Reason: fmt.Sprintf("nonce %d was used by a transaction this manager did not send; is the key used elsewhere?", s.rec.Nonce), Tries: s.rec.Tries})
		}
		tip, err := m.cfg.Chain.SuggestGasTipCap(ctx)
		if err != nil {
			return fmt.Errorf("suggest tip: %w", err)
		}
		v.Tip = tip
	} else if m.policy.Finality == FinalityTag {
		f, err := m.cfg.Chain.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
		if err != nil {
			return fmt.Errorf("read the finalized block: %w", err)
		}
		v.Finalized = f.Number.Uint64()
	}

	d := Decide(m.policy, s.rec, v)
	switch d.Action {
	case ActFinal, ActIncluded:
		phase := PhaseIncluded
		if d.Action == ActFinal {
			phase = PhaseFinal
		}
		if minedAttempt.Cancel {
			if phase == PhaseFinal {
				return m.setStatus(ctx, s, Status{Phase: PhaseFailed, Inclusion: v.Mined, Reason: s.cancelReasonOr("cancelled"), Tries: s.rec.Tries})
			}
		}
		if s.rec.Phase != phase || s.rec.Inclusion == nil || *s.rec.Inclusion != *v.Mined {
			s.note = ""
			return m.setStatus(ctx, s, Status{Phase: phase, Inclusion: v.Mined, Tries: s.rec.Tries})
		}
		return nil
	case ActFail:
		reason := m.minedRevertReason(ctx, s, v.Mined)
		return m.setStatus(ctx, s, Status{Phase: PhaseFailed, Inclusion: v.Mined, Reason: reason, Tries: s.rec.Tries})
	case ActReorged:
		s.note = "transaction left the chain in a reorg; sending it again"
		if err := m.setStatus(ctx, s, Status{Phase: PhaseSubmitted, Reason: s.note, Tries: s.rec.Tries}); err != nil {
			return err
		}
		return m.broadcast(ctx, s)
	case ActReplace:
		last := s.rec.Attempts[len(s.rec.Attempts)-1]
		return m.signAndBroadcast(ctx, s, d.Fees, last.GasLimit, v.Head, last.Cancel)
	case ActRebroadcast:
		if d.Reason != "" {
			s.note = d.Reason
			s.report(m.progressOf(s))
		}
		return m.broadcast(ctx, s)
	}
	if d.Reason != "" && d.Reason != s.note {
		s.note = d.Reason
		s.report(m.progressOf(s))
	}
	return nil
}

func (s *sendState) cancelReasonOr(def string) string {
	switch {
	case s.cancelReason != "":
		return s.cancelReason
	case s.rec.Reason != "":
		return s.rec.Reason
	}
	return def
}

// minedRevertReason replays a reverted transaction as eth_call on the state
// before its block, then after it, to recover the revert reason. It is a
// best effort: the replay may not see exactly what the transaction saw.
func (m *Manager) minedRevertReason(ctx context.Context, s *sendState, inc *Inclusion) string {
	prefix := fmt.Sprintf("reverted on chain in block %d", inc.BlockNumber)
	if inc.BlockNumber == 0 {
		return prefix
	}
	msg := ethereum.CallMsg{From: m.cfg.Signer.Address(), To: &s.rec.To, Data: s.rec.Data}
	// The state before the block misses transactions earlier in the same
	// block, so try the state after it too.
	for _, n := range []uint64{inc.BlockNumber - 1, inc.BlockNumber} {
		_, err := m.cfg.Chain.CallContract(ctx, msg, new(big.Int).SetUint64(n))
		if reason := contracts.RevertReason(err); reason != "" {
			return prefix + ": " + reason
		}
	}
	return prefix + " (reason unavailable)"
}

// Placement is where a caller recorded a send's transaction as final.
type Placement struct {
	TxHash      common.Hash
	BlockNumber uint64
	BlockHash   common.Hash
}

// Recheck looks again at a send that was reported final at p. It reports
// lost = true when the transaction is no longer in that block of the
// canonical chain (a reorg after final, or a node that called a block final
// too early). The send is then reopened in the journal (phase submitted)
// and its transaction broadcast again at once (with higher fees if the old
// ones no longer pass), so that a later Send or Resume of key follows it
// back to final; the same nonce is reused, so the record can never land
// twice. A node whose head has not reached p's block yet proves nothing and
// reports lost = false.
//
// Lost.Inclusion is the journal's record of the lost inclusion (its gas and
// price), when the journal still had it.
func (m *Manager) Recheck(ctx context.Context, key string, p Placement) (Lost, error) {
	head, err := m.head(ctx)
	if err != nil {
		return Lost{}, err
	}
	if head.Number.Uint64() < p.BlockNumber {
		return Lost{}, nil
	}
	there, err := m.canonical(ctx, p)
	if err != nil || there {
		return Lost{}, err
	}
	l := Lost{Lost: true, Reason: fmt.Sprintf("transaction %s left block %d (%s) after it was final; sending it again", p.TxHash.Hex(), p.BlockNumber, p.BlockHash.Hex())}
	if rec, err := m.cfg.Journal.Get(ctx, key); err == nil && rec.Phase == PhaseFinal && rec.Inclusion != nil && rec.Inclusion.TxHash == p.TxHash {
		l.Inclusion = rec.Inclusion
	}
	return l, m.reopen(ctx, key, l.Reason)
}

// Lost is Recheck's answer.
type Lost struct {
	Lost      bool
	Reason    string
	Inclusion *Inclusion // what was lost, if known
}

// WatchFrom is the lowest block whose final transactions Recheck should
// still be asked about (see the package function WatchFrom).
func (m *Manager) WatchFrom(ctx context.Context) (uint64, error) {
	head, err := m.head(ctx)
	if err != nil {
		return 0, err
	}
	var finalized uint64
	if m.policy.Finality == FinalityTag {
		f, err := m.cfg.Chain.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
		if err != nil {
			return 0, fmt.Errorf("read the finalized block: %w", err)
		}
		finalized = f.Number.Uint64()
	}
	return WatchFrom(m.policy, head.Number.Uint64(), finalized), nil
}

// canonical reports whether p's block is still the canonical block at its
// height. A block's contents are fixed by its hash, so the transaction the
// caller found in it is still there exactly when the block is.
func (m *Manager) canonical(ctx context.Context, p Placement) (bool, error) {
	h, err := m.cfg.Chain.HeaderByNumber(ctx, new(big.Int).SetUint64(p.BlockNumber))
	switch {
	case errors.Is(err, ethereum.NotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read block %d: %w", p.BlockNumber, err)
	}
	return h.Hash() == p.BlockHash, nil
}

// reopen reopens a lost send in the journal and puts its transaction back
// on the network.
func (m *Manager) reopen(ctx context.Context, key, reason string) error {
	if err := m.cfg.Journal.Reopen(ctx, key, reason); err != nil {
		return fmt.Errorf("reopen send %s: %w", key, err)
	}
	m.cfg.Metrics.Phase(PhaseSubmitted)
	m.cfg.Log.Warn("send left the chain after it was final; reopened", "send", key, "reason", reason)
	return m.resend(ctx, key)
}

// resend broadcasts the latest attempt of an unfinished send again, and
// replaces it with bumped fees if the node refuses it. It is best effort:
// a send busy in another goroutine is left to it, and whatever fails here
// is retried by the send's own loop when it is resumed.
func (m *Manager) resend(ctx context.Context, key string) error {
	m.mu.Lock()
	_, busy := m.inflight[key]
	m.mu.Unlock()
	if busy {
		return nil
	}
	unlock, err := m.lock(ctx, key)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := m.cfg.Journal.Get(ctx, key)
	if err != nil || rec.Phase.Done() || len(rec.Attempts) == 0 || rec.From != m.cfg.Signer.Address() {
		return err
	}
	if err := m.loadChainID(ctx); err != nil {
		return err
	}
	s := &sendState{rec: rec}
	err = m.broadcast(ctx, s)
	if err == nil || isAbort(err) {
		return err
	}
	last := rec.Attempts[len(rec.Attempts)-1]
	plan, head, perr := m.planFees(ctx, &Fees{TipCap: last.TipCap, FeeCap: last.FeeCap})
	if perr != nil {
		return errors.Join(err, perr)
	}
	if plan.Wait {
		return errors.Join(err, errors.New(plan.Reason))
	}
	return m.signAndBroadcast(ctx, s, plan.Fees, last.GasLimit, head.Number.Uint64(), last.Cancel)
}

// HealReport is what one Heal round found and did.
type HealReport struct {
	// Lost are the final sends whose transactions had left the chain, by
	// key: reopened and broadcast again (see Recheck). Their callers must
	// take back what they recorded as final and send the keys again.
	Lost map[string]Lost
	// Filled are the nonces filled with a 0-value transfer to self: no
	// send holds them, or the send that did had failed.
	Filled []uint64
}

// maxHealPerRound bounds the nonces one Heal round repairs.
const maxHealPerRound = 32

// Heal repairs nonce gaps while running. When the chain's pending nonce of
// the signer is below the lowest nonce this manager still needs the chain to
// reach (its oldest unfinished send's, or the next it would hand out), the
// nonces between were used by sends that are no longer on chain, and every
// later transaction waits behind them. For each such nonce: a final send
// whose transaction left the chain is reopened and sent again (its own
// signed transaction, same nonce); a failed send or a nonce no send holds
// is filled with a 0-value transfer to self. A node whose head has not
// reached a send's recorded block is behind, not reorged: Heal then stops
// for this round. Heal is safe to call at any time from one goroutine
// beside running Sends.
func (m *Manager) Heal(ctx context.Context) (HealReport, error) {
	var rep HealReport
	from := m.cfg.Signer.Address()
	open, err := m.cfg.Journal.Unfinished(ctx, from)
	if err != nil {
		return rep, fmt.Errorf("heal nonces: %w", err)
	}
	upper, err := m.cfg.Journal.NextNonce(ctx, from)
	if err != nil {
		return rep, fmt.Errorf("heal nonces: %w", err)
	}
	if len(open) > 0 && open[0].HasNonce {
		upper = min(upper, open[0].Nonce)
	}
	pending, err := m.cfg.Chain.PendingNonceAt(ctx, from)
	if err != nil {
		return rep, fmt.Errorf("heal nonces: read pending nonce: %w", err)
	}
	for n := pending; n < upper && n < pending+maxHealPerRound; n++ {
		rec, err := m.cfg.Journal.ByNonce(ctx, from, n)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return rep, fmt.Errorf("heal nonce %d: %w", n, err)
		case rec.Phase == PhaseFinal && rec.Inclusion != nil:
			inc := rec.Inclusion
			l, err := m.Recheck(ctx, rec.Key, Placement{TxHash: inc.TxHash, BlockNumber: inc.BlockNumber, BlockHash: inc.BlockHash})
			if err != nil {
				return rep, fmt.Errorf("heal nonce %d: %w", n, err)
			}
			if !l.Lost {
				return rep, nil // the node is behind: nothing is proven lost
			}
			m.cfg.Log.Warn("nonce gap: a final send left the chain", "nonce", n, "send", rec.Key, "reason", l.Reason)
			if rep.Lost == nil {
				rep.Lost = map[string]Lost{}
			}
			rep.Lost[rec.Key] = l
			continue
		case !rec.Phase.Done():
			continue // being sent
		}
		if err := m.fill(ctx, n); err != nil {
			return rep, fmt.Errorf("heal nonce %d: %w", n, err)
		}
		rep.Filled = append(rep.Filled, n)
	}
	return rep, nil
}

// fill broadcasts a 0-value transfer to self with nonce n, so that the
// transactions after n can be mined. Nothing is journaled: if it is lost
// too, the next Heal fills n again, and only one transaction can ever take
// a nonce.
func (m *Manager) fill(ctx context.Context, n uint64) error {
	if err := m.loadChainID(ctx); err != nil {
		return err
	}
	plan, _, err := m.planFees(ctx, nil)
	if err != nil {
		return err
	}
	if plan.Wait {
		return errors.New(plan.Reason)
	}
	self := m.cfg.Signer.Address()
	tx, err := m.cfg.Signer.SignTx(types.NewTx(&types.DynamicFeeTx{
		ChainID: m.chainID, Nonce: n, GasTipCap: plan.TipCap, GasFeeCap: plan.FeeCap, Gas: params.TxGas, To: &self,
	}), m.chainID)
	if err != nil {
		return fmt.Errorf("sign a 0-value transfer for nonce %d: %w", n, err)
	}
	if err := m.cfg.Chain.SendTransaction(ctx, tx); err != nil && !isKnown(err) && !isNonceTooLow(err) {
		return fmt.Errorf("broadcast a 0-value transfer for nonce %d: %w", n, err)
	}
	m.cfg.Metrics.NonceFilled()
	m.cfg.Log.Warn("nonce gap filled with a 0-value transfer to self", "nonce", n, "tx", tx.Hash().Hex())
	return nil
}

// isRefusal reports whether err is (or wraps) a signer's refusal to sign
// (evm.RefusalError): asking again will not help.
func isRefusal(err error) bool {
	var refusal interface{ SignerRefused() }
	return errors.As(err, &refusal)
}
