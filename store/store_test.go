package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	"github.com/stretchr/testify/require"
)

// TestConformance runs the one store test suite against every backend.
func TestConformance(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			runConformance(t, b.open)
		})
	}
}

func runConformance(t *testing.T, open func(testing.TB) *store.DB) {
	tests := []struct {
		name string
		fn   func(*testing.T, func(testing.TB) *store.DB)
	}{
		{"MigrateAndCheckSchema", testMigrate},
		{"ConcurrentMigrate", testConcurrentMigrate},
		{"FailingMigrationLeavesNothing", testFailingMigration},
		{"NewerOrChangedSchema", testNewerOrChangedSchema},
		{"LoanRoundTrip", testLoanRoundTrip},
		{"DuplicateAndMissing", testDuplicateAndMissing},
		{"Lifecycle", testLifecycle},
		{"IllegalTransitionChangesNothing", testIllegalTransition},
		{"AuditFailureRollsBack", testAuditFailureRollsBack},
		{"TxErrorsRollBack", testTxErrorsRollBack},
		{"UpdateCopiesValues", testUpdateCopiesValues},
		{"ConcurrentApprovals", testConcurrentApprovals},
		{"LoanPages", testLoanPages},
		{"LoanFilterErrors", testLoanFilterErrors},
		{"ChainFields", testChainFields},
		{"AuditFilters", testAuditFilters},
		{"AnchorRoundTrip", testAnchorRoundTrip},
		{"AnchorDuplicateAndMissing", testAnchorDuplicateAndMissing},
		{"AnchorJobHook", testAnchorJobHook},
		{"AnchorFilters", testAnchorFilters},
		{"Batches", testBatches},
		{"ConcurrentAnchorUpdates", testConcurrentAnchorUpdates},
		{"TxJournal", testTxJournal},
		{"TxJournalErrors", testTxJournalErrors},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

func testMigrate(t *testing.T, open func(testing.TB) *store.DB) {
	ctx := t.Context()
	db := open(t)

	err := db.CheckSchema(ctx)
	requireCode(t, ledger.EUNAVAILABLE, err)
	require.Contains(t, ledger.ErrorMessage(err), fmt.Sprintf("database schema is at version 0 but this binary needs %d: run `aartha migrate`", len(allMigrations)))

	applied, err := db.Migrate(ctx)
	require.NoError(t, err)
	require.Equal(t, allMigrations, applied)
	require.NoError(t, db.CheckSchema(ctx))

	applied, err = db.Migrate(ctx)
	require.NoError(t, err)
	require.Empty(t, applied, "a second migrate has nothing to do")
	have, want, err := db.SchemaVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, [2]int{len(allMigrations), len(allMigrations)}, [2]int{have, want})
}

// allMigrations are the embedded migrations, in order.
var allMigrations = []string{"0001_init.sql", "0002_anchoring.sql", "0003_tx_journal.sql", "0004_users_audit_chain.sql", "0005_reconcile_runs.sql", "0006_audit_seal.sql", "0007_maintenance.sql", "0008_sessions.sql", "0009_personal_data.sql", "0010_audit_keyed_anchored.sql", "0011_pii_keyring.sql"}

// nextMigration names a migration after the embedded ones (tests add it).
func nextMigration(name string) string { return fmt.Sprintf("%04d_%s.sql", len(allMigrations)+1, name) }

func testConcurrentMigrate(t *testing.T, open func(testing.TB) *store.DB) {
	ctx := t.Context()
	db := open(t)
	var wg sync.WaitGroup
	results := make([][]string, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = db.Migrate(ctx) })
	}
	wg.Wait()
	var total []string
	for i := range results {
		require.NoError(t, errs[i])
		total = append(total, results[i]...)
	}
	// Runs interleave (one may apply 0001 and 0002, another 0003), so only
	// the set is fixed.
	require.ElementsMatch(t, allMigrations, total, "each migration is applied exactly once")
	require.NoError(t, db.CheckSchema(ctx))
}

