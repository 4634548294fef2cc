package store_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// Open the embedded SQLite store, bring its schema up to date, and run the
// loan service on it.
func ExampleOpenSQLite() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "aartha-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	db, err := store.OpenSQLite(ctx, filepath.Join(dir, "data", "aartha.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("applied", applied)
	if err := db.CheckSchema(ctx); err != nil {
		panic(err) // `aartha serve` refuses to start here
	}

	svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader}
	_, err = svc.Create(ctx, ledger.CLIActor("ops"), ledger.NewLoan{
		ID: "loan-1", Borrower: "cust-1", Lender: "bank-1",
		Principal: "150000", Currency: "INR", InterestRateBps: 1250, TermMonths: 12,
	})
	if err != nil {
		panic(err)
	}
	loan, err := svc.Approve(ctx, ledger.CLIActor("ops"), "loan-1")
	if err != nil {
		panic(err)
	}
	fmt.Println(loan.ID, loan.Status)

	_, err = svc.Approve(ctx, ledger.CLIActor("ops"), "loan-1")
	fmt.Println(ledger.ErrorCode(err))
	// Output:
	// applied [0001_init.sql 0002_anchoring.sql 0003_tx_journal.sql 0004_users_audit_chain.sql 0005_reconcile_runs.sql 0006_audit_seal.sql 0007_maintenance.sql 0008_sessions.sql 0009_personal_data.sql 0010_audit_keyed_anchored.sql 0011_pii_keyring.sql]
	// loan-1 approved
	// conflict
}
