package store_test

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	"github.com/stretchr/testify/require"
)

// The personal values of the loan the privacy tests erase: distinctive, so
// that a search of the raw database finds nothing else by chance.
var personal = ledger.NewLoan{
	ID: "erase-me-1", Borrower: "Priya Ramanathan KYC-778120", Lender: "Lender Confidential 44129",
	BorrowerAddress: "0x5eba5eba5eba5eba5eba5eba5eba5eba5eba5eba",
	LenderAddress:   "0x1e0d1e0d1e0d1e0d1e0d1e0d1e0d1e0d1e0d1e0d",
	Principal:       "250000", Currency: "INR", InterestRateBps: 1100, TermMonths: 6,
}

func testKeys(t testing.TB, seed byte) *store.PersonalDataKeys {
	t.Helper()
	k, err := store.NewPersonalDataKeys(bytes.Repeat([]byte{seed}, store.MasterKeySize))
	require.NoError(t, err)
	return k
}

// TestErasure is the proof of docs/privacy.md on both stores: a loan is
// created, approved, anchored (queued), repaid and erased; afterwards no
// personal value of it is anywhere in the database, the records the
// borrower holds still match the kept commitments, and the audit chain
// still verifies.
func TestErasure(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			f.db.SetPersonalDataKeys(testKeys(t, 7))
			f.svc.AnchorMode = ledger.ModeDirect
			erasure := &ledger.ErasureService{Store: f.db, Now: f.clock.Now}

			_, err := f.svc.Create(f.ctx, f.admin, personal)
			require.NoError(t, err)
			_, err = f.svc.Approve(f.ctx, f.admin, personal.ID)
			require.NoError(t, err)
			f.create(t, "still-open-1")

			// An open loan cannot be erased.
			_, err = erasure.Erase(f.ctx, f.admin, personal.ID, "borrower asked")
			requireCode(t, ledger.ECONFLICT, err)

			repaid, err := f.svc.MarkRepaid(f.ctx, f.admin, personal.ID, "250000")
			require.NoError(t, err)
			// What the borrower's receipts carry: the records and their salts.
			approval, err := repaid.ApprovalRecord()
			require.NoError(t, err)
			repayment, err := repaid.RepaymentRecord()
			require.NoError(t, err)
			held := []ledger.Fingerprint{ledger.NewFingerprint(approval, repaid.Salt), ledger.NewFingerprint(repayment, repaid.RepaymentSalt)}

			// Live: read back in the clear, found by borrower (blind index),
			// audit rows shown in the clear.
			got, err := f.db.Loan(f.ctx, personal.ID)
			require.NoError(t, err)
			require.Equal(t, personal.Borrower, got.Borrower)
			require.Equal(t, personal.LenderAddress, got.LenderAddress)
			require.Equal(t, repaid.Salt, got.Salt)
			page, err := f.db.Loans(f.ctx, ledger.LoanFilter{Borrower: "  " + strings.ToUpper(personal.Borrower) + " "})
			require.NoError(t, err)
			require.Len(t, page.Loans, 1)
			require.Equal(t, personal.ID, page.Loans[0].ID)
			created := f.audit(t, ledger.AuditFilter{EntityID: personal.ID, Action: ledger.ActionLoanCreate})
			require.Len(t, created, 1)
			require.Contains(t, string(created[0].After), personal.Borrower)

			// A legal hold blocks erasure until lifted; both are audited.
			_, err = erasure.SetLegalHold(f.ctx, f.admin, personal.ID, "litigation 2026/17")
			require.NoError(t, err)
			_, err = erasure.Erase(f.ctx, f.admin, personal.ID, "borrower asked")
			requireCode(t, ledger.ECONFLICT, err)
			require.Contains(t, err.Error(), "legal hold")
			require.NoError(t, erasure.LiftLegalHold(f.ctx, f.admin, personal.ID, "case closed"))
			require.Len(t, f.audit(t, ledger.AuditFilter{EntityID: personal.ID, Action: ledger.ActionLoanHoldSet}), 1)
			require.Len(t, f.audit(t, ledger.AuditFilter{EntityID: personal.ID, Action: ledger.ActionLoanHoldLift}), 1)

			// Only an admin erases, and only with a reason.
			_, err = erasure.Erase(f.ctx, ledger.Actor{ID: "op", Role: "operator", Addr: "x"}, personal.ID, "asked")
			requireCode(t, ledger.EFORBIDDEN, err)
			_, err = erasure.Erase(f.ctx, f.admin, personal.ID, "")
			requireCode(t, ledger.EINVALID, err)

			// Not while its records are still on their way to the chain.
			_, err = erasure.Erase(f.ctx, f.admin, personal.ID, "borrower asked")
			requireCode(t, ledger.ECONFLICT, err)
			require.Contains(t, err.Error(), "still being anchored")
			require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
				anchors, err := tx.AnchorsForUpdate(f.ctx, ledger.AnchorFilter{LoanID: personal.ID})
				require.NoError(t, err)
				require.Len(t, anchors, 2)
				for _, a := range anchors {
					a.Status = ledger.AnchorFinal
					if err := tx.UpdateAnchor(f.ctx, a); err != nil {
						return err
					}
				}
				return nil
			}))

			sealAll(t, f)
			e, err := erasure.Erase(f.ctx, f.admin, personal.ID, "borrower asked, DPDP s.12")
			require.NoError(t, err)
			_, err = erasure.Erase(f.ctx, f.admin, personal.ID, "again")
			requireCode(t, ledger.ECONFLICT, err)

			got, err = f.db.Loan(f.ctx, personal.ID)
			require.NoError(t, err)
			require.NotNil(t, got.ErasedAt)
			require.Equal(t, e.ErasedAt, got.ErasedAt.UTC())
			require.Empty(t, got.Borrower+got.Lender+got.BorrowerAddress+got.LenderAddress)
			require.Nil(t, got.Salt)
			require.Nil(t, got.RepaymentSalt)
			require.Equal(t, int64(250000), got.Principal)
			erasures, err := f.db.Erasures(f.ctx, 0)
			require.NoError(t, err)
			require.Equal(t, []ledger.Erasure{*e}, erasures)
			page, err = f.db.Loans(f.ctx, ledger.LoanFilter{Borrower: personal.Borrower})
			require.NoError(t, err)
			require.Empty(t, page.Loans)
			created = f.audit(t, ledger.AuditFilter{EntityID: personal.ID, Action: ledger.ActionLoanCreate})
			require.Contains(t, string(created[0].After), `"borrower":"(erased)"`)

			// The kept commitments still match what the borrower holds.
			anchors, err := f.db.Anchors(f.ctx, ledger.AnchorFilter{LoanID: personal.ID})
			require.NoError(t, err)
			require.Len(t, anchors, 2)
			for i, a := range anchors {
				require.Equal(t, held[i].Commitment, a.Commitment)
				require.Equal(t, held[i].Leaf, a.Leaf)
			}

			// The audit chain, sealed before and after, still verifies.
			sealAll(t, f)
			report, err := f.db.VerifyAuditChain(f.ctx)
			require.NoError(t, err)
			require.Nil(t, report.Break, "audit chain: %+v", report)
			require.Positive(t, report.Rows)
			require.Zero(t, report.Late)

			dump := rawDatabase(t, f.db)
			for _, v := range []string{personal.Borrower, personal.Lender, personal.BorrowerAddress, personal.LenderAddress,
				strings.TrimPrefix(personal.BorrowerAddress, "0x"), "KYC-778120"} {
				require.False(t, bytes.Contains(dump, []byte(v)), "%q is still in the %s database", v, b.name)
			}
			// The dump is real: it holds the kept facts.
			require.True(t, bytes.Contains(dump, []byte(personal.ID)))
			require.True(t, bytes.Contains(dump, []byte("borrower asked, DPDP s.12")))
		})
	}
}