// migrationSet is the embedded migrations of db's dialect plus extra files.
func migrationSet(t *testing.T, db *store.DB, extra map[string]string) fstest.MapFS {
	t.Helper()
	dir := db.MigrationsDir()
	set := fstest.MapFS{}
	entries, err := fs.ReadDir(store.MigrationsFS, dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := fs.ReadFile(store.MigrationsFS, path.Join(dir, e.Name()))
		require.NoError(t, err)
		set[path.Join(dir, e.Name())] = &fstest.MapFile{Data: b}
	}
	for name, sql := range extra {
		set[path.Join(dir, name)] = &fstest.MapFile{Data: []byte(sql)}
	}
	return set
}

func testFailingMigration(t *testing.T, open func(testing.TB) *store.DB) {
	ctx := t.Context()
	db := open(t)

	// A later migration that creates a table, writes a row, then fails.
	broken := nextMigration("broken")
	db.SetMigrations(migrationSet(t, db, map[string]string{
		broken: "CREATE TABLE half_done (x INTEGER);\nINSERT INTO half_done (x) VALUES (1);\nTHIS IS NOT SQL;",
	}))
	applied, err := db.Migrate(ctx)
	require.Error(t, err)
	require.Contains(t, err.Error(), "migration "+broken+" failed, nothing of it was kept")
	require.Equal(t, allMigrations, applied)

	err = db.CheckSchema(ctx)
	requireCode(t, ledger.EUNAVAILABLE, err)
	require.Contains(t, ledger.ErrorMessage(err), fmt.Sprintf("at version %d but this binary needs %d", len(allMigrations), len(allMigrations)+1))

	// The fixed migration creates the same table: it succeeds only if the
	// failed one left nothing behind.
	db.SetMigrations(migrationSet(t, db, map[string]string{
		broken: "CREATE TABLE half_done (x INTEGER);",
	}))
	applied, err = db.Migrate(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{broken}, applied)
	require.NoError(t, db.CheckSchema(ctx))

	// A first migration that fails half-way leaves an empty database.
	db2 := open(t)
	db2.SetMigrations(fstest.MapFS{
		path.Join(db2.MigrationsDir(), "0001_init.sql"): {Data: []byte("CREATE TABLE loans (id TEXT);\nSELECT * FROM no_such_table;")},
	})
	_, err = db2.Migrate(ctx)
	require.Error(t, err)
	db2.SetMigrations(store.MigrationsFS)
	applied, err = db2.Migrate(ctx)
	require.NoError(t, err, "the real loans table can be created: the broken one was rolled back")
	require.Equal(t, allMigrations, applied)
}

func testNewerOrChangedSchema(t *testing.T, open func(testing.TB) *store.DB) {
	ctx := t.Context()
	db := open(t)
	db.SetMigrations(migrationSet(t, db, map[string]string{nextMigration("later"): "CREATE TABLE later (x INTEGER);"}))
	_, err := db.Migrate(ctx)
	require.NoError(t, err)

	// This binary only knows the embedded migrations.
	db.SetMigrations(store.MigrationsFS)
	err = db.CheckSchema(ctx)
	requireCode(t, ledger.EUNAVAILABLE, err)
	require.Contains(t, ledger.ErrorMessage(err), fmt.Sprintf("at version %d, newer than this binary", len(allMigrations)+1))
	_, err = db.Migrate(ctx)
	requireCode(t, ledger.EUNAVAILABLE, err)

	// Migration 1 was edited after it was applied.
	db3 := open(t)
	_, err = db3.Migrate(ctx)
	require.NoError(t, err)
	changed := migrationSet(t, db3, nil)
	f := changed[path.Join(db3.MigrationsDir(), "0001_init.sql")]
	f.Data = append(f.Data, []byte("\n-- an edit\n")...)
	db3.SetMigrations(changed)
	err = db3.CheckSchema(ctx)
	requireCode(t, ledger.EINTERNAL, err)
	require.Contains(t, ledger.ErrorMessage(err), "0001_init.sql was changed after it was applied")
}

