package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	"github.com/stretchr/testify/require"
)

var restoreSeq atomic.Int64

// keyringAt opens handles on one keyring for the test's backend: a SQLite
// file beside the test's database, or a schema of the test server.
func keyringAt(t testing.TB, db *store.DB) func() *store.Keyring {
	t.Helper()
	if db.Driver() == "sqlite" {
		path := filepath.Join(t.TempDir(), "keyring.db")
		return func() *store.Keyring {
			k, err := store.OpenSQLiteKeyring(t.Context(), path)
			require.NoError(t, err)
			return k
		}
	}
	admin := requirePostgres(t)
	schema := fmt.Sprintf("%s_keyring%d", currentSchema(t, db), restoreSeq.Add(1))
	t.Cleanup(func() {
		_, err := admin.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE")
		require.NoError(t, err)
	})
	return func() *store.Keyring {
		k, err := store.OpenPostgresKeyring(t.Context(), postgresURL(), schema)
		require.NoError(t, err)
		return k
	}
}

// keysInRows counts the loans whose data key is still in their own row.
func keysInRows(t *testing.T, f *fixture) int {
	t.Helper()
	var n int
	require.NoError(t, f.db.SQLDB().QueryRowContext(f.ctx, "SELECT count(*) FROM loans WHERE data_key IS NOT NULL").Scan(&n))
	return n
}

func currentSchema(t testing.TB, db *store.DB) string {
	t.Helper()
	var s string
	require.NoError(t, db.SQLDB().QueryRowContext(t.Context(), "SELECT current_schema()").Scan(&s))
	return s
}

// useKeyring turns encryption on with the master key of seed and a keyring
// of its own, and returns the opener of further handles on that keyring.
func useKeyring(t *testing.T, f *fixture, seed byte) func() *store.Keyring {
	t.Helper()
	open := keyringAt(t, f.db)
	f.db.SetPersonalDataKeys(testKeys(t, seed))
	f.db.SetKeyring(open())
	require.NoError(t, f.db.PrepareKeyring(f.ctx, f.clock.Now()))
	return open
}

// backUp copies the test's database as `aartha backup` does and returns
// an opener of the copy restored: on SQLite the VACUUM INTO file, on
// PostgreSQL a pg_dump of the schema restored into a new database.
func backUp(t *testing.T, db *store.DB) func() *store.DB {
	t.Helper()
	ctx := t.Context()
	out := filepath.Join(t.TempDir(), "backup.db")
	if db.Driver() == "sqlite" {
		require.NoError(t, db.BackupSQLite(ctx, out))
		return func() *store.DB {
			r, err := store.OpenSQLite(ctx, out)
			require.NoError(t, err)
			t.Cleanup(func() { _ = r.Close() })
			return r
		}
	}
	schema := currentSchema(t, db)
	require.NoError(t, store.DumpPostgres(ctx, withSearchPath(t, postgresURL(), schema, 0), out))
	admin := requirePostgres(t)
	name := fmt.Sprintf("aartha_restore_%d_%d", time.Now().UnixNano()%1e9, restoreSeq.Add(1))
	_, err := admin.Exec("CREATE DATABASE " + name)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		require.NoError(t, err)
	})
	u, err := url.Parse(postgresURL())
	require.NoError(t, err)
	u.Path = "/" + name
	msg, err := exec.CommandContext(ctx, "pg_restore", "--no-owner", "--dbname="+u.String(), out).CombinedOutput()
	require.NoError(t, err, string(msg))
	return func() *store.DB {
		r, err := store.OpenPostgres(ctx, withSearchPath(t, u.String(), schema, 0))
		require.NoError(t, err)
		t.Cleanup(func() { _ = r.Close() })
		return r
	}
}

// finalizeAnchors marks the loan's anchors final, as the chain would.
func finalizeAnchors(t *testing.T, f *fixture, loanID string) {
	t.Helper()
	require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
		anchors, err := tx.AnchorsForUpdate(f.ctx, ledger.AnchorFilter{LoanID: loanID})
		if err != nil {
			return err
		}
		for _, a := range anchors {
			a.Status = ledger.AnchorFinal
			if err := tx.UpdateAnchor(f.ctx, a); err != nil {
				return err
			}
		}
		return nil
	}))
}

