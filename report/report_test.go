package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/report"
)

func (f *fakeSource) ErasuresBetween(_ context.Context, since, until time.Time, limit int) ([]ledger.Erasure, error) {
	var out []ledger.Erasure
	for _, e := range f.erased {
		if !e.ErasedAt.Before(since) && e.ErasedAt.Before(until) && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeSource) ErasureCounts(_ context.Context, since, until time.Time) ([]ledger.ErasureCount, error) {
	var out []ledger.ErasureCount
	for _, e := range f.erased {
		if e.ErasedAt.Before(since) || !e.ErasedAt.Before(until) {
			continue
		}
		i := slices.IndexFunc(out, func(c ledger.ErasureCount) bool { return c.ErasedBy == e.ErasedBy })
		if i < 0 {
			out = append(out, ledger.ErasureCount{ErasedBy: e.ErasedBy})
			i = len(out) - 1
		}
		out[i].Count++
	}
	slices.SortFunc(out, func(a, b ledger.ErasureCount) int { return strings.Compare(a.ErasedBy, b.ErasedBy) })
	return out, nil
}

func (f *fakeSource) LegalHoldCount(context.Context) (int, error) { return f.held, nil }

// fakeSource is a Source with fixed answers.
type fakeSource struct {
	loans   []ledger.LoanActivity
	anchors []ledger.AnchorActivity
	writes  []ledger.WriteActivity
	counts  []ledger.ActionCount
	entries []ledger.AuditEntry
	runs    []*ledger.ReconcileRun
	chain   ledger.AuditChainReport
	erased  []ledger.Erasure
	held    int
}

func (f *fakeSource) LoanActivity(context.Context, time.Time, time.Time) ([]ledger.LoanActivity, error) {
	return f.loans, nil
}

func (f *fakeSource) AnchorActivity(context.Context, time.Time, time.Time) ([]ledger.AnchorActivity, error) {
	return f.anchors, nil
}

func (f *fakeSource) WriteActivity(context.Context, time.Time, time.Time) ([]ledger.WriteActivity, error) {
	return f.writes, nil
}

func (f *fakeSource) AuditActionCounts(context.Context, time.Time, time.Time) ([]ledger.ActionCount, error) {
	return f.counts, nil
}

func (f *fakeSource) AuditEntries(_ context.Context, filter ledger.AuditFilter) ([]ledger.AuditEntry, error) {
	var out []ledger.AuditEntry
	for i := len(f.entries) - 1; i >= 0; i-- {
		if e := f.entries[i]; e.Action == filter.Action && !e.At.Before(filter.Since) && e.At.Before(filter.Until) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeSource) ReconcileRunsStarted(_ context.Context, since, until time.Time, limit int) ([]*ledger.ReconcileRun, error) {
	var out []*ledger.ReconcileRun
	for _, r := range f.runs {
		if !r.StartedAt.Before(since) && (until.IsZero() || r.StartedAt.Before(until)) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeSource) VerifyAuditChain(context.Context) (ledger.AuditChainReport, error) {
	return f.chain, nil
}

var march = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func sample() *fakeSource {
	return &fakeSource{
		loans: []ledger.LoanActivity{
			{Event: "approved", Currency: "INR", Count: 3, AmountMinor: "450000"},
			{Event: "approved", Currency: "JPY", Count: 1, AmountMinor: "90000"},
			{Event: "created", Currency: "INR", Count: 5, AmountMinor: "750000"},
			{Event: "rejected", Currency: "INR", Count: 1, AmountMinor: "150000"},
			{Event: "repaid", Currency: "INR", Count: 1, AmountMinor: "168001"},
		},
		anchors: []ledger.AnchorActivity{
			{Day: "2026-03-02", Mode: "batch", Kind: ledger.KindApproved, Status: ledger.AnchorFinal, Count: 1000},
			{Day: "2026-03-02", Mode: "direct", Kind: ledger.KindRepaid, Status: ledger.AnchorFinal, Count: 1},
			{Day: "2026-03-31", Mode: "direct", Kind: ledger.KindApproved, Status: ledger.AnchorFailed, Count: 2},
		},
		writes: []ledger.WriteActivity{
			{Day: "2026-03-02", Mode: "batch", Status: ledger.AnchorFinal, Writes: 1, Records: 1000, WithGas: 1, GasUsed: 77676, GasPriceWei: "30000000000"},
			{Day: "2026-03-02", Mode: "direct", Status: ledger.AnchorFinal, Writes: 1, Records: 1, WithGas: 1, GasUsed: 33753, GasPriceWei: "1000000001"},
			{Day: "2026-03-31", Mode: "direct", Status: ledger.AnchorFailed, Writes: 2, Records: 2, WithGas: 1, GasUsed: 21000},
		},
		counts: []ledger.ActionCount{{Action: "anchor.failed", Count: 2}, {Action: "loan.create", Count: 5}, {Action: "user.create", Count: 1}, {Action: "user.role", Count: 1}},
		entries: []ledger.AuditEntry{
			{ID: 3, At: march.Add(time.Hour), Action: "user.create", Actor: ledger.CLIActor("root"), Entity: "user", EntityID: "=cmd|' /C calc'!A0",
				After: json.RawMessage(`{"email":"op@example.com","role":"operator"}`)},
			{ID: 9, At: march.AddDate(0, 0, 30), Action: "anchor.failed", Actor: ledger.SystemActor(), Entity: "loan", EntityID: "L-2",
				After: json.RawMessage(`{"anchor_status":"failed","error":"execution reverted <b>"}`)},
			{ID: 10, At: march.AddDate(0, 0, 30), Action: "anchor.failed", Actor: ledger.SystemActor(), Entity: "loan", EntityID: "L-3",
				After: json.RawMessage(`{"anchor_status":"failed","error":"fee cap"}`)},
		},
		runs: []*ledger.ReconcileRun{
			{ID: 1, Scope: "all", StartedAt: march.AddDate(0, 0, -3)},
			{ID: 2, Scope: "sample", StartedAt: march.AddDate(0, 0, 7), Records: 10, Loans: 5, Counts: ledger.ReconcileCounts{Match: 9, Mismatch: 1}},
			{ID: 3, Scope: "all", StartedAt: march.AddDate(0, 0, 14), Records: 1003, Loans: 1003, Counts: ledger.ReconcileCounts{Match: 1003}},
			{ID: 4, Scope: "all", StartedAt: march.AddDate(0, 1, 1)},
		},
		chain: ledger.AuditChainReport{Rows: 42, Unsealed: 1, Head: "0xabc"},
	}
}

func build(t *testing.T, src report.Source, opts report.Options) *report.Report {
	t.Helper()
	opts.Month = march
	opts.Now = func() time.Time { return time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC) }
	r, err := report.Build(context.Background(), src, opts)
	require.NoError(t, err)
	return r
}

func TestBuildComputesEveryFigureExactly(t *testing.T) {
	t.Parallel()
	rate, err := report.ParseRate("3500.125")
	require.NoError(t, err)
	r := build(t, sample(), report.Options{FiatRate: rate, FiatCurrency: "USD"})

	require.Equal(t, "2026-03", r.Month)
	require.Len(t, r.Days, 31)
	require.Equal(t, report.Loans{Created: 5, Approved: 4, Repaid: 1, Rejected: 1, Volumes: []report.Volume{
		{Currency: "INR", ApprovedPrincipal: "4500.00", ApprovedPrincipalMinor: "450000", RepaidAmount: "1680.01", RepaidAmountMinor: "168001"},
		{Currency: "JPY", ApprovedPrincipal: "90000", ApprovedPrincipalMinor: "90000", RepaidAmount: "0", RepaidAmountMinor: "0"},
	}}, r.Loans)
	require.Equal(t, report.Anchors{Final: 1001, Failed: 2, ByMode: []report.AnchorMode{
		{Mode: "batch", Final: 1000, FinalApprovals: 1000},
		{Mode: "direct", Final: 1, FinalRepayments: 1, Failed: 2},
	}}, r.Anchors)

	s, f := "50.00", "50.00"
	require.Equal(t, report.Transactions{Processed: 4, Succeeded: 2, Failed: 2, SuccessRate: &s, FailureRate: &f,
		Direct: report.WriteCount{Succeeded: 1, Failed: 2}, Batch: report.WriteCount{Succeeded: 1}}, r.Transactions)
	// 77676 gas at 30 gwei = 2330280000000000 wei; 33753 at 1000000001 wei
	// = 33753000033753 wei; the failed writes' 21000 gas has no price.
	require.Equal(t, report.Batches{Final: 1, Leaves: 1000, AverageLeaves: "1000.00", GasUsed: 77676,
		FeesWei: "2330280000000000", FeesNative: "0.00233028"}, r.Batches)
	require.Equal(t, report.Fees{
		NativeSymbol: "ETH", GasUsed: 132429, FeesWei: "2364033000033753", FeesNative: "0.002364033000033753",
		FeePerRecordWei: "2361671328705", FeePerRecordNative: "0.000002361671328705",
		Direct:           report.Fee{GasUsed: 54753, FeesWei: "33753000033753", FeesNative: "0.000033753000033753"},
		Batch:            report.Fee{GasUsed: 77676, FeesWei: "2330280000000000", FeesNative: "0.00233028"},
		WritesWithoutGas: 1, UnpricedGas: 21000,
		// 0.002364033000033753 × 3500.125 = 8.2744... → 8.27; per record
		// 0.0000023616713 × 3500.125 = 0.008266... → 0.0083 (two more places).
		Fiat: &report.Fiat{Currency: "USD", Rate: "3500.125", Fees: "8.27", FeePerRecord: "0.0083", Direct: "0.12", Batch: "8.16"},
	}, r.Fees)
	require.Equal(t, report.Day{Date: "2026-03-02", RecordsFinal: 1001, WritesSucceeded: 2, GasUsed: 111429, FeesWei: "2364033000033753"}, r.Days[1])
	require.Equal(t, report.Day{Date: "2026-03-31", RecordsFailed: 2, WritesFailed: 2, GasUsed: 21000, FeesWei: "0"}, r.Days[30])

	require.Equal(t, &report.AuditChain{Holds: true, Rows: 42, Unsealed: 1, Head: "0xabc"}, r.Integrity.AuditChain)
	rc := r.Integrity.Reconcile
	require.Equal(t, 2, rc.Runs)
	require.Equal(t, 1, rc.RunsWithProblems)
	require.True(t, rc.LatestInMonth)
	require.Equal(t, int64(3), rc.Latest.ID)
	require.Equal(t, []int64{2}, []int64{rc.ProblemRuns[0].ID})
	require.Equal(t, 1, rc.ProblemRuns[0].Problems)

	require.Equal(t, []report.ActionCount{{Action: "anchor.failed", Count: 2}, {Action: "user.create", Count: 1}, {Action: "user.role", Count: 1}}, r.Security.Counts)
	require.Len(t, r.Security.AuditActions, 4)
	require.Equal(t, []int64{3, 9, 10}, []int64{r.Security.Events[0].ID, r.Security.Events[1].ID, r.Security.Events[2].ID})
	require.Equal(t, "role: operator", r.Security.Events[0].Detail)
	require.Equal(t, "error: fee cap", r.Security.Events[2].Detail)
}

func TestBuildCountsErasuresAndLegalHolds(t *testing.T) {
	t.Parallel()
	src := sample()
	src.erased = []ledger.Erasure{
		{LoanID: "L-0", ErasedAt: march.Add(-time.Second), ErasedBy: "admin@example.com", Reason: "February: not counted"},
		{LoanID: "L-1", ErasedAt: march.AddDate(0, 0, 3), ErasedBy: "admin@example.com", Reason: "borrower asked (ticket 7)"},
		{LoanID: "L-4", ErasedAt: march.AddDate(0, 0, 4), ErasedBy: "system", Reason: ledger.RetentionReason(30)},
		{LoanID: "L-5", ErasedAt: march.AddDate(0, 0, 4), ErasedBy: "system", Reason: ledger.RetentionReason(30)},
		{LoanID: "L-6", ErasedAt: march.AddDate(0, 1, 0), ErasedBy: "system", Reason: "April: not counted"},
	}
	src.held = 2
	src.counts = append(src.counts, ledger.ActionCount{Action: ledger.ActionLoanHoldSet, Count: 3}, ledger.ActionCount{Action: ledger.ActionLoanHoldLift, Count: 1})
	r := build(t, src, report.Options{})

	p := r.Privacy
	require.Equal(t, 3, p.Erasures)
	require.Equal(t, []report.ActorCount{{Actor: "admin@example.com", Count: 1}, {Actor: "system", Count: 2}}, p.ByActor)
	require.Equal(t, 3, p.HoldsSet)
	require.Equal(t, 1, p.HoldsLifted)
	require.Equal(t, 2, p.HeldNow)
	require.False(t, p.ErasedTruncated)
	require.Equal(t, []string{"L-1", "L-4", "L-5"}, []string{p.Erased[0].LoanID, p.Erased[1].LoanID, p.Erased[2].LoanID})
	require.Equal(t, "borrower asked (ticket 7)", p.Erased[0].Reason)

	var csvOut, htmlOut bytes.Buffer
	require.NoError(t, r.WriteCSV(&csvOut))
	require.Contains(t, csvOut.String(), "summary,erasures,3\r\n")
	require.Contains(t, csvOut.String(), "summary,legal_holds_set,3\r\n")
	require.Contains(t, csvOut.String(), "erasures_by_actor,system,2\r\n")
	require.Contains(t, csvOut.String(), "erasures,L-1,2026-03-04T00:00:00Z,admin@example.com,borrower asked (ticket 7)\r\n")
	require.NoError(t, r.WriteHTML(&htmlOut))
	require.Contains(t, htmlOut.String(), "3 loans erased in the month; legal holds set 3, lifted 1; 2 loans under legal hold when generated.")
}

func TestBuildWithoutRunsInTheMonthNamesTheNextRun(t *testing.T) {
	t.Parallel()
	src := sample()
	src.runs = []*ledger.ReconcileRun{src.runs[0], src.runs[3]}
	src.chain = ledger.AuditChainReport{Rows: 5, Break: &ledger.AuditBreak{ID: 4, Reason: "row 4 was edited"}}
	r := build(t, src, report.Options{})
	require.False(t, r.Integrity.Reconcile.LatestInMonth)
	require.Equal(t, int64(4), r.Integrity.Reconcile.Latest.ID)
	require.False(t, r.Integrity.AuditChain.Holds)
	require.Equal(t, "row 4 was edited", r.Integrity.AuditChain.BreakReason)
	require.Nil(t, r.Fees.Fiat)

	r = build(t, &fakeSource{}, report.Options{SkipAuditChain: true})
	require.Nil(t, r.Transactions.SuccessRate, "no rate when nothing was processed")
	require.Nil(t, r.Integrity.AuditChain)
	require.Nil(t, r.Integrity.Reconcile.Latest)
	require.Equal(t, "0", r.Fees.FeesWei)
}

func TestParseRateAndMonth(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "0", "-1", "1e3", "1/3", "3,500", ".5", "5.", "1.2.3", "NaN"} {
		_, err := report.ParseRate(s)
		require.Error(t, err, s)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), s)
	}
	r, err := report.ParseRate("0.000001")
	require.NoError(t, err)
	require.Equal(t, "1/1000000", r.String())
	for _, s := range []string{"2026-13", "2026-3", "26-03", "march"} {
		_, err := report.ParseMonth(s)
		require.Error(t, err, s)
	}
	m, err := report.ParseMonth("2024-02")
	require.NoError(t, err)
	r2 := build(t, &fakeSource{}, report.Options{SkipAuditChain: true})
	_ = r2
	rep, err := report.Build(context.Background(), &fakeSource{}, report.Options{Month: m, SkipAuditChain: true})
	require.NoError(t, err)
	require.Len(t, rep.Days, 29, "leap February")
}