func ptr[T any](v T) *T { return &v }

func testLoanRoundTrip(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("IST", 5*3600+1800))
	salt := make([]byte, ledger.SaltSize)
	for i := range salt {
		salt[i] = byte(i)
	}
	full := &ledger.Loan{
		ID: "full-1", Borrower: "Ünïcode borrower ✓", Lender: "bank 'quoted'",
		BorrowerAddress: "0x00000000000000000000000000000000000000aa", LenderAddress: "0x00000000000000000000000000000000000000bb",
		Principal: 9_000_000_000_000_000_000, Currency: "INR", InterestRateBps: 1250, TermMonths: 600,
		Status: ledger.LoanRepaid, Reason: "",
		CreatedAt: at, UpdatedAt: at.Add(time.Hour), ApprovedAt: ptr(at.Add(2 * time.Hour)),
		ClosedAt: ptr(at.Add(3 * time.Hour)), RepaidAt: ptr(at.Add(4 * time.Hour)), AmountRepaid: 1,
		Salt: salt, RepaymentSalt: []byte{0, 0, 255},
		BlockchainStatus: ledger.ChainConfirmed, BlockchainTxHash: "0xabc", BlockchainStoredAt: ptr(at.Add(5 * time.Hour)),
		RepaymentBlockchainStatus: ledger.ChainFailed, RepaymentBlockchainTxHash: "0xdef", RepaymentBlockchainStoredAt: ptr(at.Add(6 * time.Hour)),
	}
	bare := &ledger.Loan{
		ID: "bare-1", Borrower: "b", Lender: "l", Principal: 0, Currency: "USD", TermMonths: 1,
		Status: ledger.LoanSubmitted, CreatedAt: at, UpdatedAt: at,
		BlockchainStatus: ledger.ChainNotStored, RepaymentBlockchainStatus: ledger.ChainNotStored,
	}
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		if err := tx.CreateLoan(f.ctx, full); err != nil {
			return err
		}
		return tx.CreateLoan(f.ctx, bare)
	}))

	// Timestamps come back in UTC with microsecond precision.
	micro := func(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
	microPtr := func(t *time.Time) *time.Time { return ptr(micro(*t)) }
	want := *full
	want.CreatedAt, want.UpdatedAt = micro(full.CreatedAt), micro(full.UpdatedAt)
	want.ApprovedAt, want.ClosedAt, want.RepaidAt = microPtr(full.ApprovedAt), microPtr(full.ClosedAt), microPtr(full.RepaidAt)
	want.BlockchainStoredAt, want.RepaymentBlockchainStoredAt = microPtr(full.BlockchainStoredAt), microPtr(full.RepaymentBlockchainStoredAt)
	got, err := f.db.Loan(f.ctx, "full-1")
	require.NoError(t, err)
	require.Equal(t, &want, got)

	wantBare := *bare
	wantBare.CreatedAt, wantBare.UpdatedAt = micro(at), micro(at)
	got, err = f.db.Loan(f.ctx, "bare-1")
	require.NoError(t, err)
	require.Equal(t, &wantBare, got)
	require.Nil(t, got.ApprovedAt)
	require.Nil(t, got.Salt)
	require.Nil(t, got.BlockchainStoredAt)

	// The same inside a transaction, and UpdateLoan writes every field but
	// the personal ones, which never change after creation.
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		l, err := tx.LoanForUpdate(f.ctx, "bare-1")
		require.NoError(t, err)
		require.Equal(t, &wantBare, l)
		w := want
		w.ID = "bare-1"
		w.CreatedAt = l.CreatedAt
		return tx.UpdateLoan(f.ctx, &w)
	}))
	got, err = f.db.Loan(f.ctx, "bare-1")
	require.NoError(t, err)
	w := want
	w.ID, w.CreatedAt = "bare-1", wantBare.CreatedAt
	w.Borrower, w.Lender, w.BorrowerAddress, w.LenderAddress = bare.Borrower, bare.Lender, bare.BorrowerAddress, bare.LenderAddress
	require.Equal(t, &w, got)
}