// rawDatabase returns the database's raw content: on SQLite the bytes of
// its files after a checkpoint, on PostgreSQL every row of every table of
// the test's schema as text.
func rawDatabase(t *testing.T, db *store.DB) []byte {
	t.Helper()
	ctx := t.Context()
	sqlDB := db.SQLDB()
	if db.Driver() == "sqlite" {
		_, err := sqlDB.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		require.NoError(t, err)
		var file string
		require.NoError(t, sqlDB.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file))
		var out []byte
		for _, p := range []string{file, file + "-wal", file + "-journal"} {
			b, err := os.ReadFile(p)
			if err == nil {
				out = append(out, b...)
			}
		}
		require.NotEmpty(t, out, filepath.Base(file))
		return out
	}
	rows, err := sqlDB.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, tables, "audit_log")
	var out []byte
	for _, tbl := range tables {
		r, err := sqlDB.QueryContext(ctx, `SELECT t::text FROM "`+tbl+`" t`)
		require.NoError(t, err)
		for r.Next() {
			var s sql.NullString
			require.NoError(t, r.Scan(&s))
			out = append(out, s.String...)
			out = append(out, '\n')
		}
		require.NoError(t, r.Err())
		r.Close()
	}
	return out
}

// TestRetentionErasesExactlyWhatIsDue: with a 30-day retention, only the
// closed loan that closed more than 30 days ago and has no legal hold is
// erased; a dry run lists it and changes nothing.
func TestRetentionErasesExactlyWhatIsDue(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			f.db.SetPersonalDataKeys(testKeys(t, 3))
			start := f.clock.Now()
			later := start.AddDate(0, 0, 31)
			erasure := &ledger.ErasureService{Store: f.db, Now: func() time.Time { return later }}

			f.create(t, "due-1", "held-1", "open-1", "recent-1")
			for _, id := range []string{"due-1", "held-1"} {
				_, err := f.svc.Reject(f.ctx, f.admin, id, "incomplete")
				require.NoError(t, err)
			}
			_, err := erasure.SetLegalHold(f.ctx, f.admin, "held-1", "dispute")
			require.NoError(t, err)
			f.clock.mu.Lock()
			f.clock.now = start.AddDate(0, 0, 20)
			f.clock.mu.Unlock()
			_, err = f.svc.Reject(f.ctx, f.admin, "recent-1", "incomplete")
			require.NoError(t, err)

			due, done, err := erasure.EraseDue(f.ctx, 30, 0, true)
			require.NoError(t, err)
			require.Equal(t, []string{"due-1"}, due)
			require.Empty(t, done)
			l, err := f.db.Loan(f.ctx, "due-1")
			require.NoError(t, err)
			require.Nil(t, l.ErasedAt, "a dry run erases nothing")

			due, done, err = erasure.EraseDue(f.ctx, 30, 0, false)
			require.NoError(t, err)
			require.Equal(t, []string{"due-1"}, due)
			require.Len(t, done, 1)
			require.Equal(t, "system", done[0].ErasedBy)
			for id, erased := range map[string]bool{"due-1": true, "held-1": false, "open-1": false, "recent-1": false} {
				l, err := f.db.Loan(f.ctx, id)
				require.NoError(t, err)
				require.Equal(t, erased, l.ErasedAt != nil, id)
				require.Equal(t, erased, l.Borrower == "", id)
			}
			due, _, err = erasure.EraseDue(f.ctx, 30, 0, false)
			require.NoError(t, err)
			require.Empty(t, due)
			_, _, err = erasure.EraseDue(f.ctx, 0, 0, true)
			requireCode(t, ledger.EINVALID, err)
		})
	}
}
