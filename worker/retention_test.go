package worker_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/worker"
)

// TestRetentionJob runs the whole life of a loan on the simulated chain
// with encryption on: create, approve, anchor, repay, anchor; the River
// retention job (its clock two days ahead of a one-day retention) then
// erases it once its anchors are final, and no job argument ever held its
// borrower.
func TestRetentionJob(t *testing.T) {
	r := newRig(t, ledger.ModeBatch)
	keys, err := store.NewPersonalDataKeys(bytes.Repeat([]byte{5}, store.MasterKeySize))
	require.NoError(t, err)
	r.db.SetPersonalDataKeys(keys)
	ctx := context.Background()
	actor := ledger.CLIActor("test")
	const borrower = "Retained Borrower KYC-9912"
	_, err = r.svc.Create(ctx, actor, ledger.NewLoan{ID: "ret-1", Borrower: borrower, Lender: "bank",
		Principal: "1000", Currency: "EUR", InterestRateBps: 500, TermMonths: 6})
	require.NoError(t, err)
	_, err = r.svc.Approve(ctx, actor, "ret-1")
	require.NoError(t, err)

	w, err := worker.New(r.db, r.evmChain(t), worker.Config{
		Mode: r.mode, Contract: r.chain.Registry().Hex(), BatchMax: 4, BatchWindow: 100 * time.Millisecond,
		MaxRetries: 10, RetryDelay: 100 * time.Millisecond, Network: "eip155:1337",
		Log:           slog.New(slog.NewTextHandler(t.Output(), nil)), // shown if the test fails
		Now:           func() time.Time { return time.Now().AddDate(0, 0, 2) },
		RetentionDays: 1, RetentionInterval: 100 * time.Millisecond,
	})
	require.NoError(t, err)
	r.run(t, w)
	r.waitFinal(t, []string{"ret-1"})
	_, err = r.svc.MarkRepaid(ctx, actor, "ret-1", "1000")
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		l, err := r.db.Loan(ctx, "ret-1")
		require.NoError(t, err)
		return l.ErasedAt != nil
	}, 2*time.Minute, 100*time.Millisecond, "the retention job erases the loan once its anchors are final")
	as, err := r.db.Anchors(ctx, ledger.AnchorFilter{LoanID: "ret-1"})
	require.NoError(t, err)
	require.Len(t, as, 2)
	for _, a := range as {
		require.Equal(t, ledger.AnchorFinal, a.Status, "erased only after the repayment anchor was final")
	}
	l, err := r.db.Loan(ctx, "ret-1")
	require.NoError(t, err)
	require.Empty(t, l.Borrower)

	rows, err := r.db.SQLDB().QueryContext(ctx, "SELECT kind, CAST(args AS TEXT) FROM river_job")
	require.NoError(t, err)
	defer rows.Close()
	kinds := map[string]bool{}
	for rows.Next() {
		var kind, args string
		require.NoError(t, rows.Scan(&kind, &args))
		kinds[kind] = true
		require.NotContains(t, args, "KYC-9912")
	}
	require.NoError(t, rows.Err())
	require.True(t, kinds["aartha_retention"], "the retention job ran through River: %v", kinds)
}