func testDuplicateAndMissing(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "dup-1")
	first, err := f.db.Loan(f.ctx, "dup-1")
	require.NoError(t, err)

	n := newLoan("dup-1")
	n.Borrower = "someone else"
	_, err = f.svc.Create(f.ctx, f.admin, n)
	requireCode(t, ledger.ECONFLICT, err)
	require.Contains(t, ledger.ErrorMessage(err), "loan dup-1 already exists")
	again, err := f.db.Loan(f.ctx, "dup-1")
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Len(t, f.audit(t, ledger.AuditFilter{EntityID: "dup-1"}), 1, "the failed create left no audit row")

	l, err := f.db.Loan(f.ctx, "nope")
	requireCode(t, ledger.ENOTFOUND, err)
	require.Nil(t, l)
	require.Equal(t, "loan nope not found", ledger.ErrorMessage(err))
	_, err = f.db.Loan(f.ctx, "bad id%")
	requireCode(t, ledger.EINVALID, err)

	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		_, err := tx.LoanForUpdate(f.ctx, "nope")
		return err
	})
	requireCode(t, ledger.ENOTFOUND, err)
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		return tx.UpdateLoan(f.ctx, &ledger.Loan{ID: "nope", Status: ledger.LoanSubmitted,
			BlockchainStatus: ledger.ChainNotStored, RepaymentBlockchainStatus: ledger.ChainNotStored})
	})
	requireCode(t, ledger.ENOTFOUND, err)

	// The table's rules back the domain's.
	bad := &ledger.Loan{ID: "bad-status", Borrower: "b", Lender: "l", Currency: "INR", TermMonths: 1,
		Status: "pending", CreatedAt: time.Now(), UpdatedAt: time.Now(),
		BlockchainStatus: ledger.ChainNotStored, RepaymentBlockchainStatus: ledger.ChainNotStored}
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error { return tx.CreateLoan(f.ctx, bad) })
	requireCode(t, ledger.EINVALID, err)
}

// requireAudit checks one audit row against the loans before and after.
func requireAudit(t *testing.T, e ledger.AuditEntry, actor ledger.Actor, action string, before, after *ledger.Loan) {
	t.Helper()
	require.Positive(t, e.ID)
	require.Equal(t, actor, e.Actor)
	require.Equal(t, action, e.Action)
	require.Equal(t, "loan", e.Entity)
	require.Equal(t, after.ID, e.EntityID)
	require.Equal(t, after.UpdatedAt, e.At)
	if before == nil {
		require.Nil(t, e.Before)
	} else {
		b, err := json.Marshal(before)
		require.NoError(t, err)
		require.JSONEq(t, string(b), string(e.Before))
	}
	a, err := json.Marshal(after)
	require.NoError(t, err)
	require.JSONEq(t, string(a), string(e.After))
}