func requireNoPersonalValue(t *testing.T, dump []byte, where string) {
	t.Helper()
	for _, v := range []string{personal.Borrower, personal.Lender, personal.BorrowerAddress, personal.LenderAddress,
		strings.TrimPrefix(personal.BorrowerAddress, "0x"), "KYC-778120"} {
		require.False(t, bytes.Contains(dump, []byte(v)), "%q is in the clear in %s", v, where)
	}
}

// TestErasureReachesBackups is the proof that erasure reaches the backups
// (docs/privacy.md): a backup of the database taken before a loan's
// erasure, restored after it beside the live keyring and with the same
// master key, cannot reveal the loan's personal fields, while the other
// loans read as before; and no personal value was ever in the backup in
// the clear.
func TestErasureReachesBackups(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			openKeyring := useKeyring(t, f, 7)
			f.svc.AnchorMode = ledger.ModeDirect
			erasure := &ledger.ErasureService{Store: f.db, Now: f.clock.Now}

			_, err := f.svc.Create(f.ctx, f.admin, personal)
			require.NoError(t, err)
			_, err = f.svc.Approve(f.ctx, f.admin, personal.ID)
			require.NoError(t, err)
			repaid, err := f.svc.MarkRepaid(f.ctx, f.admin, personal.ID, "250000")
			require.NoError(t, err)
			require.NotNil(t, repaid.Salt)
			finalizeAnchors(t, f, personal.ID)
			f.create(t, "kept-1")

			// No data key is in the database: they are all in the keyring.
			require.Zero(t, keysInRows(t, f))
			ring := openKeyring()
			defer ring.Close()
			entries, err := ring.Entries(f.ctx)
			require.NoError(t, err)
			require.Len(t, entries, 2)
			require.Equal(t, testKeys(t, 7).MasterKeyID(), entries[0].MasterKeyID)

			restore := backUp(t, f.db)
			e, err := erasure.Erase(f.ctx, f.admin, personal.ID, "borrower asked")
			require.NoError(t, err)
			entries, err = ring.Entries(f.ctx)
			require.NoError(t, err)
			require.Len(t, entries, 1, "the erasure deleted the loan's key")
			require.Equal(t, "kept-1", entries[0].LoanID)

			// The backup restored in place of the live database, with the
			// live keyring and the same master key.
			restored := restore()
			restored.SetPersonalDataKeys(testKeys(t, 7))
			restored.SetKeyring(openKeyring())
			require.NoError(t, restored.PrepareKeyring(f.ctx, f.clock.Now()))

			l, err := restored.Loan(f.ctx, personal.ID)
			require.NoError(t, err)
			require.Nil(t, l.ErasedAt, "the backup predates the erasure")
			require.Equal(t, "(erased)", l.Borrower)
			require.Equal(t, "(erased)", l.LenderAddress)
			require.Nil(t, l.Salt)
			require.Nil(t, l.RepaymentSalt)
			kept, err := restored.Loan(f.ctx, "kept-1")
			require.NoError(t, err)
			require.Equal(t, "cust-kept-1", kept.Borrower)
			page, err := restored.Loans(f.ctx, ledger.LoanFilter{Borrower: "cust-kept-1"})
			require.NoError(t, err)
			require.Len(t, page.Loans, 1)
			audit, err := restored.AuditEntries(f.ctx, ledger.AuditFilter{EntityID: personal.ID, Action: ledger.ActionLoanCreate})
			require.NoError(t, err)
			require.Len(t, audit, 1)
			require.Contains(t, string(audit[0].After), `"borrower":"(erased)"`)
			requireNoPersonalValue(t, rawDatabase(t, restored), "the restored backup")

			// A change to the loan is refused rather than written without
			// its key; erasing it again (from the erasure log) works.
			err = restored.InTx(f.ctx, func(tx ledger.Tx) error {
				l, err := tx.LoanForUpdate(f.ctx, personal.ID)
				if err != nil {
					return err
				}
				return tx.UpdateLoan(f.ctx, l)
			})
			requireCode(t, ledger.ECONFLICT, err)
			require.Contains(t, err.Error(), "not in the keyring")
			again, err := (&ledger.ErasureService{Store: restored, Now: f.clock.Now}).Erase(f.ctx, f.admin, personal.ID, e.Reason)
			require.NoError(t, err)
			require.Equal(t, personal.ID, again.LoanID)
			l, err = restored.Loan(f.ctx, personal.ID)
			require.NoError(t, err)
			require.NotNil(t, l.ErasedAt)
			require.Empty(t, l.Borrower)
		})
	}
}

