package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// TestAuditChain runs the audit chain and user tests on every backend.
func TestAuditChain(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for name, fn := range map[string]func(*testing.T, func(testing.TB) *store.DB){
				"ConcurrentAppendsSealedIntoOneChain": testAuditChainConcurrent,
				"UnsealedTail":                        testAuditChainUnsealedTail,
				"EditDeleteTruncateDetected":          testAuditChainTamper,
				"GapSealedOver":                       testAuditChainGap,
				"LateRowIsAnAnomaly":                  testAuditChainLate,
				"ImpossibleIDsAreTampering":           testAuditChainImpossibleIDs,
				"VerifyDoesNotSeal":                   testAuditVerifyDoesNotSeal,
				"Users":                               testUsers,
			} {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					fn(t, b.open)
				})
			}
		})
	}
}

// sealAll seals every row the sealer can see, as if the grace period had
// passed for all of them.
func sealAll(t *testing.T, f *fixture) int {
	t.Helper()
	later := func() time.Time { return time.Now().Add(time.Hour) }
	n, err := store.NewAuditSealer(f.db, store.AuditSealerConfig{Now: later, Batch: 7}).Seal(f.ctx)
	require.NoError(t, err)
	return n
}

func (f *fixture) verify(t *testing.T) ledger.AuditChainReport {
	t.Helper()
	r, err := f.db.VerifyAuditChain(f.ctx)
	require.NoError(t, err)
	return r
}

// note appends an audit row of its own in a transaction that fn ends.
func (f *fixture) note(ctx context.Context, fn func() error) (int64, error) {
	var id int64
	err := f.db.InTx(ctx, func(tx ledger.Tx) error {
		e := &ledger.AuditEntry{At: time.Now(), Actor: f.admin, Action: "test.note", Entity: "test"}
		if err := tx.AppendAudit(ctx, e); err != nil {
			return err
		}
		id = e.ID
		return fn()
	})
	return id, err
}

func testAuditChainConcurrent(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	r := f.verify(t)
	require.Nil(t, r.Break, "an empty trail holds")

	// Sealers run while the appends do, as under `aartha serve`. On SQLite
	// a second one seals everything it sees at once (exact there); on
	// PostgreSQL a sealer without a grace period could pass over an id
	// whose transaction has not committed yet, so both keep one.
	sealer := store.NewAuditSealer(f.db, store.AuditSealerConfig{Interval: 5 * time.Millisecond, Grace: time.Second})
	sealer.Start(f.ctx)
	sealer.Start(f.ctx) // a second Start does nothing
	eagerGrace := time.Duration(-1)
	if f.db.Driver() == "postgres" {
		eagerGrace = time.Second
	}
	eager := store.NewAuditSealer(f.db, store.AuditSealerConfig{Interval: 3 * time.Millisecond, Grace: eagerGrace, Batch: 3})
	eager.Start(f.ctx)
	defer eager.Stop()
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("chain-%d", i)
	}
	f.create(t, ids...)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			_, err := f.svc.Approve(f.ctx, f.admin, id)
			require.NoError(t, err)
		})
	}
	wg.Wait()
	sealer.Stop()
	sealer.Stop() // safe twice
	eager.Stop()
	// Two sealers on the backlog at once, in small batches: the head lock
	// orders them, and each row is sealed once.
	later := func() time.Time { return time.Now().Add(time.Hour) }
	var sealed [2]int
	for i := range sealed {
		wg.Go(func() {
			var err error
			sealed[i], err = store.NewAuditSealer(f.db, store.AuditSealerConfig{Now: later, Batch: 3}).Seal(f.ctx)
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.Zero(t, sealAll(t, f), "the two sealed everything")

	r = f.verify(t)
	require.Nil(t, r.Break, "%+v", r.Break)
	require.EqualValues(t, 2*n, r.Rows)
	require.Zero(t, r.Unsealed)
	require.Zero(t, r.Late)
	require.Zero(t, r.Skipped)

	es := f.audit(t, ledger.AuditFilter{Limit: 2})
	require.Len(t, es[0].Hash, 32)
	require.Equal(t, es[1].Hash, es[0].PrevHash, "each row commits to the one before it")
	require.Equal(t, r.Head, fmt.Sprintf("%x", []byte(es[0].Hash)))
}

func testAuditChainUnsealedTail(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "u-1", "u-2")
	r := f.verify(t)
	require.Nil(t, r.Break)
	require.Zero(t, r.Rows)
	require.EqualValues(t, 2, r.Unsealed, "appended rows wait for the sealer")
	require.Empty(t, f.audit(t, ledger.AuditFilter{Limit: 1})[0].Hash)

	n, err := f.db.SealAudit(f.ctx)
	require.NoError(t, err)
	if f.db.Driver() == "postgres" {
		require.Zero(t, n, "rows younger than the grace period are not sealed yet")
	} else {
		require.Equal(t, 2, n, "on SQLite every committed row is settled")
	}
	sealAll(t, f)
	r = f.verify(t)
	require.Nil(t, r.Break)
	require.EqualValues(t, 2, r.Rows)
	require.Zero(t, r.Unsealed)
	require.Zero(t, sealAll(t, f), "nothing left to seal")
}

func testAuditChainTamper(t *testing.T, open func(testing.TB) *store.DB) {
	cases := []struct {
		name, sql, want string
	}{
		{"edit", "UPDATE audit_log SET actor_id = 'mallory@example.com' WHERE id = 3", "row 3 was changed"},
		{"delete", "DELETE FROM audit_log WHERE id = 3", "row 4 does not follow row 2"},
		{"truncate", "DELETE FROM audit_log WHERE id >= 5", "rows were removed from the end"},
		{"delete seal", "DELETE FROM audit_seal WHERE id = 2", "row 3 does not follow row 1"},
		{"edit seal", "UPDATE audit_seal SET hash = prev_hash WHERE id = 6", "row 6 was changed"},
		{"edit head", "UPDATE audit_head SET skipped = 4", "the head was edited"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			f.create(t, "t-1", "t-2", "t-3")
			for _, id := range []string{"t-1", "t-2", "t-3"} {
				_, err := f.svc.Approve(f.ctx, f.admin, id)
				require.NoError(t, err)
			}
			require.Equal(t, 6, sealAll(t, f))
			r := f.verify(t)
			require.Nil(t, r.Break)
			require.EqualValues(t, 6, r.Rows)
			_, err := f.db.SQLDB().ExecContext(f.ctx, c.sql)
			require.NoError(t, err)
			r = f.verify(t)
			require.NotNil(t, r.Break)
			require.Contains(t, r.Break.Reason, c.want)
		})
	}
}

