package txmgr_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/txmgr"
)

// TestHealFillsANonceNoSendHolds: a nonce handed out and never used (a send
// that failed after taking it) stalls every later transaction. Heal fills
// it with a 0-value transfer to self, and the stalled send goes through,
// without a restart.
func TestHealFillsANonceNoSendHolds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{BlockPeriod: 50 * time.Millisecond})
	m := e.manager(e.chain.Client(), fastPolicy())
	gap := e.nonce()
	_, _, err := e.journal.Create(e.ctx, txmgr.Record{Key: "ghost", From: e.signer.Address(), To: e.signer.Address()})
	require.NoError(t, err)
	_, err = e.journal.AssignNonce(e.ctx, "ghost", gap)
	require.NoError(t, err)
	require.NoError(t, e.journal.Update(e.ctx, "ghost", txmgr.Status{Phase: txmgr.PhaseFailed, Reason: "never sent"}))

	rec := &recorder{}
	out := goSend(e.ctx, m, storeReq("anchor:behind", "loan-behind"), rec)
	require.Eventually(t, func() bool { return rec.reached(txmgr.PhaseSubmitted) }, waitFor, 10*time.Millisecond)
	time.Sleep(200 * time.Millisecond) // blocks come and go; the send stays behind the gap
	require.Equal(t, gap, e.nonce(), "nothing is mined past the gap")

	rep, err := m.Heal(e.ctx)
	require.NoError(t, err)
	require.Equal(t, []uint64{gap}, rep.Filled)
	require.Empty(t, rep.Lost)
	o := wait(t, out)
	require.NoError(t, o.err)
	e.requireCanonical(o.res)
	e.requireStored("loan-behind")
	require.Equal(t, gap+2, e.nonce(), "the filler and the send")

	rep, err = m.Heal(e.ctx)
	require.NoError(t, err)
	require.Empty(t, rep.Filled, "nothing left to heal")
}

// TestRecheckReopensAFinalSendThatLeftTheChain: a final transaction is
// reorged out. Recheck sees its block is gone, reopens the send and
// broadcasts its own signed transaction again; a later Send of the key
// follows it back to final on the new chain, and the registry holds the
// record once.
func TestRecheckReopensAFinalSendThatLeftTheChain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simchain.Options{Manual: true})
	m := e.manager(e.chain.Client(), fastPolicy())
	before := e.nonce()
	stop := mineEvery(e.chain, 30*time.Millisecond)
	res, err := m.Send(e.ctx, storeReq("anchor:gone", "loan-gone"), nil)
	stop()
	require.NoError(t, err)
	e.requireCanonical(res)

	head, err := e.chain.Client().HeaderByNumber(e.ctx, nil)
	require.NoError(t, err)
	_, err = e.chain.Reorg(head.Number.Uint64()-res.Inclusion.BlockNumber+1, true)
	require.NoError(t, err)
	require.Equal(t, before, e.nonce(), "the transaction is off the chain")

	lost, err := m.Recheck(e.ctx, "anchor:gone", txmgr.Placement{TxHash: res.Inclusion.TxHash, BlockNumber: res.Inclusion.BlockNumber, BlockHash: res.Inclusion.BlockHash})
	require.NoError(t, err)
	require.True(t, lost.Lost, "the final block is no longer canonical")
	require.Contains(t, lost.Reason, "after it was final")
	require.NotNil(t, lost.Inclusion, "what was lost, for the cost metrics")
	rec, err := e.journal.Get(e.ctx, "anchor:gone")
	require.NoError(t, err)
	require.Equal(t, txmgr.PhaseSubmitted, rec.Phase, "reopened")

	stop = mineEvery(e.chain, 30*time.Millisecond)
	defer stop()
	again, err := m.Send(e.ctx, storeReq("anchor:gone", "loan-gone"), nil)
	require.NoError(t, err)
	e.requireCanonical(again)
	require.NotEqual(t, res.Inclusion.BlockHash, again.Inclusion.BlockHash)
	require.Equal(t, before+1, e.nonce(), "one nonce, used once")
	e.requireStored("loan-gone")

	still, err := m.Recheck(e.ctx, "anchor:gone", txmgr.Placement{TxHash: again.Inclusion.TxHash, BlockNumber: again.Inclusion.BlockNumber, BlockHash: again.Inclusion.BlockHash})
	require.NoError(t, err)
	require.False(t, still.Lost)
}
