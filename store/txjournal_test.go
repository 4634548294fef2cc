package store_test

import (
	"fmt"
	"math"
	"math/big"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

// The journal contract tests (journalTests) run against the store on both
// databases and against txmgr.MemJournal, the reference, so that the tests
// themselves are checked against the contract's other implementation.

var (
	signerA = common.HexToAddress("0x00000000000000000000000000000000000000a1")
	signerB = common.HexToAddress("0x00000000000000000000000000000000000000b2")
	target  = common.HexToAddress("0x00000000000000000000000000000000000000c3")
)

var journalTests = []struct {
	name string
	fn   func(*testing.T, txmgr.Journal)
}{
	{"CreateAndGet", journalCreateAndGet},
	{"AssignNonce", journalAssignNonce},
	{"Attempts", journalAttempts},
	{"Update", journalUpdate},
	{"Unfinished", journalUnfinished},
	{"Concurrency", journalConcurrency},
}

// openJournal is a migrated store's journal with a test clock.
func openJournal(t *testing.T, open func(testing.TB) *store.DB) (*store.DB, *store.TxJournal) {
	t.Helper()
	f := setup(t, open)
	j := f.db.TxJournal()
	j.Now = f.clock.Now
	return f.db, j
}

func testTxJournal(t *testing.T, open func(testing.TB) *store.DB) {
	for _, tt := range journalTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, j := openJournal(t, open)
			tt.fn(t, j)
		})
	}
}

// TestMemJournalContract runs the journal tests against the reference.
func TestMemJournalContract(t *testing.T) {
	t.Parallel()
	for _, tt := range journalTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, txmgr.NewMemJournal(newClock().Now))
		})
	}
}

func sendOf(key string, from common.Address) txmgr.Record {
	return txmgr.Record{Key: key, From: from, To: target, Data: []byte("call " + key), GasLimit: 90_000}
}

// wei returns 2^exp + add, which for exp >= 64 does not fit a uint64.
func wei(exp uint, add int64) *big.Int {
	b := new(big.Int).Lsh(big.NewInt(1), exp)
	return b.Add(b, big.NewInt(add))
}

// attemptOf is the n-th signed transaction of key.
func attemptOf(key string, n int) txmgr.Attempt {
	return txmgr.Attempt{
		Hash:      hashOf(fmt.Sprintf("%s/%d", key, n)),
		Raw:       []byte(fmt.Sprintf("\x02signed %s %d", key, n)),
		TipCap:    big.NewInt(int64(2_000_000_000 + n)),
		FeeCap:    wei(70, int64(n)),
		GasLimit:  21_000 + uint64(n),
		SentAt:    time.Date(2026, 3, 1, 10, 0, n, 0, time.UTC),
		SentBlock: 100 + uint64(n),
	}
}

// canon rebuilds the big integers of r, so that records compare by value
// with require.Equal whatever their internal representation.
func canon(r txmgr.Record) txmgr.Record {
	re := func(b *big.Int) *big.Int {
		if b == nil {
			return nil
		}
		c, _ := new(big.Int).SetString(b.String(), 10)
		return c
	}
	r.Attempts = slices.Clone(r.Attempts)
	for i := range r.Attempts {
		r.Attempts[i].TipCap, r.Attempts[i].FeeCap = re(r.Attempts[i].TipCap), re(r.Attempts[i].FeeCap)
	}
	if len(r.Attempts) == 0 {
		r.Attempts = nil
	}
	if r.Inclusion != nil {
		inc := *r.Inclusion
		inc.EffectiveGasPrice = re(inc.EffectiveGasPrice)
		r.Inclusion = &inc
	}
	return r
}

func canonAttempts(as []txmgr.Attempt) []txmgr.Attempt {
	return canon(txmgr.Record{Attempts: as}).Attempts
}

func getSend(t *testing.T, j txmgr.Journal, key string) txmgr.Record {
	t.Helper()
	r, err := j.Get(t.Context(), key)
	require.NoError(t, err)
	return canon(r)
}