// testAuditChainGap: ids missing when the sealer passes are sealed over and
// counted; the same ids missing later (a sealed row deleted) break it.
func testAuditChainGap(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "g-1", "g-2", "g-3")
	boom := errors.New("boom")
	_, err := f.note(f.ctx, func() error { return boom })
	require.ErrorIs(t, err, boom)
	_, err = f.svc.Approve(f.ctx, f.admin, "g-1")
	require.NoError(t, err)
	// A row deleted before it was sealed is, to the sealer, a gap too.
	_, err = f.db.SQLDB().ExecContext(f.ctx, "DELETE FROM audit_log WHERE id = 2")
	require.NoError(t, err)

	sealAll(t, f)
	r := f.verify(t)
	require.Nil(t, r.Break, "%+v", r.Break)
	require.EqualValues(t, 3, r.Rows)
	wantSkipped := int64(1) // the deleted row
	if f.db.Driver() == "postgres" {
		wantSkipped++ // the id the rolled-back transaction took (SQLite reuses it)
	}
	require.Equal(t, wantSkipped, r.Skipped)
	require.Zero(t, r.Late)
}

// testAuditChainLate: a row that turns up below the head after the sealer
// passed over its id is reported, and the chain still holds.
func testAuditChainLate(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "l-1", "l-2")
	var lateID, sealed int64
	if f.db.Driver() == "postgres" {
		// A transaction stays open after appending while a later one
		// commits and is sealed.
		release, done := make(chan struct{}), make(chan error)
		go func() {
			_, err := f.note(f.ctx, func() error {
				<-release
				return nil
			})
			done <- err
		}()
		// Wait for the open transaction's row to take its id.
		require.Eventually(t, func() bool {
			var last int64
			require.NoError(t, f.db.SQLDB().QueryRowContext(f.ctx, "SELECT last_value FROM audit_log_id_seq").Scan(&last))
			return last == 3
		}, 5*time.Second, 10*time.Millisecond)
		lateID, sealed = 3, 3
		_, err := f.svc.Approve(f.ctx, f.admin, "l-1")
		require.NoError(t, err)
		require.Equal(t, 3, sealAll(t, f), "rows 1, 2 and 4")
		close(release)
		require.NoError(t, <-done)
	} else {
		// SQLite has one writer: put a row by hand into a gap already
		// sealed over.
		_, err := f.svc.Approve(f.ctx, f.admin, "l-1")
		require.NoError(t, err)
		_, err = f.db.SQLDB().ExecContext(f.ctx, "DELETE FROM audit_log WHERE id = 2")
		require.NoError(t, err)
		sealAll(t, f)
		_, err = f.db.SQLDB().ExecContext(f.ctx, `INSERT INTO audit_log (id, at, actor_id, actor_role, actor_addr, action, entity, entity_id)
			VALUES (2, '2026-03-01T09:00:00.000000Z', 'mallory@example.com', 'admin', 'cli', 'loan.create', 'loan', 'l-9')`)
		require.NoError(t, err)
		lateID, sealed = 2, 2
	}
	require.Zero(t, sealAll(t, f), "the sealer does not go back")
	r := f.verify(t)
	require.Nil(t, r.Break, "%+v", r.Break)
	require.Equal(t, sealed, r.Rows)
	require.EqualValues(t, 1, r.Skipped)
	require.EqualValues(t, 1, r.Late)
	require.Equal(t, []int64{lateID}, r.LateIDs)
}
func testUsers(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	n, err := f.db.CountUsers(f.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	hash, err := ledger.HashPassword("correct horse battery")
	require.NoError(t, err)
	u := &ledger.User{Email: "Ada@Example.com", Role: ledger.RoleOperator, PasswordHash: hash}
	require.NoError(t, f.db.CreateUser(f.ctx, ledger.CLIActor("root"), u))
	require.NotZero(t, u.ID)
	require.Equal(t, "ada@example.com", u.Email)

	got, err := f.db.UserByEmail(f.ctx, "ADA@example.com")
	require.NoError(t, err)
	require.Equal(t, ledger.RoleOperator, got.Role)
	require.True(t, ledger.CheckPassword(got.PasswordHash, "correct horse battery"))

	requireCode(t, ledger.ECONFLICT, f.db.CreateUser(f.ctx, ledger.CLIActor("root"), &ledger.User{Email: "ada@example.com", Role: ledger.RoleAdmin, PasswordHash: hash}))
	requireCode(t, ledger.EINVALID, f.db.CreateUser(f.ctx, ledger.CLIActor("root"), &ledger.User{Email: "nope", Role: ledger.RoleAdmin, PasswordHash: hash}))
	_, err = f.db.UserByEmail(f.ctx, "bob@example.com")
	requireCode(t, ledger.ENOTFOUND, err)

	es := f.audit(t, ledger.AuditFilter{Entity: "user"})
	require.Len(t, es, 1)
	require.NotContains(t, string(es[0].After), "$2a$", "no password hash in the trail")
	r, err := f.db.VerifyAuditChain(f.ctx)
	require.NoError(t, err)
	require.Nil(t, r.Break)
}

// TestAuditChainUpgrade: a trail chained as it was written (before
// migration 0006, ledger.AuditHash) continues into the sealed chain, and
// both parts are checked.
func TestAuditChainUpgrade(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := b.open(t)
			old := migrationSet(t, db, nil)
			for name := range old {
				if strings.Contains(name, "0006_") || strings.Contains(name, "0007_") || strings.Contains(name, "0008_") || strings.Contains(name, "0009_") {
					delete(old, name)
				}
			}
			db.SetMigrations(old)
			_, err := db.Migrate(ctx)
			require.NoError(t, err)

			// Two rows appended the old way: chained in audit_log, head moved.
			ph := func(n int) string {
				if db.Driver() == "postgres" {
					return fmt.Sprintf("$%d", n)
				}
				return "?"
			}
			at := ledger.AuditTime(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
			prev := make([]byte, ledger.AuditHashSize)
			for i := range 2 {
				e := &ledger.AuditEntry{At: at, Actor: ledger.CLIActor("ops"), Action: "test.old", Entity: "test", EntityID: fmt.Sprint(i)}
				d, err := ledger.AuditDigest(e)
				require.NoError(t, err)
				hash := ledger.AuditHash(prev, d)
				var atArg any = at
				if db.Driver() == "sqlite" {
					atArg = at.Format("2006-01-02T15:04:05.000000Z")
				}
				var id int64
				require.NoError(t, db.SQLDB().QueryRowContext(ctx, fmt.Sprintf(
					`INSERT INTO audit_log (at, actor_id, actor_role, actor_addr, action, entity, entity_id, prev_hash, hash)
					VALUES (%s, 'ops', 'admin', 'cli', 'test.old', 'test', %s, %s, %s) RETURNING id`, ph(1), ph(2), ph(3), ph(4)),
					atArg, e.EntityID, prev, hash).Scan(&id))
				_, err = db.SQLDB().ExecContext(ctx, fmt.Sprintf("UPDATE audit_head SET hash = %s, last_id = %s", ph(1), ph(2)), hash, id)
				require.NoError(t, err)
				prev = hash
			}

			db.SetMigrations(store.MigrationsFS)
			applied, err := db.Migrate(ctx)
			require.NoError(t, err)
			require.Equal(t, []string{"0006_audit_seal.sql", "0007_maintenance.sql", "0008_sessions.sql", "0009_personal_data.sql"}, applied)
			c := newClock()
			f := &fixture{ctx: ctx, db: db, svc: &ledger.LoanService{Store: db, Now: c.Now, Rand: newDetRand()}, clock: c, admin: ledger.CLIActor("ops")}
			f.create(t, "up-1")
			_, err = f.svc.Approve(ctx, f.admin, "up-1")
			require.NoError(t, err)
			require.Equal(t, 2, sealAll(t, f))

			r := f.verify(t)
			require.Nil(t, r.Break, "%+v", r.Break)
			require.EqualValues(t, 4, r.Rows, "two chained as written, two sealed")
			es := f.audit(t, ledger.AuditFilter{Limit: 3})
			require.Equal(t, prev, []byte(es[1].PrevHash), "the first sealed row follows the last row chained as written")

			_, err = db.SQLDB().ExecContext(ctx, "UPDATE audit_log SET entity_id = 'x' WHERE id = 1")
			require.NoError(t, err)
			r = f.verify(t)
			require.NotNil(t, r.Break)
			require.Contains(t, r.Break.Reason, "row 1 was changed")
		})
	}
}