func testLifecycle(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	created, err := f.svc.Create(f.ctx, f.admin, newLoan("life-1"))
	require.NoError(t, err)
	stored, err := f.db.Loan(f.ctx, "life-1")
	require.NoError(t, err)
	require.Equal(t, created, stored)

	approver := ledger.CLIActor("ops@example.com")
	approved, err := f.svc.Approve(f.ctx, approver, "life-1")
	require.NoError(t, err)
	require.Equal(t, ledger.LoanApproved, approved.Status)
	require.Len(t, approved.Salt, ledger.SaltSize)
	stored, err = f.db.Loan(f.ctx, "life-1")
	require.NoError(t, err)
	require.Equal(t, approved, stored)

	repaid, err := f.svc.MarkRepaid(f.ctx, f.admin, "life-1", "160000")
	require.NoError(t, err)
	stored, err = f.db.Loan(f.ctx, "life-1")
	require.NoError(t, err)
	require.Equal(t, repaid, stored)
	require.Equal(t, int64(160000), stored.AmountRepaid)
	require.Equal(t, approved.Salt, stored.Salt)
	require.Len(t, stored.RepaymentSalt, ledger.SaltSize)

	es := f.audit(t, ledger.AuditFilter{Entity: "loan", EntityID: "life-1"})
	require.Len(t, es, 3)
	requireAudit(t, es[0], f.admin, ledger.ActionLoanRepaid, approved, repaid)
	requireAudit(t, es[1], approver, ledger.ActionLoanApprove, created, approved)
	requireAudit(t, es[2], f.admin, ledger.ActionLoanCreate, nil, created)
	require.NotContains(t, string(es[0].After), "salt", "salts never reach the audit trail")

	// Side exits.
	f.create(t, "life-rej", "life-def")
	rejected, err := f.svc.Reject(f.ctx, f.admin, "life-rej", "income not verified")
	require.NoError(t, err)
	stored, err = f.db.Loan(f.ctx, "life-rej")
	require.NoError(t, err)
	require.Equal(t, rejected, stored)
	require.Equal(t, "income not verified", stored.Reason)
	require.NotNil(t, stored.ClosedAt)

	_, err = f.svc.Approve(f.ctx, f.admin, "life-def")
	require.NoError(t, err)
	defaulted, err := f.svc.MarkDefaulted(f.ctx, f.admin, "life-def", "no payment for 6 months")
	require.NoError(t, err)
	stored, err = f.db.Loan(f.ctx, "life-def")
	require.NoError(t, err)
	require.Equal(t, defaulted, stored)
	es = f.audit(t, ledger.AuditFilter{EntityID: "life-def"})
	require.Len(t, es, 3)
	require.Equal(t, ledger.ActionLoanDefaulted, es[0].Action)
}

func testIllegalTransition(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "ill-1")
	_, err := f.svc.Reject(f.ctx, f.admin, "ill-1", "no")
	require.NoError(t, err)
	before, err := f.db.Loan(f.ctx, "ill-1")
	require.NoError(t, err)
	auditBefore := f.audit(t, ledger.AuditFilter{})

	for name, step := range map[string]func() error{
		"approve":  func() error { _, err := f.svc.Approve(f.ctx, f.admin, "ill-1"); return err },
		"reject":   func() error { _, err := f.svc.Reject(f.ctx, f.admin, "ill-1", "again"); return err },
		"repaid":   func() error { _, err := f.svc.MarkRepaid(f.ctx, f.admin, "ill-1", "1"); return err },
		"defaults": func() error { _, err := f.svc.MarkDefaulted(f.ctx, f.admin, "ill-1", "x"); return err },
	} {
		err := step()
		requireCode(t, ledger.ECONFLICT, err)
		require.Contains(t, ledger.ErrorMessage(err), "it is rejected", name)
	}
	_, err = f.svc.Approve(f.ctx, f.admin, "missing-1")
	requireCode(t, ledger.ENOTFOUND, err)

	after, err := f.db.Loan(f.ctx, "ill-1")
	require.NoError(t, err)
	require.Equal(t, before, after, "a refused step changes nothing")
	require.Equal(t, auditBefore, f.audit(t, ledger.AuditFilter{}), "and writes no audit row")
}

func testAuditFailureRollsBack(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "aud-1")
	before, err := f.db.Loan(f.ctx, "aud-1")
	require.NoError(t, err)

	// The zero actor is refused by AppendAudit, after the loan was updated
	// in the same transaction: the update must go too.
	_, err = f.svc.Approve(f.ctx, ledger.Actor{}, "aud-1")
	requireCode(t, ledger.EINVALID, err)
	require.Contains(t, ledger.ErrorMessage(err), "has no actor")

	after, err := f.db.Loan(f.ctx, "aud-1")
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.Empty(t, f.audit(t, ledger.AuditFilter{Action: ledger.ActionLoanApprove}))
}