func createSend(t *testing.T, j txmgr.Journal, key string, from common.Address) txmgr.Record {
	t.Helper()
	r, created, err := j.Create(t.Context(), sendOf(key, from))
	require.NoError(t, err)
	require.True(t, created, "send %s is new", key)
	return canon(r)
}

func assignNonce(t *testing.T, j txmgr.Journal, key string, floor uint64) uint64 {
	t.Helper()
	n, err := j.AssignNonce(t.Context(), key, floor)
	require.NoError(t, err)
	return n
}

func journalCreateAndGet(t *testing.T, j txmgr.Journal) {
	ctx := t.Context()
	// Create ignores phase, nonce, attempts and inclusion: a new send is
	// queued, without a nonce.
	rec := sendOf("anchor:1", signerA)
	rec.Phase, rec.Nonce, rec.HasNonce = txmgr.PhaseFinal, 7, true
	rec.Attempts = []txmgr.Attempt{attemptOf("anchor:1", 1)}
	rec.Inclusion = &txmgr.Inclusion{BlockNumber: 9}
	stored, created, err := j.Create(ctx, rec)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "anchor:1", stored.Key)
	require.Equal(t, signerA, stored.From)
	require.Equal(t, target, stored.To)
	require.Equal(t, []byte("call anchor:1"), stored.Data)
	require.Equal(t, uint64(90_000), stored.GasLimit)
	require.Equal(t, txmgr.PhaseQueued, stored.Phase)
	require.False(t, stored.HasNonce)
	require.Zero(t, stored.Nonce)
	require.Empty(t, stored.Attempts)
	require.Nil(t, stored.Inclusion)
	require.False(t, stored.CreatedAt.IsZero())
	require.Equal(t, stored.CreatedAt, stored.UpdatedAt)
	require.Equal(t, canon(stored), getSend(t, j, "anchor:1"))

	// A second Create of the key returns the stored send and changes
	// nothing, even if it asks for something else.
	other := sendOf("anchor:1", signerB)
	other.To, other.Data, other.GasLimit = signerB, []byte("other"), 1
	again, created, err := j.Create(ctx, other)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, canon(stored), canon(again))
	require.Equal(t, canon(stored), getSend(t, j, "anchor:1"))

	// Nil and empty call data read back as they were written.
	nilData := sendOf("nil-data", signerA)
	nilData.Data = nil
	_, _, err = j.Create(ctx, nilData)
	require.NoError(t, err)
	require.Nil(t, getSend(t, j, "nil-data").Data)
	empty := sendOf("empty-data", signerA)
	empty.Data = []byte{}
	_, _, err = j.Create(ctx, empty)
	require.NoError(t, err)
	got := getSend(t, j, "empty-data").Data
	require.NotNil(t, got)
	require.Empty(t, got)

	_, err = j.Get(ctx, "anchor:2")
	require.ErrorIs(t, err, txmgr.ErrNotFound)
	_, _, err = j.Create(ctx, sendOf("", signerA))
	require.Error(t, err)
}

func journalAssignNonce(t *testing.T, j txmgr.Journal) {
	ctx := t.Context()
	for _, k := range []string{"a1", "a2", "a3", "a4"} {
		createSend(t, j, k, signerA)
	}
	createSend(t, j, "b1", signerB)

	require.Equal(t, uint64(0), assignNonce(t, j, "a1", 0), "a new signer starts at 0")
	require.Equal(t, uint64(0), assignNonce(t, j, "a1", 50), "a send keeps its nonce, whatever the floor")
	require.Equal(t, uint64(1), assignNonce(t, j, "a2", 0))
	require.Equal(t, uint64(10), assignNonce(t, j, "a3", 10), "the floor wins when above the counter")
	require.Equal(t, uint64(11), assignNonce(t, j, "a4", 3), "the counter wins when above the floor")
	require.Equal(t, uint64(0), assignNonce(t, j, "b1", 0), "each signer has its own counter")

	before := getSend(t, j, "a3")
	require.True(t, before.HasNonce)
	require.Equal(t, uint64(10), before.Nonce)
	require.True(t, before.UpdatedAt.After(before.CreatedAt), "assigning a nonce sets the update time")

	// A later Create of the key returns the send with its nonce.
	again, created, err := j.Create(ctx, sendOf("a3", signerA))
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, before, canon(again))

	_, err = j.AssignNonce(ctx, "a5", 0)
	require.ErrorIs(t, err, txmgr.ErrNotFound)
	createSend(t, j, "a5", signerA)
	require.Equal(t, uint64(12), assignNonce(t, j, "a5", 0), "nonces handed out are never taken back")
}

