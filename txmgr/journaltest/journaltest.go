// Package journaltest is the conformance suite for txmgr.Journal
// implementations: run it against every one (MemJournal, the SQL journal)
// so that they all keep the contract the transaction manager's crash safety
// rests on.
//
// Limits: it checks behaviour visible through the interface, including
// concurrent nonce assignment; durability across a process restart is the
// implementation's own test (reopen the database and call Get).
package journaltest

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/txmgr"
)

// Run runs the suite. newJournal must return an empty journal, isolated
// from other calls' journals (tests run in parallel).
func Run(t *testing.T, newJournal func(t *testing.T) txmgr.Journal) {
	ctx := context.Background()
	signer := common.HexToAddress("0x00000000000000000000000000000000000000a1")
	other := common.HexToAddress("0x00000000000000000000000000000000000000b2")
	rec := func(key string, from common.Address) txmgr.Record {
		return txmgr.Record{Key: key, From: from, To: common.HexToAddress("0xc3"), Data: []byte{1, 2, 3}, GasLimit: 0}
	}
	attempt := func(n byte) txmgr.Attempt {
		return txmgr.Attempt{
			Hash: common.Hash{n}, Raw: []byte{0x02, n}, TipCap: big.NewInt(int64(n)), FeeCap: big.NewInt(int64(n) * 10),
			GasLimit: 50_000, SentAt: time.Unix(1_800_000_000+int64(n), 0).UTC(), SentBlock: uint64(n),
		}
	}

	t.Run("CreateIsIdempotent", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		got, created, err := j.Create(ctx, rec("k", signer))
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, txmgr.PhaseQueued, got.Phase)
		require.False(t, got.HasNonce)
		require.Equal(t, []byte{1, 2, 3}, got.Data)

		changed := rec("k", signer)
		changed.Data = []byte{9}
		again, created, err := j.Create(ctx, changed)
		require.NoError(t, err)
		require.False(t, created)
		require.Equal(t, []byte{1, 2, 3}, again.Data, "the stored record wins")
	})

	t.Run("ConcurrentCreateMakesOneRecord", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		createdCount := 0
		for range 8 {
			wg.Go(func() {
				_, created, err := j.Create(ctx, rec("same", signer))
				require.NoError(t, err)
				if created {
					mu.Lock()
					createdCount++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Equal(t, 1, createdCount)
	})

	t.Run("UnknownKeyIsNotFound", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		_, err := j.Get(ctx, "nope")
		require.ErrorIs(t, err, txmgr.ErrNotFound)
		_, err = j.AssignNonce(ctx, "nope", 0)
		require.ErrorIs(t, err, txmgr.ErrNotFound)
		require.ErrorIs(t, j.AddAttempt(ctx, "nope", attempt(1)), txmgr.ErrNotFound)
		require.ErrorIs(t, j.Update(ctx, "nope", txmgr.Status{Phase: txmgr.PhaseSubmitted}), txmgr.ErrNotFound)
	})

	t.Run("NoncesAreASequencePerSignerWithAFloor", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		for _, k := range []string{"a", "b", "c", "d"} {
			_, _, err := j.Create(ctx, rec(k, signer))
			require.NoError(t, err)
		}
		_, _, err := j.Create(ctx, rec("o", other))
		require.NoError(t, err)

		n, err := j.AssignNonce(ctx, "a", 5) // chain says 5 are used
		require.NoError(t, err)
		require.EqualValues(t, 5, n)
		n, err = j.AssignNonce(ctx, "a", 99)
		require.NoError(t, err)
		require.EqualValues(t, 5, n, "idempotent: an assigned nonce never changes")
		n, err = j.AssignNonce(ctx, "b", 0)
		require.NoError(t, err)
		require.EqualValues(t, 6, n, "the journal's sequence wins over a lower floor")
		n, err = j.AssignNonce(ctx, "c", 10)
		require.NoError(t, err)
		require.EqualValues(t, 10, n, "a higher floor (someone else used the key) wins")
		n, err = j.AssignNonce(ctx, "o", 0)
		require.NoError(t, err)
		require.EqualValues(t, 0, n, "each signer has its own sequence")
		got, err := j.Get(ctx, "c")
		require.NoError(t, err)
		require.True(t, got.HasNonce)
		require.EqualValues(t, 10, got.Nonce)
	})

	t.Run("ConcurrentNoncesAreDistinct", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		const n = 16
		for i := range n {
			_, _, err := j.Create(ctx, rec(fmt.Sprint("k", i), signer))
			require.NoError(t, err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[uint64]bool{}
		for i := range n {
			wg.Go(func() {
				nonce, err := j.AssignNonce(ctx, fmt.Sprint("k", i), 0)
				require.NoError(t, err)
				mu.Lock()
				seen[nonce] = true
				mu.Unlock()
			})
		}
		wg.Wait()
		require.Len(t, seen, n)
		for i := range uint64(n) {
			require.True(t, seen[i], "nonces 0..%d without gaps", n-1)
		}
	})

	t.Run("AttemptsAreKeptInOrderAndDeduplicated", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		_, _, err := j.Create(ctx, rec("k", signer))
		require.NoError(t, err)
		require.NoError(t, j.AddAttempt(ctx, "k", attempt(1)))
		require.NoError(t, j.AddAttempt(ctx, "k", attempt(2)))
		require.NoError(t, j.AddAttempt(ctx, "k", attempt(1)))
		got, err := j.Get(ctx, "k")
		require.NoError(t, err)
		require.Len(t, got.Attempts, 2)
		for i, want := range []txmgr.Attempt{attempt(1), attempt(2)} {
			a := got.Attempts[i]
			require.Equal(t, want.Hash, a.Hash)
			require.Equal(t, want.Raw, a.Raw)
			require.Zero(t, want.TipCap.Cmp(a.TipCap))
			require.Zero(t, want.FeeCap.Cmp(a.FeeCap))
			require.Equal(t, want.GasLimit, a.GasLimit)
			require.Equal(t, want.SentBlock, a.SentBlock)
			require.True(t, want.SentAt.Equal(a.SentAt))
			require.Equal(t, want.Cancel, a.Cancel)
		}
	})

	t.Run("UpdateAndTerminalPhases", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		_, _, err := j.Create(ctx, rec("k", signer))
		require.NoError(t, err)
		_, err = j.AssignNonce(ctx, "k", 0)
		require.NoError(t, err)
		require.NoError(t, j.AddAttempt(ctx, "k", attempt(1)))
		inc := &txmgr.Inclusion{TxHash: common.Hash{1}, BlockNumber: 7, BlockHash: common.Hash{7}, GasUsed: 40_000, EffectiveGasPrice: big.NewInt(3)}
		require.NoError(t, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseIncluded, Inclusion: inc, Tries: 2, Reason: "note"}))
		got, err := j.Get(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, txmgr.PhaseIncluded, got.Phase)
		require.Equal(t, inc.BlockHash, got.Inclusion.BlockHash)
		require.Zero(t, inc.EffectiveGasPrice.Cmp(got.Inclusion.EffectiveGasPrice))
		require.Equal(t, 2, got.Tries)
		require.Equal(t, "note", got.Reason)
		require.Len(t, got.Attempts, 1, "update leaves attempts alone")
		require.True(t, got.HasNonce, "update leaves the nonce alone")

		require.NoError(t, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseSubmitted}))
		got, err = j.Get(ctx, "k")
		require.NoError(t, err)
		require.Nil(t, got.Inclusion, "a reorg clears the inclusion")

		require.NoError(t, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseFinal, Inclusion: inc}))
		require.Error(t, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseSubmitted}), "final is terminal")
	})

	t.Run("UnfinishedBySignerInNonceOrder", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		for _, k := range []string{"late", "early", "nonceless", "done", "theirs"} {
			from := signer
			if k == "theirs" {
				from = other
			}
			_, _, err := j.Create(ctx, rec(k, from))
			require.NoError(t, err)
		}
		_, err := j.AssignNonce(ctx, "early", 3)
		require.NoError(t, err)
		_, err = j.AssignNonce(ctx, "late", 0)
		require.NoError(t, err)
		_, err = j.AssignNonce(ctx, "done", 0)
		require.NoError(t, err)
		require.NoError(t, j.Update(ctx, "done", txmgr.Status{Phase: txmgr.PhaseFailed, Reason: "x"}))
		got, err := j.Unfinished(ctx, signer)
		require.NoError(t, err)
		var keys []string
		for _, r := range got {
			keys = append(keys, r.Key)
		}
		require.Equal(t, []string{"early", "late", "nonceless"}, keys)
	})

	t.Run("ReopenOnlyAFinalSend", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		for _, k := range []string{"final", "open", "failed"} {
			_, _, err := j.Create(ctx, rec(k, signer))
			require.NoError(t, err)
			_, err = j.AssignNonce(ctx, k, 0)
			require.NoError(t, err)
		}
		require.NoError(t, j.AddAttempt(ctx, "final", attempt(1)))
		inc := &txmgr.Inclusion{TxHash: common.Hash{1}, BlockNumber: 9, BlockHash: common.Hash{9}, GasUsed: 1, EffectiveGasPrice: big.NewInt(1)}
		require.NoError(t, j.Update(ctx, "final", txmgr.Status{Phase: txmgr.PhaseFinal, Inclusion: inc}))
		require.NoError(t, j.Reopen(ctx, "final", "left the chain"))
		got, err := j.Get(ctx, "final")
		require.NoError(t, err)
		require.Equal(t, txmgr.PhaseSubmitted, got.Phase)
		require.Nil(t, got.Inclusion, "the lost inclusion is cleared")
		require.Equal(t, "left the chain", got.Reason)
		require.Len(t, got.Attempts, 1, "attempts are kept")
		require.True(t, got.HasNonce)
		require.Equal(t, uint64(0), got.Nonce, "the nonce is kept")

		require.NoError(t, j.Reopen(ctx, "open", "x"), "an unfinished send is left as it is")
		got, err = j.Get(ctx, "open")
		require.NoError(t, err)
		require.Equal(t, txmgr.PhaseQueued, got.Phase)
		require.Empty(t, got.Reason)

		require.NoError(t, j.Update(ctx, "failed", txmgr.Status{Phase: txmgr.PhaseFailed, Reason: "reverted"}))
		require.Error(t, j.Reopen(ctx, "failed", "x"), "a failed send stays failed")
		require.ErrorIs(t, j.Reopen(ctx, "nobody", "x"), txmgr.ErrNotFound)
	})

	t.Run("ByNonceAndNextNonce", func(t *testing.T) {
		t.Parallel()
		j := newJournal(t)
		next, err := j.NextNonce(ctx, signer)
		require.NoError(t, err)
		require.Zero(t, next, "a new signer starts at 0")
		for _, k := range []string{"a", "b"} {
			_, _, err := j.Create(ctx, rec(k, signer))
			require.NoError(t, err)
		}
		_, _, err = j.Create(ctx, rec("c", other))
		require.NoError(t, err)
		_, err = j.AssignNonce(ctx, "a", 4)
		require.NoError(t, err)
		_, err = j.AssignNonce(ctx, "b", 0)
		require.NoError(t, err)
		_, err = j.AssignNonce(ctx, "c", 4)
		require.NoError(t, err)
		got, err := j.ByNonce(ctx, signer, 5)
		require.NoError(t, err)
		require.Equal(t, "b", got.Key)
		_, err = j.ByNonce(ctx, signer, 3)
		require.ErrorIs(t, err, txmgr.ErrNotFound)
		next, err = j.NextNonce(ctx, signer)
		require.NoError(t, err)
		require.Equal(t, uint64(6), next)
	})
}
