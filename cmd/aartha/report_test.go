package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/report"
)

// TestReportOfDemoMonth anchors a demo's loans (four approvals, one
// repayment) with the worker on the embedded chain, reconciles, and checks
// the month's report exactly in JSON — the fees against the gas the worker
// wrote into the audit trail — and that the CSV, HTML and PDF forms are well
// formed.
func TestReportOfDemoMonth(t *testing.T) {
	forEachOpsCase(t, func(t *testing.T, mode string, postgres bool) {
		month := time.Now().UTC().Format("2006-01")
		e := newOpsEnv(t, mode, postgres)
		out, err := e.run(t, "reconcile", "--all")
		require.NoError(t, err, out)
		if time.Now().UTC().Format("2006-01") != month {
			t.Skip("the month changed while the demo ran")
		}

		out, err = e.run(t, "report", "--month", month, "--format", "json", "--fiat-rate", "2000.5", "--fiat-currency", "EUR")
		require.NoError(t, err, out)
		var r report.Report
		require.NoError(t, json.Unmarshal([]byte(out), &r), out)

		require.Equal(t, month, r.Month)
		require.Equal(t, report.Loans{Created: 4, Approved: 4, Repaid: 1, Volumes: r.Loans.Volumes}, r.Loans)
		require.Len(t, r.Loans.Volumes, 1)
		require.Equal(t, 5, r.Anchors.Final)
		require.Zero(t, r.Anchors.Failed)

		// The independent account: the worker's audit rows of final writes,
		// each with its gas and cost.
		want := e.finalWrites(t, month)
		writes := len(want.costs)
		require.Equal(t, writes, r.Transactions.Processed)
		require.Equal(t, writes, r.Transactions.Succeeded)
		require.Equal(t, "100.00", *r.Transactions.SuccessRate)
		require.Equal(t, "0.00", *r.Transactions.FailureRate)
		total := new(big.Int)
		for _, c := range want.costs {
			total.Add(total, c)
		}
		require.Equal(t, want.gas, r.Fees.GasUsed)
		require.Equal(t, total.String(), r.Fees.FeesWei)
		require.Positive(t, total.Sign())
		require.Zero(t, r.Fees.WritesWithoutGas)
		if mode == "batch" {
			require.Equal(t, report.WriteCount{Succeeded: writes}, r.Transactions.Batch)
			require.Equal(t, 5, r.Batches.Leaves)
			require.Equal(t, total.String(), r.Batches.FeesWei)
		} else {
			require.Equal(t, report.WriteCount{Succeeded: 5}, r.Transactions.Direct)
			require.Zero(t, r.Batches.Final)
		}
		// fiat = wei × 2000.5 / 10^18, to cents.
		fiat := new(big.Rat).SetFrac(new(big.Int).Mul(total, big.NewInt(20005)), new(big.Int).Exp(big.NewInt(10), big.NewInt(19), nil))
		require.Equal(t, fiat.FloatString(2), r.Fees.Fiat.Fees)
		require.Equal(t, "2000.5", r.Fees.Fiat.Rate)
		days := 0
		for _, d := range r.Days {
			days += d.RecordsFinal
		}
		require.Equal(t, 5, days)

		require.True(t, r.Integrity.AuditChain.Holds)
		require.Positive(t, r.Integrity.AuditChain.Rows+r.Integrity.AuditChain.Unsealed)
		require.Equal(t, 1, r.Integrity.Reconcile.Runs)
		require.True(t, r.Integrity.Reconcile.LatestInMonth)
		require.Equal(t, ledger.ReconcileCounts{Match: 5}, r.Integrity.Reconcile.Latest.Counts)
		require.Equal(t, []report.ActionCount{}, r.Security.Counts, "a clean demo has no security events")

		// CSV: RFC 4180, sections as documented.
		out, err = e.run(t, "report", "--month", month, "--format", "csv")
		require.NoError(t, err, out)
		cr := csv.NewReader(strings.NewReader(out))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()
		require.NoError(t, err)
		require.Contains(t, recs, []string{"summary", "transactions_processed", strconv.Itoa(writes)})
		require.Contains(t, recs, []string{"summary", "fees_wei", total.String()})

		// HTML and PDF files.
		html := filepath.Join(e.dir, "report.html")
		out, err = e.run(t, "report", "--month", month, "--format", "html", "--out", html)
		require.NoError(t, err, out)
		page, err := os.ReadFile(html)
		require.NoError(t, err)
		require.Len(t, regexp.MustCompile(`<svg `).FindAll(page, -1), 3)
		require.Contains(t, string(page), "<h1>Aartha compliance report — "+month+"</h1>")

		pdf := filepath.Join(e.dir, "report.pdf")
		out, err = e.run(t, "report", "--month", month, "--format", "pdf", "--out", pdf)
		require.NoError(t, err, out)
		b, err := os.ReadFile(pdf)
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(b, []byte("%PDF-1.4")))
		require.Contains(t, string(b), "(transactions_processed")
		require.True(t, bytes.HasSuffix(b, []byte("%%EOF\n")))

		_, err = e.run(t, "report", "--month", "2026-13")
		require.ErrorContains(t, err, "write YYYY-MM")
		_, err = e.run(t, "report", "--month", month, "--format", "pdf")
		require.ErrorContains(t, err, "--out")
	})
}

type writeAccount struct {
	gas   uint64
	costs []*big.Int
}

// finalWrites reads the audit rows of the month's final chain writes: a
// batch's "batch.final", a direct anchor's "anchor.final".
func (e *opsEnv) finalWrites(t *testing.T, month string) writeAccount {
	t.Helper()
	db := e.store(t)
	defer db.Close()
	from, err := time.Parse("2006-01", month)
	require.NoError(t, err)
	var acc writeAccount
	for _, action := range []string{"batch.final", "anchor.final"} {
		es, err := db.AuditEntries(context.Background(), ledger.AuditFilter{Action: action, Since: from, Until: from.AddDate(0, 1, 0), Limit: 1000})
		require.NoError(t, err)
		for _, en := range es {
			require.NotNil(t, en.Chain, "%s row %d has its chain write", action, en.ID)
			cost, ok := new(big.Int).SetString(en.Chain.TotalCostWei, 10)
			require.True(t, ok, "row %d: total cost %q", en.ID, en.Chain.TotalCostWei)
			acc.gas += en.Chain.GasUsed
			acc.costs = append(acc.costs, cost)
		}
	}
	return acc
}