func journalAttempts(t *testing.T, j txmgr.Journal) {
	ctx := t.Context()
	created := createSend(t, j, "k", signerA)
	assignNonce(t, j, "k", 4)
	first, second := attemptOf("k", 1), attemptOf("k", 2)
	second.Cancel = true
	require.NoError(t, j.AddAttempt(ctx, "k", first))
	require.NoError(t, j.AddAttempt(ctx, "k", second))
	afterTwo := getSend(t, j, "k")
	require.True(t, afterTwo.UpdatedAt.After(created.UpdatedAt))

	// The same hash again is a no-op, even with other fields.
	dup := attemptOf("k", 1)
	dup.Raw, dup.SentBlock = []byte("something else"), 999
	require.NoError(t, j.AddAttempt(ctx, "k", dup))
	got := getSend(t, j, "k")
	require.Equal(t, canonAttempts([]txmgr.Attempt{attemptOf("k", 1), second}), got.Attempts, "oldest first")
	require.Equal(t, afterTwo, got)
	require.True(t, got.HasNonce)
	require.Equal(t, uint64(4), got.Nonce)

	// The journal keeps its own copy of what it is given.
	first.Raw[0] = 0xff
	first.FeeCap.SetInt64(1)
	require.Equal(t, attemptOf("k", 1).Raw, getSend(t, j, "k").Attempts[0].Raw)
	require.Equal(t, 0, getSend(t, j, "k").Attempts[0].FeeCap.Cmp(wei(70, 1)))

	// Unknown fee caps read back as unknown.
	third := attemptOf("k", 3)
	third.TipCap, third.FeeCap = nil, nil
	require.NoError(t, j.AddAttempt(ctx, "k", third))
	got = getSend(t, j, "k")
	require.Len(t, got.Attempts, 3)
	require.Equal(t, canonAttempts([]txmgr.Attempt{third}), got.Attempts[2:])

	err := j.AddAttempt(ctx, "missing", attemptOf("missing", 1))
	require.ErrorIs(t, err, txmgr.ErrNotFound)
}