func TestCSVIsRFC4180WithOneSectionPerTable(t *testing.T) {
	t.Parallel()
	rate, _ := report.ParseRate("2000")
	r := build(t, sample(), report.Options{FiatRate: rate, FiatCurrency: "EUR"})
	var b bytes.Buffer
	require.NoError(t, r.WriteCSV(&b))
	require.NotContains(t, strings.ReplaceAll(b.String(), "\r\n", ""), "\n", "every line ends in CRLF")

	cr := csv.NewReader(&b)
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	require.NoError(t, err)
	sections := map[string][][]string{}
	var order []string
	for _, rec := range records {
		if _, ok := sections[rec[0]]; !ok {
			order = append(order, rec[0])
		}
		sections[rec[0]] = append(sections[rec[0]], rec[1:])
	}
	require.Equal(t, []string{"summary", "volumes", "anchors_by_mode", "writes_by_mode", "days", "reconcile_problem_runs",
		"security_counts", "security_events", "audit_actions", "erasures_by_actor", "erasures"}, order)
	for name, rows := range sections {
		for _, row := range rows {
			require.Len(t, row, len(rows[0]), "section %s has a fixed number of fields", name)
		}
	}
	summary := map[string]string{}
	for _, kv := range sections["summary"][1:] {
		summary[kv[0]] = kv[1]
	}
	require.Equal(t, "4", summary["transactions_processed"])
	require.Equal(t, "50.00", summary["success_rate_percent"])
	require.Equal(t, "4.73", summary["fees_fiat"])
	require.Len(t, sections["days"], 32)
	require.Equal(t, "'=cmd|' /C calc'!A0", sections["security_events"][1][7], "a formula is defused")
}

