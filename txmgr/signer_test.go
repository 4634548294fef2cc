package txmgr_test

import (
	"context"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/txmgr"
)

// rulesSigner plays Clef with the anchoring rules: it signs calls to the
// registry and 0-value transfers to itself, and refuses the rest (all of
// it when refuseAll is set), counting what it was asked.
type rulesSigner struct {
	inner     *evm.KeySigner
	registry  common.Address
	refuseAll atomic.Bool
	asked     atomic.Int32
	refused   atomic.Int32
}

func (s *rulesSigner) Address() common.Address { return s.inner.Address() }

func (s *rulesSigner) SignTx(tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	s.asked.Add(1)
	to := *tx.To()
	if s.refuseAll.Load() || (to != s.registry && to != s.inner.Address()) {
		s.refused.Add(1)
		return nil, &evm.RefusalError{Signer: "127.0.0.1:8550", Reason: "request denied"}
	}
	return s.inner.SignTx(tx, chainID)
}

// TestSignerRefusalFailsTheSendOnce: a signer refusing a transaction ends
// the send failed with the signer's reason, asked once and never again; the
// nonce it had been given is filled with a no-op so the next send is not
// stuck behind a gap.
func TestSignerRefusalFailsTheSendOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{BlockPeriod: 50 * time.Millisecond})
	signer := &rulesSigner{inner: e.signer, registry: e.chain.Registry()}
	m, err := txmgr.New(txmgr.Config{Chain: e.chain.Client(), Signer: signer, Journal: e.journal,
		Policy: fastPolicy(), PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	before := e.nonce()

	req := storeReq("anchor:elsewhere", "loan-x")
	req.To = common.HexToAddress("0x000000000000000000000000000000000000dEaD")
	res, err := m.Send(e.ctx, req, nil)
	require.ErrorIs(t, err, txmgr.ErrFailed)
	require.Contains(t, res.Reason, "refused to sign: request denied")
	require.EqualValues(t, 1, signer.refused.Load(), "asked once, never again")
	require.EqualValues(t, 2, signer.asked.Load(), "the refused transaction, then the no-op")
	require.Equal(t, before+1, e.nonce(), "the nonce was used, by the no-op")
	stored, err := e.journal.Get(e.ctx, req.Key)
	require.NoError(t, err)
	require.Len(t, stored.Attempts, 1)
	require.True(t, stored.Attempts[0].Cancel)

	// Sending it again is the same failed send, not a new question.
	_, err = m.Send(e.ctx, req, nil)
	require.ErrorIs(t, err, txmgr.ErrFailed)
	require.EqualValues(t, 1, signer.refused.Load())

	// The next send is not stuck behind a gap.
	res, err = m.Send(e.ctx, storeReq("anchor:after", "loan-y"), nil)
	require.NoError(t, err)
	e.requireCanonical(res)

	// A signer refusing even the no-op leaves the send waiting with its
	// nonce held (a gap would stall every later send), saying why.
	signer.refuseAll.Store(true)
	ctx, cancel := context.WithTimeout(e.ctx, time.Second)
	defer cancel()
	rec := &recorder{}
	_, err = m.Send(ctx, storeReq("anchor:stuck", "loan-z"), rec.report)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.True(t, rec.noted("refused to sign: request denied"))
	stuck, err := e.journal.Get(e.ctx, "anchor:stuck")
	require.NoError(t, err)
	require.True(t, stuck.HasNonce)
	require.False(t, stuck.Phase.Done())
}

// TestSendOfAnotherSignerIsFollowed: after a key rotation the new key's
// manager meets sends the old key started. It signs nothing for them; it
// follows the journal until a process with the old key finishes them, and
// reports their outcome as its own.
func TestSendOfAnotherSignerIsFollowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{BlockPeriod: 50 * time.Millisecond})
	old := e.manager(e.chain.Client(), fastPolicy())

	// The old key's process stops right after broadcasting.
	req := storeReq("anchor:inflight", "loan-r")
	ctx, cancel := context.WithCancel(e.ctx)
	_, err := old.Send(ctx, req, func(p txmgr.Progress) {
		if p.Phase == txmgr.PhaseSubmitted {
			cancel()
		}
	})
	require.ErrorIs(t, err, context.Canceled)

	newKey, err := crypto.GenerateKey()
	require.NoError(t, err)
	newSigner := &rulesSigner{registry: e.chain.Registry()}
	newSigner.inner, err = evm.NewKeySigner(newKey)
	require.NoError(t, err)
	fresh, err := txmgr.New(txmgr.Config{Chain: e.chain.Client(), Signer: newSigner, Journal: e.journal,
		Policy: fastPolicy(), PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	rec := &recorder{}
	followed := goSend(e.ctx, fresh, req, rec)
	select {
	case o := <-followed:
		t.Fatalf("the new key's manager finished a send only the old key can: %+v", o)
	case <-time.After(300 * time.Millisecond):
	}
	require.True(t, rec.noted("not this signer"))

	// The drain: the old key finishes its send.
	res, err := old.Resume(e.ctx, req.Key, nil)
	require.NoError(t, err)
	o := wait(t, followed)
	require.NoError(t, o.err)
	require.Equal(t, res.Inclusion, o.res.Inclusion)
	require.True(t, rec.reached(txmgr.PhaseFinal))
	require.Zero(t, newSigner.asked.Load(), "nothing signed by the new key for the old key's send")
	e.requireStored("loan-r")
}
