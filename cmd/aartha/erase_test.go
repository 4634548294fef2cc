package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// pdfToText reads a PDF's text with poppler's pdftotext, words separated by
// single spaces. Under CI=true a missing pdftotext fails the test.
func pdfToText(t *testing.T, file string) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not found: install Debian's poppler-utils; CI needs it to read the certificate")
		}
		t.Skip("pdftotext not found: install Debian's poppler-utils to read the certificate")
	}
	text, err := exec.Command(tool, "-layout", file, "-").CombinedOutput()
	require.NoError(t, err, "%s", text)
	return strings.Join(strings.Fields(string(text)), " ")
}

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
	_, err = run(t, ctx, vars, "erase", "--loan", "cli-erase-1", "--certificate", filepath.Join(dir, "early.pdf"))
	require.ErrorContains(t, err, "was not erased")
	_, err = run(t, ctx, vars, "erase", "--loan", "cli-erase-1", "--reason", "x", "--hold", "--certificate", filepath.Join(dir, "hold.pdf"))
	require.ErrorContains(t, err, "not with --hold")
	certificate := filepath.Join(dir, "erasure.pdf")
	out, err = run(t, ctx, vars, "erase", "--loan", "cli-erase-1", "--reason", "borrower asked", "--certificate", certificate)
	require.NoError(t, err)
	require.Contains(t, out, `"erased_by": "cli"`)
	require.Contains(t, out, `"erased_salts": [`+"\n"+`    "approved",`+"\n"+`    "repaid"`)
	require.Contains(t, out, ledger.ErasureCertificateStatement[:40])

	// The certificate again, later: the same facts, nothing erased twice.
	later := filepath.Join(dir, "erasure-later.pdf")
	again, err := run(t, ctx, vars, "erase", "--loan", "cli-erase-1", "--certificate", later)
	require.NoError(t, err)
	require.Equal(t, out, again)
	for _, file := range []string{certificate, later} {
		text := pdfToText(t, file)
		for _, want := range []string{"Personal data erasure certificate", "cli-erase-1", "borrower asked", "Erased by cli",
			"of the approved and repaid record", "Our copy can no longer reproduce"} {
			require.Contains(t, text, want, file)
		}
	}

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