func testTxErrorsRollBack(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "txe-1")
	before, err := f.db.Loan(f.ctx, "txe-1")
	require.NoError(t, err)
	auditBefore := f.audit(t, ledger.AuditFilter{})

	// change updates the loan and appends an audit row, then fails somehow.
	change := func(ctx context.Context, tx ledger.Tx) {
		l, err := tx.LoanForUpdate(ctx, "txe-1")
		require.NoError(t, err)
		l.Reason, l.BlockchainStatus = "changed", ledger.ChainQueued
		require.NoError(t, tx.UpdateLoan(ctx, l))
		require.NoError(t, tx.AppendAudit(ctx, &ledger.AuditEntry{At: time.Now(), Actor: f.admin,
			Action: "loan.test", Entity: "loan", EntityID: "txe-1"}))
	}
	unchanged := func() {
		t.Helper()
		after, err := f.db.Loan(f.ctx, "txe-1")
		require.NoError(t, err)
		require.Equal(t, before, after)
		require.Equal(t, auditBefore, f.audit(t, ledger.AuditFilter{}))
	}

	// fn's error comes back unchanged, domain code and all.
	sentinel := ledger.Errorf(ledger.ECONFLICT, "changed my mind")
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		change(f.ctx, tx)
		return sentinel
	})
	require.Same(t, sentinel, err)
	unchanged()

	plain := errors.New("plain")
	err = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		change(f.ctx, tx)
		return plain
	})
	require.Same(t, plain, err)
	unchanged()

	// A panic rolls back and goes on up.
	require.PanicsWithValue(t, "boom", func() {
		_ = f.db.InTx(f.ctx, func(tx ledger.Tx) error {
			change(f.ctx, tx)
			panic("boom")
		})
	})
	unchanged()

	// A context cancelled before the commit rolls back.
	ctx, cancel := context.WithCancel(f.ctx)
	err = f.db.InTx(ctx, func(tx ledger.Tx) error {
		change(ctx, tx)
		cancel()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	unchanged()

	// The store is still usable after all that.
	_, err = f.svc.Approve(f.ctx, f.admin, "txe-1")
	require.NoError(t, err)
}

func testUpdateCopiesValues(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "cp-1", "cp-2")
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		a, err := tx.LoanForUpdate(f.ctx, "cp-1")
		require.NoError(t, err)
		a.Reason = "first"
		require.NoError(t, tx.UpdateLoan(f.ctx, a))
		a.Reason = "changed after the update"
		b, err := tx.LoanForUpdate(f.ctx, "cp-2")
		require.NoError(t, err)
		b.Reason = "second"
		require.NoError(t, tx.UpdateLoan(f.ctx, b))
		b.Reason = "second, changed again"
		require.NoError(t, tx.UpdateLoan(f.ctx, b))
		// The transaction sees its own writes.
		again, err := tx.LoanForUpdate(f.ctx, "cp-2")
		require.NoError(t, err)
		require.Equal(t, "second, changed again", again.Reason)
		return nil
	}))
	a, err := f.db.Loan(f.ctx, "cp-1")
	require.NoError(t, err)
	require.Equal(t, "first", a.Reason)
	b, err := f.db.Loan(f.ctx, "cp-2")
	require.NoError(t, err)
	require.Equal(t, "second, changed again", b.Reason)
}

func testConcurrentApprovals(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "race-1")
	const callers = 8
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			_, errs[i] = f.svc.Approve(f.ctx, ledger.Actor{ID: fmt.Sprintf("admin-%d", i), Role: "admin", Addr: "cli"}, "race-1")
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		requireCode(t, ledger.ECONFLICT, err)
	}
	require.Equal(t, 1, ok, "exactly one approval wins: %v", errs)
	es := f.audit(t, ledger.AuditFilter{Action: ledger.ActionLoanApprove})
	require.Len(t, es, 1)
	l, err := f.db.Loan(f.ctx, "race-1")
	require.NoError(t, err)
	require.Equal(t, ledger.LoanApproved, l.Status)
	require.JSONEq(t, mustJSON(t, l), string(es[0].After))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// allPages lists every page of f and returns the ids in order.
