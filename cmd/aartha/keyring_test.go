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
)

// TestBackupAfterErasureRevealsNothing runs the backup, erase and restore
// path of an embedded deployment through the commands: `aartha backup`
// writes aartha.db without the keyring, `aartha backup --keyring` the
// keyring; after `aartha erase`, the database backup copied back over
// aartha.db opens with the live keyring and the same master key, but the
// erased loan's personal fields read "(erased)" while the other loan reads
// as before, and neither backup file holds a personal value in the clear.
func TestBackupAfterErasureRevealsNothing(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	master := bytes.Repeat([]byte{0x24}, 32)
	vars := map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_PII_MASTER_KEY": hex.EncodeToString(master)}
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	_, err := run(t, ctx, vars, "migrate")
	require.NoError(t, err)

	const borrower = "Borrower Narmada KYC-9912345"
	func() {
		cfg, db, err := (&app{lookup: lookup}).openConfiguredStore(ctx)
		require.NoError(t, err)
		defer db.Close()
		require.Equal(t, filepath.Join(dir, "keyring.db"), cfg.KeyringPath())
		svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader}
		admin := ledger.CLIActor("test")
		for _, id := range []string{"cli-gone-1", "cli-kept-1"} {
			_, err = svc.Create(ctx, admin, ledger.NewLoan{ID: id, Borrower: borrower + " " + id, Lender: "bank-9",
				Principal: "1000", Currency: "INR", InterestRateBps: 100, TermMonths: 3})
			require.NoError(t, err)
		}
		_, err = svc.Reject(ctx, admin, "cli-gone-1", "incomplete")
		require.NoError(t, err)
	}()

	backup, keyringBackup := filepath.Join(t.TempDir(), "aartha.bak"), filepath.Join(t.TempDir(), "keyring.bak")
	out, err := run(t, ctx, vars, "backup", "--out", backup)
	require.NoError(t, err, out)
	out, err = run(t, ctx, vars, "backup", "--keyring", "--out", keyringBackup)
	require.NoError(t, err, out)
	require.Contains(t, out, "keyring backup written")
	out, err = run(t, ctx, vars, "erase", "--loan", "cli-gone-1", "--reason", "borrower asked")
	require.NoError(t, err, out)

	// The restore of docs/commands.md: the backup over aartha.db.
	for _, f := range []string{"aartha.db-wal", "aartha.db-shm"} {
		_ = os.Remove(filepath.Join(dir, f))
	}
	b, err := os.ReadFile(backup)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "aartha.db"), b, 0o600))

	_, db, err := (&app{lookup: lookup}).openConfiguredStore(ctx)
	require.NoError(t, err)
	defer db.Close()
	gone, err := db.Loan(ctx, "cli-gone-1")
	require.NoError(t, err)
	require.Equal(t, "(erased)", gone.Borrower)
	kept, err := db.Loan(ctx, "cli-kept-1")
	require.NoError(t, err)
	require.Equal(t, borrower+" cli-kept-1", kept.Borrower)
	for _, f := range []string{backup, keyringBackup} {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NotEmpty(t, raw)
		require.False(t, bytes.Contains(raw, []byte("KYC-9912345")), "a personal value is in the clear in %s", f)
	}
	require.True(t, bytes.Contains(b, []byte("cli-kept-1")), "the backup is the database")
}

// TestRotatePIICommand rotates the personal-data master key through
// `aartha keys rotate-pii`: afterwards the new key alone reads the loan,
// the old key alone does not, and the run is in the audit trail.
func TestRotatePIICommand(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	oldKey, newKey := hex.EncodeToString(bytes.Repeat([]byte{0x31}, 32)), hex.EncodeToString(bytes.Repeat([]byte{0x32}, 32))
	withKeys := func(master, previous string) func(string) (string, bool) {
		vars := map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_PII_MASTER_KEY": master}
		if previous != "" {
			vars["AARTHA_PII_PREVIOUS_MASTER_KEY"] = previous
		}
		return func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	}
	_, err := run(t, ctx, map[string]string{"AARTHA_DATA_DIR": dir}, "migrate")
	require.NoError(t, err)
	func() {
		_, db, err := (&app{lookup: withKeys(oldKey, "")}).openConfiguredStore(ctx)
		require.NoError(t, err)
		defer db.Close()
		svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader}
		_, err = svc.Create(ctx, ledger.CLIActor("test"), ledger.NewLoan{ID: "cli-rot-1", Borrower: "Borrower Godavari", Lender: "bank-9",
			Principal: "1000", Currency: "INR", InterestRateBps: 100, TermMonths: 3})
		require.NoError(t, err)
	}()

	vars := map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_PII_MASTER_KEY": newKey, "AARTHA_PII_PREVIOUS_MASTER_KEY": oldKey}
	out, err := run(t, ctx, vars, "keys", "rotate-pii", "--batch", "10")
	require.NoError(t, err, out)
	require.Contains(t, out, "(1 re-wrapped now)")
	require.NotContains(t, out, oldKey)
	require.NotContains(t, out, newKey)

	_, db, err := (&app{lookup: withKeys(newKey, "")}).openConfiguredStore(ctx)
	require.NoError(t, err)
	l, err := db.Loan(ctx, "cli-rot-1")
	require.NoError(t, err)
	require.Equal(t, "Borrower Godavari", l.Borrower)
	entries, err := db.AuditEntries(ctx, ledger.AuditFilter{Action: ledger.ActionKeysRotatePII})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Contains(t, string(entries[0].After), `"rewrapped":1`)
	require.NoError(t, db.Close())

	_, old, err := (&app{lookup: withKeys(oldKey, "")}).openConfiguredStore(ctx)
	require.NoError(t, err)
	defer old.Close()
	_, err = old.Loan(ctx, "cli-rot-1")
	require.Error(t, err)
}