func journalUpdate(t *testing.T, j txmgr.Journal) {
	ctx := t.Context()
	createSend(t, j, "k", signerA)
	nonce := assignNonce(t, j, "k", 3)
	a := attemptOf("k", 1)
	require.NoError(t, j.AddAttempt(ctx, "k", a))
	before := getSend(t, j, "k")

	require.NoError(t, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseSubmitted, Reason: "network fee above cap", Tries: 2}))
	got := getSend(t, j, "k")
	require.Equal(t, txmgr.PhaseSubmitted, got.Phase)
	require.Equal(t, "network fee above cap", got.Reason)
	require.Equal(t, 2, got.Tries)
	require.Nil(t, got.Inclusion)
	require.True(t, got.UpdatedAt.After(before.UpdatedAt))
	require.Equal(t, nonce, got.Nonce, "Update leaves the nonce alone")
	require.True(t, got.HasNonce)
	require.Equal(t, before.Attempts, got.Attempts, "Update leaves the attempts alone")
	require.Equal(t, before.CreatedAt, got.CreatedAt)

	inc := &txmgr.Inclusion{
		TxHash: a.Hash, BlockNumber: 1234, BlockHash: hashOf("block 1234"),
		GasUsed: 48_211, EffectiveGasPrice: wei(65, 7),
	}
	require.NoError(t, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseIncluded, Inclusion: inc, Tries: 2}))
	got = getSend(t, j, "k")
	require.Equal(t, txmgr.PhaseIncluded, got.Phase)
	require.Equal(t, canon(txmgr.Record{Inclusion: inc}).Inclusion, got.Inclusion)
	require.Empty(t, got.Reason)

	// A reorg takes the send back to submitted, without inclusion.
	require.NoError(t, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseSubmitted}))
	got = getSend(t, j, "k")
	require.Nil(t, got.Inclusion)
	require.Zero(t, got.Tries)

	// An unknown gas price reads back as unknown.
	noPrice := *inc
	noPrice.EffectiveGasPrice = nil
	require.NoError(t, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseFinal, Inclusion: &noPrice}))
	final := getSend(t, j, "k")
	require.Equal(t, txmgr.PhaseFinal, final.Phase)
	require.Equal(t, &noPrice, final.Inclusion)

	// Terminal phases never change.
	for _, st := range []txmgr.Status{{Phase: txmgr.PhaseSubmitted}, {Phase: txmgr.PhaseFinal, Inclusion: inc}, {Phase: txmgr.PhaseFailed, Reason: "no"}} {
		require.Error(t, j.Update(ctx, "k", st))
	}
	require.Equal(t, final, getSend(t, j, "k"))

	createSend(t, j, "f", signerA)
	require.NoError(t, j.Update(ctx, "f", txmgr.Status{Phase: txmgr.PhaseFailed, Reason: "reverted", Tries: 5}))
	failed := getSend(t, j, "f")
	require.Equal(t, txmgr.PhaseFailed, failed.Phase)
	require.Equal(t, "reverted", failed.Reason)
	require.Equal(t, 5, failed.Tries)
	require.Error(t, j.Update(ctx, "f", txmgr.Status{Phase: txmgr.PhaseQueued}))
	require.Equal(t, failed, getSend(t, j, "f"))

	require.ErrorIs(t, j.Update(ctx, "missing", txmgr.Status{Phase: txmgr.PhaseSubmitted}), txmgr.ErrNotFound)
}

func keysOf(rs []txmgr.Record) []string {
	keys := []string{}
	for _, r := range rs {
		keys = append(keys, r.Key)
	}
	return keys
}

func journalUnfinished(t *testing.T, j txmgr.Journal) {
	ctx := t.Context()
	for _, k := range []string{"c1", "c2", "c3", "c4", "c5", "c6"} {
		createSend(t, j, k, signerA)
	}
	createSend(t, j, "b1", signerB)
	require.Equal(t, uint64(0), assignNonce(t, j, "c3", 0))
	require.Equal(t, uint64(1), assignNonce(t, j, "c2", 0))
	require.Equal(t, uint64(2), assignNonce(t, j, "c4", 0))
	require.Equal(t, uint64(7), assignNonce(t, j, "c5", 7))
	require.NoError(t, j.AddAttempt(ctx, "c2", attemptOf("c2", 1)))
	require.NoError(t, j.AddAttempt(ctx, "c2", attemptOf("c2", 2)))
	require.NoError(t, j.Update(ctx, "c2", txmgr.Status{Phase: txmgr.PhaseSubmitted}))
	require.NoError(t, j.Update(ctx, "c5", txmgr.Status{Phase: txmgr.PhaseIncluded,
		Inclusion: &txmgr.Inclusion{TxHash: hashOf("c5 tx"), BlockNumber: 5, BlockHash: hashOf("c5 block"), GasUsed: 1, EffectiveGasPrice: big.NewInt(3)}}))
	require.NoError(t, j.Update(ctx, "c4", txmgr.Status{Phase: txmgr.PhaseFinal}))
	require.NoError(t, j.Update(ctx, "c6", txmgr.Status{Phase: txmgr.PhaseFailed, Reason: "gave up"}))
	createSend(t, j, "c7", signerA)

	rs, err := j.Unfinished(ctx, signerA)
	require.NoError(t, err)
	require.Equal(t, []string{"c3", "c2", "c5", "c1", "c7"}, keysOf(rs), "by nonce, then the nonce-less by creation")
	for _, r := range rs {
		require.Equal(t, getSend(t, j, r.Key), canon(r), "Unfinished returns whole records")
	}
	require.Len(t, rs[1].Attempts, 2)

	rs, err = j.Unfinished(ctx, signerB)
	require.NoError(t, err)
	require.Equal(t, []string{"b1"}, keysOf(rs))
	rs, err = j.Unfinished(ctx, target)
	require.NoError(t, err)
	require.Empty(t, rs)
}