func allPages(t *testing.T, fx *fixture, f ledger.LoanFilter, between func()) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		require.Less(t, pages, 100)
		page, err := fx.db.Loans(fx.ctx, f)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Loans), f.Limit)
		for _, l := range page.Loans {
			ids = append(ids, l.ID)
		}
		if page.Next == "" {
			return ids
		}
		require.Len(t, page.Loans, f.Limit, "only the last page is short")
		f.After = page.Next
		if between != nil {
			between()
		}
	}
}

func testLoanPages(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	var all, approved, prefixed []string
	for i := range 23 {
		id := fmt.Sprintf("pg-%02d", i)
		if i%5 == 0 {
			id = fmt.Sprintf("PG-%02d", i) // a different prefix: search is case-sensitive
		}
		f.create(t, id)
		if i%3 == 0 {
			_, err := f.svc.Approve(f.ctx, f.admin, id)
			require.NoError(t, err)
			approved = append([]string{id}, approved...)
		}
		all = append([]string{id}, all...)
		if i%5 != 0 && i >= 10 && i < 20 {
			prefixed = append([]string{id}, prefixed...)
		}
	}

	require.Equal(t, all, allPages(t, f, ledger.LoanFilter{Limit: 4}, nil), "newest first, every loan once")
	require.Equal(t, all, allPages(t, f, ledger.LoanFilter{Limit: 23}, nil))
	require.Equal(t, all, allPages(t, f, ledger.LoanFilter{Limit: 500}, nil))
	require.Equal(t, approved, allPages(t, f, ledger.LoanFilter{Status: ledger.LoanApproved, Limit: 3}, nil))
	require.Equal(t, prefixed, allPages(t, f, ledger.LoanFilter{IDPrefix: "pg-1", Limit: 2}, nil))
	require.Equal(t, []string{"pg-12"}, allPages(t, f, ledger.LoanFilter{IDPrefix: "pg-12", Limit: 2}, nil))
	require.Empty(t, allPages(t, f, ledger.LoanFilter{IDPrefix: "pg-1", Status: ledger.LoanRepaid, Limit: 2}, nil))

	def, err := f.db.Loans(f.ctx, ledger.LoanFilter{})
	require.NoError(t, err)
	require.Len(t, def.Loans, 23)
	require.Empty(t, def.Next)

	// Loans created or changed while a client pages do not shift the pages.
	n := 0
	got := allPages(t, f, ledger.LoanFilter{Limit: 5}, func() {
		n++
		f.create(t, fmt.Sprintf("late-%d", n))
	})
	require.Equal(t, all, got)
}

func testLoanFilterErrors(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "fe-1")
	for _, lf := range []ledger.LoanFilter{
		{Limit: -1}, {Limit: 501},
		{Status: "pending"}, {BlockchainStatus: "mined"},
		{IDPrefix: "fe%"}, {IDPrefix: "fe_"}, {IDPrefix: "fe*"}, {IDPrefix: "x'; DROP TABLE loans; --"},
		{After: "not a cursor"}, {After: "bDA"}, {After: "eDEy"},
	} {
		_, err := f.db.Loans(f.ctx, lf)
		requireCode(t, ledger.EINVALID, err)
	}
	page, err := f.db.Loans(f.ctx, ledger.LoanFilter{})
	require.NoError(t, err)
	require.Len(t, page.Loans, 1)
}

