package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// TestAuditKeyed runs the keyed-seal and checkpoint tamper tests (issue
// 20, point 5) on every backend.
func TestAuditKeyed(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for name, fn := range map[string]func(*testing.T, func(testing.TB) *store.DB){
				"ForgedRowSealedWithoutKey":         testAuditForgedRowUnkeyed,
				"EditResealedUnkeyed":               testAuditEditResealedUnkeyed,
				"CutOverMovedUp":                    testAuditCutOverMoved,
				"WrongKey":                          testAuditWrongKey,
				"CheckpointHolds":                   testAuditCheckpointHolds,
				"TailCutBelowCheckpoint":            testAuditTailCutBelowCheckpoint,
				"RewrittenBelowCheckpoint":          testAuditRewrittenBelowCheckpoint,
				"CheckpointTakenOncePerHead":        testAuditCheckpointOncePerHead,
				"CheckpointKeysAreKnownToReconcile": testAuditCheckpointKeys,
			} {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					fn(t, b.open)
				})
			}
		})
	}
}

var testSealKey = []byte("0123456789abcdef0123456789abcdef-test-seal-key")

// keyedSetup is setup with a seal key and three approved loans, sealed:
// rows 1..6, all keyed (the cut-over is at row 0).
func keyedSetup(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	f := setup(t, open)
	f.db.SetAuditSealKey(testSealKey)
	f.create(t, "k-1", "k-2", "k-3")
	for _, id := range []string{"k-1", "k-2", "k-3"} {
		_, err := f.svc.Approve(f.ctx, f.admin, id)
		require.NoError(t, err)
	}
	require.Equal(t, 6, sealAll(t, f))
	r := f.verify(t)
	require.Nil(t, r.Break, "%+v", r.Break)
	require.EqualValues(t, 6, r.Rows)
	require.Zero(t, r.Unkeyed)
	return f
}