func TestHTMLIsOnePageWithInlineSVGCharts(t *testing.T) {
	t.Parallel()
	r := build(t, sample(), report.Options{})
	var b bytes.Buffer
	require.NoError(t, r.WriteHTML(&b))
	page := b.String()
	require.Contains(t, page, "<h1>Aartha compliance report — 2026-03</h1>")
	require.NotContains(t, page, "<script")
	require.NotContains(t, page, "execution reverted <b>", "user text is escaped")
	require.Contains(t, page, "execution reverted &lt;b&gt;")
	svgs := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(page, -1)
	require.Len(t, svgs, 3)
	for _, s := range svgs {
		require.NoError(t, wellFormedXML(s), s)
	}
	require.Contains(t, svgs[0], `<title>02 final: 1001</title>`)
	require.Contains(t, svgs[2], `<title>31 gas: 21000</title>`)
}

func wellFormedXML(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestJSONFieldNamesAreStable(t *testing.T) {
	t.Parallel()
	r := build(t, sample(), report.Options{})
	var b bytes.Buffer
	require.NoError(t, r.WriteJSON(&b))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	keys := func(m any) []string {
		var out []string
		for k := range m.(map[string]any) {
			out = append(out, k)
		}
		return out
	}
	require.ElementsMatch(t, []string{"schema", "month", "from", "until", "generated_at", "loans", "anchors", "transactions",
		"batches", "fees", "days", "integrity", "security", "privacy"}, keys(doc))
	require.ElementsMatch(t, []string{"erasures", "by_actor", "legal_holds_set", "legal_holds_lifted", "loans_held_now", "erased", "erased_truncated"}, keys(doc["privacy"]))
	require.ElementsMatch(t, []string{"processed", "succeeded", "failed", "success_rate", "failure_rate", "direct", "batch"}, keys(doc["transactions"]))
	require.ElementsMatch(t, []string{"native_symbol", "gas_used", "fees_wei", "fees_native", "fee_per_record_wei", "fee_per_record_native",
		"direct", "batch", "writes_without_gas", "unpriced_gas", "fiat"}, keys(doc["fees"]))
	require.Equal(t, "aartha.report/v1", doc["schema"])
}

// TestPDFStructure checks the PDF writer's structure: the header, every
// cross-reference offset pointing at its object, stream lengths, the
// trailer's startxref — and, when poppler's pdftotext is installed, that a
// reader extracts the text.
func TestPDFStructure(t *testing.T) {
	t.Parallel()
	src := sample()
	for i := range 300 { // enough rows for several pages
		src.entries = append(src.entries, ledger.AuditEntry{ID: int64(100 + i), At: march.Add(time.Duration(i) * time.Minute),
			Action: "anchor.failed", Actor: ledger.SystemActor(), Entity: "loan", EntityID: "L-" + strconv.Itoa(i), After: json.RawMessage(`{"error":"(paren) \\ back"}`)})
	}
	src.counts[0].Count = 302
	r := build(t, src, report.Options{})
	var b bytes.Buffer
	require.NoError(t, r.WritePDF(&b))
	pdf := b.Bytes()
	CheckPDF(t, pdf)
	require.Contains(t, string(pdf), `error: \(paren\) \\ back)`)

	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext not installed: text extraction not checked")
		return
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o600))
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	require.NoError(t, err, string(out))
	text := string(out)
	require.Contains(t, text, "Aartha compliance report 2026-03")
	require.Regexp(t, `transactions_processed\s+4`, text)
	require.Contains(t, text, "L-299")
}