func testChainFields(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	f.create(t, "ch-1", "ch-2", "ch-3")
	storedAt := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		l, err := tx.LoanForUpdate(f.ctx, "ch-2")
		if err != nil {
			return err
		}
		l.BlockchainStatus, l.BlockchainTxHash, l.BlockchainStoredAt = ledger.ChainConfirmed, "0x"+fmt.Sprintf("%064x", 7), &storedAt
		return tx.UpdateLoan(f.ctx, l)
	}))
	page, err := f.db.Loans(f.ctx, ledger.LoanFilter{BlockchainStatus: ledger.ChainConfirmed})
	require.NoError(t, err)
	require.Len(t, page.Loans, 1)
	require.Equal(t, "ch-2", page.Loans[0].ID)
	require.Equal(t, &storedAt, page.Loans[0].BlockchainStoredAt)
	page, err = f.db.Loans(f.ctx, ledger.LoanFilter{BlockchainStatus: ledger.ChainNotStored})
	require.NoError(t, err)
	require.Len(t, page.Loans, 2)
}

func testAuditFilters(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	other := ledger.Actor{ID: "bob@example.com", Role: "operator", Addr: "198.51.100.1"}
	t0 := f.clock.Now()
	f.create(t, "au-1", "au-2")                   // audit 1, 2
	_, err := f.svc.Approve(f.ctx, other, "au-1") // 3
	require.NoError(t, err)
	t1 := f.clock.Now()
	_, err = f.svc.Reject(f.ctx, other, "au-2", "no") // 4
	require.NoError(t, err)
	_, err = f.svc.MarkRepaid(f.ctx, f.admin, "au-1", "5") // 5
	require.NoError(t, err)

	actions := func(es []ledger.AuditEntry) []string {
		var a []string
		for _, e := range es {
			a = append(a, e.Action+" "+e.EntityID)
		}
		return a
	}
	all := f.audit(t, ledger.AuditFilter{})
	require.Equal(t, []string{"loan.mark_repaid au-1", "loan.reject au-2", "loan.approve au-1", "loan.create au-2", "loan.create au-1"}, actions(all))
	for i := 1; i < len(all); i++ {
		require.Greater(t, all[i-1].ID, all[i].ID)
	}
	require.Equal(t, []string{"loan.reject au-2", "loan.approve au-1"}, actions(f.audit(t, ledger.AuditFilter{ActorID: other.ID})))
	require.Equal(t, []string{"loan.mark_repaid au-1", "loan.approve au-1", "loan.create au-1"}, actions(f.audit(t, ledger.AuditFilter{Entity: "loan", EntityID: "au-1"})))
	require.Equal(t, []string{"loan.create au-2", "loan.create au-1"}, actions(f.audit(t, ledger.AuditFilter{Action: ledger.ActionLoanCreate})))
	require.Equal(t, []string{"loan.mark_repaid au-1", "loan.reject au-2"}, actions(f.audit(t, ledger.AuditFilter{Since: t1})))
	require.Equal(t, []string{"loan.approve au-1", "loan.create au-2", "loan.create au-1"}, actions(f.audit(t, ledger.AuditFilter{Since: t0, Until: t1})))
	require.Empty(t, f.audit(t, ledger.AuditFilter{Entity: "anchor"}))

	// Paging by id.
	page1 := f.audit(t, ledger.AuditFilter{Limit: 2})
	require.Equal(t, all[:2], page1)
	page2 := f.audit(t, ledger.AuditFilter{Limit: 2, BeforeID: page1[1].ID})
	require.Equal(t, all[2:4], page2)
	page3 := f.audit(t, ledger.AuditFilter{Limit: 2, BeforeID: page2[1].ID})
	require.Equal(t, all[4:], page3)

	for _, af := range []ledger.AuditFilter{{Limit: -1}, {Limit: 1001}, {BeforeID: -5}} {
		_, err := f.db.AuditEntries(f.ctx, af)
		requireCode(t, ledger.EINVALID, err)
	}
	es := f.audit(t, ledger.AuditFilter{Limit: 1000})
	require.Len(t, es, 5)
}