// testAuditChainImpossibleIDs puts rows with ids 0 and -5 into the trail
// by hand (issue 20: they were reported as "from before the chain
// existed"): the chain is reported broken, naming them.
func testAuditChainImpossibleIDs(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "l-1")
	sealAll(t, f)
	require.Nil(t, f.verify(t).Break)
	overriding := ""
	if f.db.Driver() == "postgres" {
		overriding = "OVERRIDING SYSTEM VALUE" // what someone with write access to the database can say
	}
	for _, id := range []int{0, -5} {
		_, err := f.db.SQLDB().ExecContext(f.ctx, fmt.Sprintf(`INSERT INTO audit_log (id, at, actor_id, actor_role, actor_addr, action, entity, entity_id)
			`+overriding+` VALUES (%d, '2026-03-01T09:00:00.000000Z', 'mallory@example.com', 'admin', 'cli', 'loan.create', 'loan', 'l-9')`, id))
		require.NoError(t, err)
	}
	r := f.verify(t)
	require.NotNil(t, r.Break)
	require.EqualValues(t, -5, r.Break.ID)
	require.Contains(t, r.Break.Reason, "2 audit rows have ids below 1")
	require.Zero(t, r.Legacy)
}

// testAuditVerifyDoesNotSeal appends a forged row at the end of a sealed
// trail: verifying does not seal it (issue 20: verify sealed it and then
// reported the trail as holding it), so it stays outside the proven part.
func testAuditVerifyDoesNotSeal(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "l-1", "l-2")
	sealAll(t, f)
	before := f.verify(t)
	require.Nil(t, before.Break)
	_, err := f.db.SQLDB().ExecContext(f.ctx, `INSERT INTO audit_log (at, actor_id, actor_role, actor_addr, action, entity, entity_id)
		VALUES ('2026-03-01T09:00:00.000000Z', 'mallory@example.com', 'admin', 'cli', 'loan.create', 'loan', 'l-9')`)
	require.NoError(t, err)
	for range 2 {
		r := f.verify(t)
		require.Nil(t, r.Break)
		require.Equal(t, before.Rows, r.Rows, "the forged row is not counted as proven")
		require.Equal(t, before.Head, r.Head, "verifying moved no head")
		require.EqualValues(t, 1, r.Unsealed)
	}
}