// exec runs SQL written with ? placeholders on either database.
func (f *fixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if f.db.Driver() == "postgres" {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	_, err := f.db.SQLDB().ExecContext(f.ctx, q, args...)
	require.NoError(t, err)
}

// rows returns the whole trail in id order.
func (f *fixture) rows(t *testing.T) []ledger.AuditEntry {
	t.Helper()
	es := f.audit(t, ledger.AuditFilter{Limit: 1000})
	slices.SortFunc(es, func(a, b ledger.AuditEntry) int { return int(a.ID - b.ID) })
	return es
}

// resealUnkeyed does what someone with write access to the database but
// not the key can: seal rows from id on again with the unkeyed scheme,
// following the row before them, and move the head to the result.
func (f *fixture) resealUnkeyed(t *testing.T, from int64) {
	t.Helper()
	prev := make([]byte, ledger.AuditHashSize)
	var last int64
	for _, e := range f.rows(t) {
		if e.ID < from {
			if len(e.Hash) > 0 {
				prev, last = e.Hash, e.ID
			}
			continue
		}
		d, err := ledger.AuditDigest(&e)
		require.NoError(t, err)
		h := ledger.AuditSealHash(prev, d, e.ID)
		f.exec(t, "DELETE FROM audit_seal WHERE id = ?", e.ID)
		f.exec(t, "INSERT INTO audit_seal (id, prev_hash, hash) VALUES (?, ?, ?)", e.ID, prev, h)
		prev, last = h, e.ID
	}
	f.exec(t, "UPDATE audit_head SET hash = ?, last_id = ? WHERE id = 1", prev, last)
}

// testAuditForgedRowUnkeyed appends a forged row at the end and seals it
// the old way, without the key: verify finds it.
func testAuditForgedRowUnkeyed(t *testing.T, open func(testing.TB) *store.DB) {
	f := keyedSetup(t, open)
	f.exec(t, `INSERT INTO audit_log (at, actor_id, actor_role, actor_addr, action, entity, entity_id)
		VALUES (?, 'mallory@example.com', 'admin', 'cli', 'loan.approve', 'loan', 'k-9')`, "2026-03-01T09:00:00.000000Z")
	if f.db.Driver() == "postgres" {
		f.exec(t, "UPDATE audit_log SET at = '2026-03-01T09:00:00Z' WHERE id = 7")
	}
	f.resealUnkeyed(t, 7)
	r := f.verify(t)
	require.NotNil(t, r.Break)
	require.EqualValues(t, 7, r.Break.ID)
	require.Contains(t, r.Break.Reason, "row 7 was sealed without the seal key")
}

// testAuditEditResealedUnkeyed edits a sealed row and re-seals it and
// every row after it with the unkeyed scheme: verify finds it.
func testAuditEditResealedUnkeyed(t *testing.T, open func(testing.TB) *store.DB) {
	f := keyedSetup(t, open)
	f.exec(t, "UPDATE audit_log SET actor_id = 'mallory@example.com' WHERE id = 3")
	f.resealUnkeyed(t, 3)
	r := f.verify(t)
	require.NotNil(t, r.Break)
	require.EqualValues(t, 3, r.Break.ID)
	require.Contains(t, r.Break.Reason, "row 3 was sealed without the seal key")
}

// testAuditCutOverMoved re-seals unkeyed and moves the cut-over up so that
// the rows look like old unkeyed ones: the cut-over's mark gives it away.
func testAuditCutOverMoved(t *testing.T, open func(testing.TB) *store.DB) {
	f := keyedSetup(t, open)
	f.exec(t, "UPDATE audit_log SET actor_id = 'mallory@example.com' WHERE id = 3")
	f.resealUnkeyed(t, 1)
	f.exec(t, "UPDATE audit_head SET keyed_from = 6 WHERE id = 1")
	r := f.verify(t)
	require.NotNil(t, r.Break)
	require.Contains(t, r.Break.Reason, "cut-over to keyed seals (after row 6) is not signed by this seal key")

	// Without a cut-over at all the rows pass as unkeyed, old ones: only
	// a checkpoint anchored above them proves them (see
	// RewrittenBelowCheckpoint); the report says how many rows that is.
	f.exec(t, "UPDATE audit_head SET keyed_from = NULL, keyed_mark = NULL WHERE id = 1")
	r = f.verify(t)
	require.Nil(t, r.Break)
	require.EqualValues(t, 6, r.Unkeyed)
	require.Nil(t, r.Checkpoint)
}

// testAuditWrongKey: a verifier with another key refuses the trail, and a
// sealer with another key refuses to seal.
func testAuditWrongKey(t *testing.T, open func(testing.TB) *store.DB) {
	f := keyedSetup(t, open)
	f.db.SetAuditSealKey([]byte("another key, 32 bytes or more, not the one"))
	r := f.verify(t)
	require.NotNil(t, r.Break)
	require.Contains(t, r.Break.Reason, "is not signed by this seal key")
	f.create(t, "k-4")
	_, err := store.NewAuditSealer(f.db, store.AuditSealerConfig{Now: func() time.Time { return time.Now().Add(time.Hour) }}).Seal(f.ctx)
	require.ErrorContains(t, err, "AARTHA_AUDIT_SEAL_KEY is not the key the trail was sealed with")
}

// anchor takes a checkpoint and records it final, as the audit anchorer
// does once the chain has it.
func (f *fixture) anchor(t *testing.T) *ledger.AuditCheckpoint {
	t.Helper()
	salt, err := ledger.NewSalt(newDetRand())
	require.NoError(t, err)
	cp, created, err := f.db.TakeAuditCheckpoint(f.ctx, f.clock.Now(), salt)
	require.NoError(t, err)
	require.True(t, created)
	require.NoError(t, f.db.RecordAuditCheckpointProgress(f.ctx, cp.Seq, "eip155:1337", common.HexToAddress("0x1"),
		ledger.SendUpdate{Status: ledger.AnchorFinal, TxHash: common.HexToHash("0xaa"), BlockNumber: 7, BlockHash: common.HexToHash("0xbb")}))
	got, err := f.db.AuditCheckpoint(f.ctx, cp.Seq)
	require.NoError(t, err)
	require.Equal(t, ledger.AnchorFinal, got.Status)
	return got
}

// testAuditCheckpointHolds: a clean trail with a checkpoint holds, names
// the checkpoint, and goes on holding as rows are added after it.
func testAuditCheckpointHolds(t *testing.T, open func(testing.TB) *store.DB) {
	f := keyedSetup(t, open)
	cp := f.anchor(t)
	require.EqualValues(t, 1, cp.Seq)
	require.EqualValues(t, 6, cp.LastID)
	f.create(t, "k-4")
	sealAll(t, f)
	r := f.verify(t)
	require.Nil(t, r.Break, "%+v", r.Break)
	require.NotNil(t, r.Checkpoint)
	require.EqualValues(t, 1, r.Checkpoint.Seq)
	require.EqualValues(t, 6, r.Checkpoint.LastID)
	require.EqualValues(t, 7, r.Rows)

	// Its receipt is an ordinary receipt that checks out offline.
	rc, err := r.Checkpoint.Receipt()
	require.NoError(t, err)
	require.Equal(t, "aartha.audit/1", rc.LoanID)
	raw, err := rc.MarshalJSON()
	require.NoError(t, err)
	parsed, err := ledger.ParseReceipt(raw)
	require.NoError(t, err)
	_, err = parsed.CheckOffline()
	require.NoError(t, err)
}

// testAuditTailCutBelowCheckpoint cuts the tail and rewinds the head below
// an anchored checkpoint, consistently: without the checkpoint the trail
// would hold; with it, verify finds the cut.
func testAuditTailCutBelowCheckpoint(t *testing.T, open func(testing.TB) *store.DB) {
	f := keyedSetup(t, open)
	f.anchor(t)
	es := f.rows(t)
	f.exec(t, "DELETE FROM audit_log WHERE id > 4")
	f.exec(t, "DELETE FROM audit_seal WHERE id > 4")
	f.exec(t, "UPDATE audit_head SET hash = ?, last_id = 4 WHERE id = 1", []byte(es[3].Hash))
	r := f.verify(t)
	require.NotNil(t, r.Break)
	require.Contains(t, r.Break.Reason, "rows were cut off below an anchored checkpoint")

	// Deleting the checkpoint's rows too is what `aartha audit verify`
	// catches on chain (the receipt of checkpoint 1 still verifies) and
	// reconcile reports (an unknown write); the store alone then holds.
	f.exec(t, "DELETE FROM audit_checkpoint")
	require.Nil(t, f.verify(t).Break)
}

// testAuditRewrittenBelowCheckpoint rewrites the trail below a checkpoint
// with a consistent, unkeyed chain and no cut-over: the checkpoint's head
// no longer matches.
func testAuditRewrittenBelowCheckpoint(t *testing.T, open func(testing.TB) *store.DB) {
	f := keyedSetup(t, open)
	f.anchor(t)
	f.exec(t, "UPDATE audit_log SET actor_id = 'mallory@example.com' WHERE id = 2")
	f.resealUnkeyed(t, 1)
	f.exec(t, "UPDATE audit_head SET keyed_from = NULL, keyed_mark = NULL WHERE id = 1")
	r := f.verify(t)
	require.NotNil(t, r.Break)
	require.EqualValues(t, 6, r.Break.ID)
	require.Contains(t, r.Break.Reason, "anchored checkpoint 1 says")
}

// testAuditCheckpointOncePerHead: an idle trail is not checkpointed twice;
// a failed checkpoint is taken again.
func testAuditCheckpointOncePerHead(t *testing.T, open func(testing.TB) *store.DB) {
	f := keyedSetup(t, open)
	salt := make([]byte, ledger.SaltSize)
	a, created, err := f.db.TakeAuditCheckpoint(f.ctx, f.clock.Now(), salt)
	require.NoError(t, err)
	require.True(t, created)
	b, created, err := f.db.TakeAuditCheckpoint(f.ctx, f.clock.Now(), salt)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, a.Seq, b.Seq)
	pending, err := f.db.PendingAuditCheckpoints(f.ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.NoError(t, f.db.FailAuditCheckpoint(f.ctx, a.Seq, "reverted"))
	c, created, err := f.db.TakeAuditCheckpoint(f.ctx, f.clock.Now(), salt)
	require.NoError(t, err)
	require.True(t, created)
	require.EqualValues(t, 2, c.Seq)
	_, _, err = f.db.TakeAuditCheckpoint(f.ctx, f.clock.Now(), salt[:5])
	requireCode(t, ledger.EINVALID, err)
	// Not anchored: verify names no checkpoint.
	require.Nil(t, f.verify(t).Checkpoint)
}

// testAuditCheckpointKeys: reconcile's list of our direct records holds
// the checkpoints' keys.
func testAuditCheckpointKeys(t *testing.T, open func(testing.TB) *store.DB) {
	f := keyedSetup(t, open)
	f.anchor(t)
	keys, err := f.db.AnchorKeys(f.ctx)
	require.NoError(t, err)
	require.True(t, keys[ledger.RecordKey{LoanKey: ledger.LoanKey("aartha.audit/1"), Kind: ledger.KindApproved}])
}