// TestKeyringSweepAndMove: a crash between an erasure's commit and its
// key's deletion leaves the key, which the sweep deletes; so are old
// orphan keys (a creation that failed after writing its key), not young
// ones; keys kept in the database before the keyring move there at start,
// twice without harm; an empty keyring beside encrypted loans is refused.
func TestKeyringSweepAndMove(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			f.db.SetPersonalDataKeys(testKeys(t, 5))
			// Created before the keyring: the keys are in the loans' rows.
			f.create(t, "old-1", "old-2")
			require.Equal(t, 2, keysInRows(t, f))

			openKeyring := keyringAt(t, f.db)
			f.db.SetKeyring(openKeyring())
			require.NoError(t, f.db.PrepareKeyring(f.ctx, f.clock.Now()))
			require.NoError(t, f.db.PrepareKeyring(f.ctx, f.clock.Now()))
			require.Zero(t, keysInRows(t, f))
			ring := openKeyring()
			defer ring.Close()
			entries, err := ring.Entries(f.ctx)
			require.NoError(t, err)
			require.Len(t, entries, 2)
			l, err := f.db.Loan(f.ctx, "old-2")
			require.NoError(t, err)
			require.Equal(t, "cust-old-2", l.Borrower)

			// A crash after the erasure committed, before its key went.
			_, err = f.svc.Reject(f.ctx, f.admin, "old-1", "incomplete")
			require.NoError(t, err)
			_, err = (&ledger.ErasureService{Store: f.db, Now: f.clock.Now}).Erase(f.ctx, f.admin, "old-1", "asked")
			require.NoError(t, err)
			require.NoError(t, ring.Put(f.ctx, entries[0]))
			now := f.clock.Now()
			require.NoError(t, ring.Put(f.ctx, store.KeyringEntry{LoanID: "ghost-old", MasterKeyID: "x", Wrapped: []byte{1}, CreatedAt: now.Add(-2 * store.KeyringOrphanAge)}))
			require.NoError(t, ring.Put(f.ctx, store.KeyringEntry{LoanID: "ghost-young", MasterKeyID: "x", Wrapped: []byte{1}, CreatedAt: now}))
			n, err := f.db.SweepKeyring(f.ctx, now)
			require.NoError(t, err)
			require.Equal(t, 2, n)
			entries, err = ring.Entries(f.ctx)
			require.NoError(t, err)
			var ids []string
			for _, e := range entries {
				ids = append(ids, e.LoanID)
			}
			require.Equal(t, []string{"ghost-young", "old-2"}, ids)

			// The wrong keyring beside encrypted loans is refused, whether
			// empty or another database's, and left untouched.
			wrong := setup(t, b.open)
			openRight := useKeyring(t, wrong, 5)
			wrong.create(t, "w-1")
			right := openRight() // the first handle is closed with wrong.db
			t.Cleanup(func() { _ = right.Close() })
			empty := keyringAt(t, wrong.db)()
			defer empty.Close()
			wrong.db.SetKeyring(empty)
			requireCode(t, ledger.EUNAVAILABLE, wrong.db.PrepareKeyring(wrong.ctx, wrong.clock.Now()))
			foreign := store.KeyringEntry{LoanID: "someone-else", MasterKeyID: "x", Wrapped: []byte{1}, CreatedAt: now.Add(-2 * store.KeyringOrphanAge)}
			require.NoError(t, empty.Put(f.ctx, foreign))
			requireCode(t, ledger.EUNAVAILABLE, wrong.db.PrepareKeyring(wrong.ctx, wrong.clock.Now()))
			entries, err = empty.Entries(f.ctx)
			require.NoError(t, err)
			require.Len(t, entries, 1)
			wrong.db.SetKeyring(right)
		})
	}
}

