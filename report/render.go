package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Formats are the output formats of Write.
var Formats = []string{"csv", "json", "html", "pdf"}

// Write renders the report in one of Formats.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		return r.WriteJSON(w)
	case "csv":
		return r.WriteCSV(w)
	case "html":
		return r.WriteHTML(w)
	case "pdf":
		return r.WritePDF(w)
	}
	return fmt.Errorf("format %q is unknown: use csv, json, html or pdf", format)
}

// WriteJSON writes the report as indented JSON (field names: Schema).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteCSV writes the report as RFC 4180 CSV (CRLF line ends), one section
// per table, sections separated by an empty line. Every record starts with
// its section's name; the first record of a section is its header. The
// summary section has the columns section, key, value. Text that came from
// users (actors, ids, details) is prefixed with ' when a spreadsheet would
// read it as a formula.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	first := true
	section := func(name string, header []string, rows [][]string) error {
		if !first {
			cw.Flush()
			if _, err := io.WriteString(w, "\r\n"); err != nil {
				return err
			}
		}
		first = false
		if err := cw.Write(append([]string{name}, header...)); err != nil {
			return err
		}
		for _, row := range rows {
			if err := cw.Write(append([]string{name}, row...)); err != nil {
				return err
			}
		}
		return nil
	}
	var summary [][]string
	for _, kv := range r.summary() {
		summary = append(summary, []string{kv[0], kv[1]})
	}
	if err := section("summary", []string{"key", "value"}, summary); err != nil {
		return err
	}
	var rows [][]string
	for _, v := range r.Loans.Volumes {
		rows = append(rows, []string{v.Currency, v.ApprovedPrincipal, v.ApprovedPrincipalMinor, v.RepaidAmount, v.RepaidAmountMinor})
	}
	if err := section("volumes", []string{"currency", "approved_principal", "approved_principal_minor", "repaid_amount", "repaid_amount_minor"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, m := range r.Anchors.ByMode {
		rows = append(rows, []string{m.Mode, itoa(m.Final), itoa(m.FinalApprovals), itoa(m.FinalRepayments), itoa(m.Failed)})
	}
	if err := section("anchors_by_mode", []string{"mode", "final", "final_approvals", "final_repayments", "failed"}, rows); err != nil {
		return err
	}
	fiat := func(s string) string {
		if r.Fees.Fiat == nil {
			return ""
		}
		return s
	}
	var fd, fb string
	if r.Fees.Fiat != nil {
		fd, fb = r.Fees.Fiat.Direct, r.Fees.Fiat.Batch
	}
	rows = [][]string{
		{"direct", itoa(r.Transactions.Direct.Succeeded), itoa(r.Transactions.Direct.Failed), utoa(r.Fees.Direct.GasUsed), r.Fees.Direct.FeesWei, r.Fees.Direct.FeesNative, fiat(fd)},
		{"batch", itoa(r.Transactions.Batch.Succeeded), itoa(r.Transactions.Batch.Failed), utoa(r.Fees.Batch.GasUsed), r.Fees.Batch.FeesWei, r.Fees.Batch.FeesNative, fiat(fb)},
	}
	if err := section("writes_by_mode", []string{"mode", "succeeded", "failed", "gas_used", "fees_wei", "fees_native", "fees_fiat"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, d := range r.Days {
		rows = append(rows, []string{d.Date, itoa(d.RecordsFinal), itoa(d.RecordsFailed), itoa(d.WritesSucceeded), itoa(d.WritesFailed), utoa(d.GasUsed), d.FeesWei})
	}
	if err := section("days", []string{"date", "records_final", "records_failed", "writes_succeeded", "writes_failed", "gas_used", "fees_wei"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, run := range r.Integrity.Reconcile.ProblemRuns {
		c := run.Counts
		rows = append(rows, []string{strconv.FormatInt(run.ID, 10), run.Scope, stamp(run.StartedAt), itoa(run.Loans), itoa(run.Records),
			itoa(c.Match), itoa(c.Mismatch), itoa(c.Missing), itoa(c.Unknown), itoa(c.Pending)})
	}
	if err := section("reconcile_problem_runs", []string{"id", "scope", "started_at", "loans", "records", "match", "mismatch", "missing_on_chain", "unknown_on_chain", "pending"}, rows); err != nil {
		return err
	}
	if err := section("security_counts", []string{"action", "count"}, countRows(r.Security.Counts)); err != nil {
		return err
	}
	rows = nil
	for _, e := range r.Security.Events {
		rows = append(rows, []string{strconv.FormatInt(e.ID, 10), stamp(e.At), e.Action, cell(e.Actor), e.Role, cell(e.Addr), e.Entity, cell(e.EntityID), cell(e.Detail)})
	}
	if err := section("security_events", []string{"id", "at", "action", "actor", "role", "addr", "entity", "entity_id", "detail"}, rows); err != nil {
		return err
	}
	if err := section("audit_actions", []string{"action", "count"}, countRows(r.Security.AuditActions)); err != nil {
		return err
	}
	rows = nil
	for _, c := range r.Privacy.ByActor {
		rows = append(rows, []string{cell(c.Actor), itoa(c.Count)})
	}
	if err := section("erasures_by_actor", []string{"actor", "count"}, rows); err != nil {
		return err
	}
	if err := section("erasures", []string{"loan_id", "erased_at", "erased_by", "reason"}, r.erasedRows(stamp)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// erasedRows are the listed erasures, with times written by at.
func (r *Report) erasedRows(at func(time.Time) string) [][]string {
	var rows [][]string
	for _, e := range r.Privacy.Erased {
		rows = append(rows, []string{cell(e.LoanID), at(e.ErasedAt), cell(e.ErasedBy), cell(e.Reason)})
	}
	return rows
}

func countRows(cs []ActionCount) [][]string {
	var rows [][]string
	for _, c := range cs {
		rows = append(rows, []string{c.Action, itoa(c.Count)})
	}
	return rows
}

// cell keeps a spreadsheet from running user text as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func itoa(n int) string    { return strconv.Itoa(n) }
func utoa(n uint64) string { return strconv.FormatUint(n, 10) }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// summary is the report's headline figures as key/value pairs, in the order
// every format shows them.
func (r *Report) summary() [][2]string {
	opt := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	t, f := r.Transactions, r.Fees
	kv := [][2]string{
		{"schema", r.Schema}, {"month", r.Month}, {"from", stamp(r.From)}, {"until", stamp(r.Until)}, {"generated_at", stamp(r.GeneratedAt)},
		{"loans_created", itoa(r.Loans.Created)}, {"loans_approved", itoa(r.Loans.Approved)}, {"loans_repaid", itoa(r.Loans.Repaid)},
		{"loans_rejected", itoa(r.Loans.Rejected)}, {"loans_defaulted", itoa(r.Loans.Defaulted)},
		{"records_final", itoa(r.Anchors.Final)}, {"records_failed", itoa(r.Anchors.Failed)},
		{"transactions_processed", itoa(t.Processed)}, {"transactions_succeeded", itoa(t.Succeeded)}, {"transactions_failed", itoa(t.Failed)},
		{"success_rate_percent", opt(t.SuccessRate)}, {"failure_rate_percent", opt(t.FailureRate)},
		{"batches_final", itoa(r.Batches.Final)}, {"batches_failed", itoa(r.Batches.Failed)}, {"batch_leaves", itoa(r.Batches.Leaves)},
		{"average_leaves_per_batch", r.Batches.AverageLeaves},
		{"gas_used", utoa(f.GasUsed)}, {"fees_wei", f.FeesWei}, {"fees_native", f.FeesNative}, {"native_symbol", f.NativeSymbol},
		{"fee_per_record_wei", f.FeePerRecordWei}, {"fee_per_record_native", f.FeePerRecordNative},
		{"writes_without_gas", itoa(f.WritesWithoutGas)}, {"unpriced_gas", utoa(f.UnpricedGas)},
	}
	if f.Fiat != nil {
		kv = append(kv, [2]string{"fiat_currency", f.Fiat.Currency}, [2]string{"fiat_rate", f.Fiat.Rate},
			[2]string{"fees_fiat", f.Fiat.Fees}, [2]string{"fee_per_record_fiat", f.Fiat.FeePerRecord})
	}
	if c := r.Integrity.AuditChain; c != nil {
		kv = append(kv, [2]string{"audit_chain_holds", strconv.FormatBool(c.Holds)}, [2]string{"audit_chain_rows", strconv.FormatInt(c.Rows, 10)},
			[2]string{"audit_chain_unsealed", strconv.FormatInt(c.Unsealed, 10)}, [2]string{"audit_chain_late", strconv.FormatInt(c.Late, 10)},
			[2]string{"audit_chain_head", c.Head})
		if c.BreakReason != "" {
			kv = append(kv, [2]string{"audit_chain_break_id", strconv.FormatInt(c.BreakID, 10)}, [2]string{"audit_chain_break", c.BreakReason})
		}
	} else {
		kv = append(kv, [2]string{"audit_chain_holds", "not checked"})
	}
	rc := r.Integrity.Reconcile
	kv = append(kv, [2]string{"reconcile_runs", itoa(rc.Runs)}, [2]string{"reconcile_runs_with_problems", itoa(rc.RunsWithProblems)})
	if l := rc.Latest; l != nil {
		which := "latest in month"
		if !rc.LatestInMonth {
			which = "first after month"
		}
		kv = append(kv, [2]string{"reconcile_run", fmt.Sprintf("%d (%s, %s, %s)", l.ID, which, l.Scope, stamp(l.StartedAt))},
			[2]string{"reconcile_run_records", itoa(l.Records)}, [2]string{"reconcile_run_problems", itoa(l.Problems)})
	} else {
		kv = append(kv, [2]string{"reconcile_run", "none"})
	}
	events := 0
	for _, c := range r.Security.Counts {
		events += c.Count
	}
	kv = append(kv, [2]string{"security_events", itoa(events)})
	p := r.Privacy
	kv = append(kv, [2]string{"erasures", itoa(p.Erasures)}, [2]string{"legal_holds_set", itoa(p.HoldsSet)},
		[2]string{"legal_holds_lifted", itoa(p.HoldsLifted)}, [2]string{"loans_held_now", itoa(p.HeldNow)})
	return kv
}