// CheckPDF checks a PDF's structure as a reader finds it: from startxref to
// the cross-reference table, each entry to its "N 0 obj", each stream's
// /Length to its endstream.
func CheckPDF(t *testing.T, pdf []byte) {
	t.Helper()
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")))
	require.True(t, bytes.HasSuffix(pdf, []byte("%%EOF\n")))
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	require.NotNil(t, m)
	xref, _ := strconv.Atoi(string(m[1]))
	require.True(t, bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")))
	lines := strings.Split(string(pdf[xref:]), "\n")
	n, _ := strconv.Atoi(strings.Fields(lines[1])[1])
	require.Greater(t, n, 7)
	require.Equal(t, "0000000000 65535 f ", lines[2])
	for i := 1; i < n; i++ {
		entry := lines[2+i]
		require.Len(t, entry, 19, "entries are 20 bytes with the newline")
		off, _ := strconv.Atoi(entry[:10])
		require.True(t, bytes.HasPrefix(pdf[off:], []byte(strconv.Itoa(i)+" 0 obj\n")), "object %d at %d", i, off)
	}
	require.Contains(t, string(pdf), "trailer\n<< /Size "+strconv.Itoa(n)+" /Root 1 0 R")
	for _, loc := range regexp.MustCompile(`/Length (\d+) >>\nstream\n`).FindAllSubmatchIndex(pdf, -1) {
		length, _ := strconv.Atoi(string(pdf[loc[2]:loc[3]]))
		require.True(t, bytes.HasPrefix(pdf[loc[1]+length:], []byte("endstream")), "stream length")
	}
	pages := regexp.MustCompile(`/Count (\d+)`).FindSubmatch(pdf)
	count, _ := strconv.Atoi(string(pages[1]))
	require.Equal(t, count, bytes.Count(pdf, []byte("/Type /Page ")))
}
