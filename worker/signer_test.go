package worker_test

import (
	"io"
	"log/slog"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/txmgr"
	"github.com/aartha/ledger/worker"
)

// registryOnlySigner plays Clef with rules that allow only transactions to
// one registry (and 0-value transfers to self, how a nonce is filled).
type registryOnlySigner struct {
	inner    *evm.KeySigner
	registry common.Address
	refused  atomic.Int32
}

func (s *registryOnlySigner) Address() common.Address { return s.inner.Address() }

func (s *registryOnlySigner) SignTx(tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	if to := *tx.To(); to != s.registry && to != s.inner.Address() {
		s.refused.Add(1)
		return nil, &evm.RefusalError{Signer: "127.0.0.1:8550", Reason: "request denied"}
	}
	return s.inner.SignTx(tx, chainID)
}

// TestSignerRefusalFailsTheAnchorWithItsReason points the worker at a
// contract the signer's rules do not allow: the anchor ends failed at once
// with the signer's reason, the loan says failed, the failure is reported
// once, and the signer is never asked again.
func TestSignerRefusalFailsTheAnchorWithItsReason(t *testing.T) {
	t.Parallel()
	r := newRig(t, ledger.ModeDirect)
	inner, err := evm.NewKeySigner(r.chain.SignerKey())
	require.NoError(t, err)
	signer := &registryOnlySigner{inner: inner, registry: r.chain.Registry()}
	manager, err := txmgr.New(txmgr.Config{
		Chain: r.chain.Client(), Signer: signer, Journal: r.db.TxJournal(),
		Policy: txmgr.Policy{Confirmations: 2}, PollInterval: 50 * time.Millisecond,
	})
	require.NoError(t, err)

	var failures atomic.Int32
	var reported atomic.Value
	elsewhere := common.HexToAddress("0x000000000000000000000000000000000000dEaD")
	w, err := worker.New(r.db, txChain(t, manager, r.chain.Client(), elsewhere), worker.Config{
		Mode: ledger.ModeDirect, Contract: elsewhere.Hex(), MaxRetries: 5, RetryDelay: 50 * time.Millisecond,
		OnFailed: func(f worker.Failure) {
			failures.Add(1)
			reported.Store(f.Reason)
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	r.run(t, w)

	r.approve(t, "S", 1)
	a := r.awaitFailed(t, "S-0")
	require.Contains(t, a.LastError, "refused to sign: request denied")
	time.Sleep(500 * time.Millisecond) // a retry, if there were one, would have come by now
	require.EqualValues(t, 1, failures.Load(), "reported once, not retried")
	require.Contains(t, reported.Load(), "request denied")
	require.EqualValues(t, 1, signer.refused.Load(), "the signer was asked once")
}
