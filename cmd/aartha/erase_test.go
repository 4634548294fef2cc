package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// TestEraseCommand runs `aartha erase` on a repaid loan of the embedded
// store: a legal hold set with --hold blocks it, --lift lifts it, the
// erasure empties the loan, the database file no longer holds the borrower,
// and `aartha audit verify` still holds.
func TestEraseCommand(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	master := bytes.Repeat([]byte{0x42}, 32)
	vars := map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_PII_MASTER_KEY": hex.EncodeToString(master)}
	_, err := run(t, ctx, vars, "migrate")
	require.NoError(t, err)

	const borrower = "Borrower Kaveri KYC-5550123"
	func() {
		db, err := store.OpenSQLite(ctx, filepath.Join(dir, "aartha.db"))
		require.NoError(t, err)
		defer db.Close()
		keys, err := store.NewPersonalDataKeys(master)
		require.NoError(t, err)
		db.SetPersonalDataKeys(keys)
		svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader}
		admin := ledger.CLIActor("test")
		_, err = svc.Create(ctx, admin, ledger.NewLoan{ID: "cli-erase-1", Borrower: borrower, Lender: "bank-9",
			Principal: "1000", Currency: "INR", InterestRateBps: 100, TermMonths: 3})
		require.NoError(t, err)
		_, err = svc.Approve(ctx, admin, "cli-erase-1")
		require.NoError(t, err)
		_, err = svc.MarkRepaid(ctx, admin, "cli-erase-1", "1000")
		require.NoError(t, err)
	}()

	_, err = run(t, ctx, vars, "erase", "--loan", "cli-erase-1")
	require.ErrorContains(t, err, "--reason")
	_, err = run(t, ctx, vars, "erase", "--due", "--dry-run")
	require.ErrorContains(t, err, "retention is off")
	withRetention := map[string]string{"AARTHA_RETENTION_DAYS": "1"}
	for k, v := range vars {
		withRetention[k] = v
	}
	out, err := run(t, ctx, withRetention, "erase", "--due", "--dry-run")
	require.NoError(t, err)
	require.Contains(t, out, "0 loans are due", "the loan closed just now is not due after 1 day")
	_, err = run(t, ctx, vars, "erase", "--loan", "cli-erase-1", "--reason", "court order 12", "--hold")
	require.NoError(t, err)
	_, err = run(t, ctx, vars, "erase", "--loan", "cli-erase-1", "--reason", "borrower asked")
	require.ErrorContains(t, err, "legal hold")
	_, err = run(t, ctx, vars, "erase", "--loan", "cli-erase-1", "--reason", "case closed", "--lift")
	require.NoError(t, err)
	out, err = run(t, ctx, vars, "erase", "--loan", "cli-erase-1", "--reason", "borrower asked")
	require.NoError(t, err)
	require.Contains(t, out, `"erased_by": "cli"`)

	out, err = run(t, ctx, vars, "audit", "verify")
	require.NoError(t, err, out)
	require.Contains(t, out, "audit trail holds")

	var raw []byte
	for _, p := range []string{"aartha.db", "aartha.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, p))
		raw = append(raw, b...)
	}
	require.NotEmpty(t, raw)
	require.False(t, bytes.Contains(raw, []byte("KYC-5550123")), "the borrower is still in the database file")
}