func journalConcurrency(t *testing.T, j txmgr.Journal) {
	ctx := t.Context()
	const sends = 24
	var wg sync.WaitGroup
	nonces := make([]uint64, sends)
	errs := make([]error, sends)
	for i := range sends {
		wg.Go(func() {
			key := fmt.Sprintf("send:%d", i)
			if _, _, err := j.Create(ctx, sendOf(key, signerA)); err != nil {
				errs[i] = err
				return
			}
			nonces[i], errs[i] = j.AssignNonce(ctx, key, 0)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	slices.Sort(nonces)
	want := make([]uint64, sends)
	for i := range want {
		want[i] = uint64(i)
	}
	require.Equal(t, want, nonces, "distinct and without gaps")

	// Concurrent Creates of one key make one send; concurrent AssignNonce
	// calls for it agree on one nonce.
	const callers = 8
	created := make([]bool, callers)
	stored := make([]txmgr.Record, callers)
	got := make([]uint64, callers)
	for i := range callers {
		wg.Go(func() {
			var err error
			stored[i], created[i], err = j.Create(ctx, sendOf("same", signerA))
			if err == nil {
				got[i], err = j.AssignNonce(ctx, "same", 0)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs[:callers] {
		require.NoError(t, err)
	}
	n := 0
	for i := range callers {
		if created[i] {
			n++
		}
		require.Equal(t, uint64(sends), got[i])
		require.Equal(t, "same", stored[i].Key)
		require.Equal(t, stored[0].CreatedAt, stored[i].CreatedAt, "one record")
	}
	require.Equal(t, 1, n, "exactly one Create made the send")
	rs, err := j.Unfinished(ctx, signerA)
	require.NoError(t, err)
	require.Len(t, rs, sends+1)
}

// testTxJournalErrors checks the store's error codes, beyond the contract.
func testTxJournalErrors(t *testing.T, open func(testing.TB) *store.DB) {
	_, j := openJournal(t, open)
	ctx := t.Context()

	_, err := j.Get(ctx, "missing")
	requireCode(t, ledger.ENOTFOUND, err)
	require.ErrorIs(t, err, txmgr.ErrNotFound)
	require.Contains(t, err.Error(), `no send with key "missing"`)
	_, err = j.AssignNonce(ctx, "missing", 0)
	requireCode(t, ledger.ENOTFOUND, err)
	require.ErrorIs(t, err, txmgr.ErrNotFound)
	err = j.AddAttempt(ctx, "missing", attemptOf("missing", 1))
	requireCode(t, ledger.ENOTFOUND, err)
	require.ErrorIs(t, err, txmgr.ErrNotFound)
	err = j.Update(ctx, "missing", txmgr.Status{Phase: txmgr.PhaseFailed})
	requireCode(t, ledger.ENOTFOUND, err)
	require.ErrorIs(t, err, txmgr.ErrNotFound)

	_, _, err = j.Create(ctx, sendOf("", signerA))
	requireCode(t, ledger.EINVALID, err)
	huge := sendOf("huge", signerA)
	huge.GasLimit = math.MaxUint64
	_, _, err = j.Create(ctx, huge)
	requireCode(t, ledger.EINVALID, err)
	neg := sendOf("neg", signerA)
	neg.Tries = -1
	_, _, err = j.Create(ctx, neg)
	requireCode(t, ledger.EINVALID, err)

	createSend(t, j, "k", signerA)
	_, err = j.AssignNonce(ctx, "k", math.MaxUint64)
	requireCode(t, ledger.EINVALID, err)
	require.False(t, getSend(t, j, "k").HasNonce, "a refused nonce is not taken")

	for _, bad := range []func(*txmgr.Attempt){
		func(a *txmgr.Attempt) { a.Hash = common.Hash{} },
		func(a *txmgr.Attempt) { a.Raw = nil },
		func(a *txmgr.Attempt) { a.TipCap = big.NewInt(-1) },
		func(a *txmgr.Attempt) { a.FeeCap = big.NewInt(-1) },
		func(a *txmgr.Attempt) { a.GasLimit = math.MaxUint64 },
	} {
		a := attemptOf("k", 1)
		bad(&a)
		requireCode(t, ledger.EINVALID, j.AddAttempt(ctx, "k", a))
	}
	require.Empty(t, getSend(t, j, "k").Attempts)

	// A transaction belongs to one send.
	createSend(t, j, "other", signerA)
	require.NoError(t, j.AddAttempt(ctx, "k", attemptOf("k", 1)))
	requireCode(t, ledger.ECONFLICT, j.AddAttempt(ctx, "other", attemptOf("k", 1)))
	require.Empty(t, getSend(t, j, "other").Attempts)

	requireCode(t, ledger.EINVALID, j.Update(ctx, "k", txmgr.Status{Phase: "mined"}))
	requireCode(t, ledger.EINVALID, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseSubmitted, Tries: -1}))
	requireCode(t, ledger.EINVALID, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseIncluded,
		Inclusion: &txmgr.Inclusion{EffectiveGasPrice: big.NewInt(-5)}}))
	require.Equal(t, txmgr.PhaseQueued, getSend(t, j, "k").Phase)

	require.NoError(t, j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseFailed, Reason: "gave up"}))
	err = j.Update(ctx, "k", txmgr.Status{Phase: txmgr.PhaseSubmitted})
	requireCode(t, ledger.ECONFLICT, err)
	require.Contains(t, ledger.ErrorMessage(err), "already failed")
}

// TestTxJournalSurvivesReopen checks that what the journal returned nil for
// is in the SQLite file after it is closed and opened again.
func TestTxJournalSurvivesReopen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "aartha.db")
	db, err := store.OpenSQLite(ctx, path)
	require.NoError(t, err)
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	j := db.TxJournal()
	j.Now = newClock().Now

	createSend(t, j, "anchor:1", signerA)
	require.Equal(t, uint64(5), assignNonce(t, j, "anchor:1", 5))
	require.NoError(t, j.AddAttempt(ctx, "anchor:1", attemptOf("anchor:1", 1)))
	require.NoError(t, j.AddAttempt(ctx, "anchor:1", attemptOf("anchor:1", 2)))
	require.NoError(t, j.Update(ctx, "anchor:1", txmgr.Status{Phase: txmgr.PhaseSubmitted, Reason: "replaced", Tries: 1}))
	createSend(t, j, "anchor:2", signerA)
	before := getSend(t, j, "anchor:1")
	require.NoError(t, db.Close())

	db, err = store.OpenSQLite(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	require.NoError(t, db.CheckSchema(ctx))
	j = db.TxJournal()
	after := getSend(t, j, "anchor:1")
	require.Equal(t, before, after)
	require.Len(t, after.Attempts, 2)
	require.Equal(t, canonAttempts([]txmgr.Attempt{attemptOf("anchor:1", 1), attemptOf("anchor:1", 2)}), after.Attempts)
	rs, err := j.Unfinished(ctx, signerA)
	require.NoError(t, err)
	require.Equal(t, []string{"anchor:1", "anchor:2"}, keysOf(rs))
	require.Equal(t, uint64(6), assignNonce(t, j, "anchor:2", 0), "the signer's counter survives too")
}