// reopen opens another handle on the test's database, with no keys: a
// fresh process, with an empty cache.
func reopen(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	var r *store.DB
	var err error
	if db.Driver() == "sqlite" {
		var file string
		require.NoError(t, db.SQLDB().QueryRowContext(t.Context(), "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file))
		r, err = store.OpenSQLite(t.Context(), file)
	} else {
		r, err = store.OpenPostgres(t.Context(), withSearchPath(t, postgresURL(), currentSchema(t, db), 0))
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// TestRotateMasterKey: with the new master key and the previous one set,
// everything reads throughout; a rotation stopped halfway resumes; after
// it, the new key alone reads every loan and finds each by borrower, and
// the old key alone opens nothing.
func TestRotateMasterKey(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			openKeyring := useKeyring(t, f, 1)
			ids := []string{"r-1", "r-2", "r-3", "r-4", "r-5"}
			f.create(t, ids...)
			_, err := f.svc.Approve(f.ctx, f.admin, "r-1")
			require.NoError(t, err)

			// Step 1: the new key, with the previous one.
			oldKey, newKey := bytes.Repeat([]byte{1}, store.MasterKeySize), bytes.Repeat([]byte{2}, store.MasterKeySize)
			withPrevious := func() *store.PersonalDataKeys {
				k, err := store.NewPersonalDataKeys(newKey)
				require.NoError(t, err)
				k, err = k.WithPrevious(oldKey)
				require.NoError(t, err)
				return k
			}
			f.db.SetPersonalDataKeys(withPrevious())
			f.create(t, "r-6") // wrapped by the new key at once
			ids = append(ids, "r-6")

			readAll := func(db *store.DB) {
				t.Helper()
				for _, id := range ids {
					l, err := db.Loan(f.ctx, id)
					require.NoError(t, err)
					require.Equal(t, "cust-"+id, l.Borrower)
					page, err := db.Loans(f.ctx, ledger.LoanFilter{Borrower: "cust-" + id})
					require.NoError(t, err)
					require.Len(t, page.Loans, 1, id)
				}
			}
			during := reopen(t, f.db)
			during.SetPersonalDataKeys(withPrevious())
			during.SetKeyring(openKeyring())
			readAll(during)

			// Step 2, stopped after the first batch of two, then resumed.
			stop := errors.New("stopped")
			n, err := f.db.RotateMasterKey(f.ctx, 2, func(int) error { return stop })
			require.ErrorIs(t, err, stop)
			require.Equal(t, 2, n)
			readAll(during)
			ring := openKeyring()
			defer ring.Close()
			byKey := func() map[string]int {
				entries, err := ring.Entries(f.ctx)
				require.NoError(t, err)
				m := map[string]int{}
				for _, e := range entries {
					m[e.MasterKeyID]++
				}
				return m
			}
			newID, oldID := testKeys(t, 2).MasterKeyID(), testKeys(t, 1).MasterKeyID()
			require.Equal(t, map[string]int{newID: 3, oldID: 3}, byKey())
			n, err = f.db.RotateMasterKey(f.ctx, 2, nil)
			require.NoError(t, err)
			require.Equal(t, 3, n)
			require.Equal(t, map[string]int{newID: 6}, byKey())

			// Step 3: the new key alone reads and finds everything.
			after := reopen(t, f.db)
			after.SetPersonalDataKeys(testKeys(t, 2))
			after.SetKeyring(openKeyring())
			readAll(after)
			approved, err := after.Loan(f.ctx, "r-1")
			require.NoError(t, err)
			require.Len(t, approved.Salt, 32)

			// The old key alone opens nothing.
			old := reopen(t, f.db)
			old.SetPersonalDataKeys(testKeys(t, 1))
			old.SetKeyring(openKeyring())
			for _, id := range ids {
				_, err := old.Loan(f.ctx, id)
				require.Error(t, err, id)
			}
			page, err := old.Loans(f.ctx, ledger.LoanFilter{Borrower: "cust-r-2"})
			require.NoError(t, err)
			require.Empty(t, page.Loans, "the blind index is the new key's")
		})
	}
}

// BenchmarkCreateKeyring creates encrypted loans one after another with
// their data keys kept in the loans' rows (no keyring) and in a keyring,
// on each database, for BENCHMARKS.md: the keyring adds one write to
// another database per created loan.
func BenchmarkCreateKeyring(b *testing.B) {
	for _, be := range backends {
		for _, withKeyring := range []bool{false, true} {
			name := be.name + "/in-row"
			if withKeyring {
				name = be.name + "/keyring"
			}
			b.Run(name, func(b *testing.B) {
				db := be.open(b)
				if _, err := db.Migrate(b.Context()); err != nil {
					b.Fatal(err)
				}
				keys, err := store.NewPersonalDataKeys(bytes.Repeat([]byte{9}, store.MasterKeySize))
				if err != nil {
					b.Fatal(err)
				}
				db.SetPersonalDataKeys(keys)
				if withKeyring {
					var ring *store.Keyring
					if db.Driver() == "sqlite" {
						ring, err = store.OpenSQLiteKeyring(b.Context(), filepath.Join(b.TempDir(), "keyring.db"))
					} else {
						var schema string
						if err := db.SQLDB().QueryRowContext(b.Context(), "SELECT current_schema()").Scan(&schema); err != nil {
							b.Fatal(err)
						}
						schema += "_keyring"
						b.Cleanup(func() { _, _ = requirePostgres(b).Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE") })
						ring, err = store.OpenPostgresKeyring(b.Context(), postgresURL(), schema)
					}
					if err != nil {
						b.Fatal(err)
					}
					db.SetKeyring(ring)
				}
				svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: newDetRand()}
				admin := ledger.Actor{ID: "bench", Role: "admin", Addr: "x"}
				b.ResetTimer()
				for i := range b.N {
					if _, err := svc.Create(b.Context(), admin, newLoan(fmt.Sprintf("bench-%d", i))); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestKeyringCreateRetry: a creation rolled back after writing its key
// leaves an orphan that the next creation of the id replaces, so the loan
// reads; creating an id that exists is refused without touching its key.
func TestKeyringCreateRetry(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			openKeyring := useKeyring(t, f, 4)
			rolledBack := errors.New("rolled back")
			err := f.db.InTx(f.ctx, func(tx ledger.Tx) error {
				l := &ledger.Loan{ID: "retry-1", Borrower: "first try", Lender: "bank-1", Principal: 1, Currency: "INR",
					TermMonths: 1, Status: ledger.LoanSubmitted, BlockchainStatus: ledger.ChainNotStored, RepaymentBlockchainStatus: ledger.ChainNotStored, CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
				if err := tx.CreateLoan(f.ctx, l); err != nil {
					return err
				}
				return rolledBack
			})
			require.ErrorIs(t, err, rolledBack)
			ring := openKeyring()
			defer ring.Close()
			entries, err := ring.Entries(f.ctx)
			require.NoError(t, err)
			require.Len(t, entries, 1, "the orphan key of the rolled-back creation")

			f.create(t, "retry-1")
			fresh := reopen(t, f.db) // no cached key
			fresh.SetPersonalDataKeys(testKeys(t, 4))
			fresh.SetKeyring(openKeyring())
			l, err := fresh.Loan(f.ctx, "retry-1")
			require.NoError(t, err)
			require.Equal(t, "cust-retry-1", l.Borrower)

			_, err = f.svc.Create(f.ctx, f.admin, newLoan("retry-1"))
			requireCode(t, ledger.ECONFLICT, err)
			after, err := ring.Entries(f.ctx)
			require.NoError(t, err)
			require.Len(t, after, 1)
			again := reopen(t, f.db)
			again.SetPersonalDataKeys(testKeys(t, 4))
			again.SetKeyring(openKeyring())
			l, err = again.Loan(f.ctx, "retry-1")
			require.NoError(t, err)
			require.Equal(t, "cust-retry-1", l.Borrower)
		})
	}
}
