package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	ledger "github.com/aartha/ledger"
)

// WriteRun writes a reconciliation run for a person.
func WriteRun(w io.Writer, run *ledger.ReconcileRun) {
	c := run.Counts
	fmt.Fprintf(w, "Reconcile run %d (%s): %d loans, %d records, chain %s registry %s, blocks %d-%d\n",
		run.ID, run.Scope, run.Loans, run.Records, run.Chain, run.Contract, run.FromBlock, run.ChainHead)
	fmt.Fprintf(w, "  match %d, mismatch %d, missing on chain %d, unknown on chain %d, pending %d\n",
		c.Match, c.Mismatch, c.Missing, c.Unknown, c.Pending)
	if run.Erased > 0 {
		fmt.Fprintf(w, "  erased %d: records of loans whose personal data was erased, compared with the chain only (their records can no longer be recomputed; not a mismatch)\n", run.Erased)
	}
	for _, f := range run.Findings {
		who := f.LoanID
		if who == "" {
			who = firstNonEmpty(f.LoanKey, f.Root)
		}
		kind := ""
		if f.Kind != 0 {
			kind = " " + f.Kind.String()
		}
		fmt.Fprintf(w, "  %-16s %s%s: %s\n", f.Outcome, who, kind, f.Detail)
	}
	if run.Truncated {
		fmt.Fprintf(w, "  (only the first %d findings are listed)\n", ledger.MaxStoredFindings)
	}
}

// WriteText writes a rebuild report for a person.
func (rep *RebuildReport) WriteText(w io.Writer) {
	verb := "restored"
	if rep.DryRun {
		verb = "would restore"
	}
	fmt.Fprintf(w, "Rebuild from blocks %d-%d: %d direct writes, %d batches on chain; %d already right\n",
		rep.FromBlock, rep.Head, rep.DirectWrites, rep.BatchWrites, rep.Unchanged)
	if rep.Erased > 0 {
		fmt.Fprintf(w, "%d records of loans whose personal data was erased: compared with the chain only (their records can no longer be recomputed; not altered)\n", rep.Erased)
	}
	for _, s := range []struct {
		title string
		list  []Discrepancy
	}{
		{"missing (" + verb + " from the chain)", rep.Missing},
		{"altered (the chain contradicts the database; left alone)", rep.Altered},
		{"newer than the database (not restorable: the loan is not in it)", rep.Newer},
		{"not restorable from the chain alone", rep.Unrestorable},
	} {
		fmt.Fprintf(w, "%d %s\n", len(s.list), s.title)
		for _, d := range s.list {
			who := firstNonEmpty(d.LoanID, d.LoanKey, d.Root)
			if d.Kind != 0 {
				who += " " + d.Kind.String()
			}
			fmt.Fprintf(w, "  %s (block %d): %s\n", who, d.Block, d.Detail)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// WriteJSON writes v as indented JSON to w.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// SaveRun writes a run as indented JSON to the file at path, atomically
// (temporary file, rename).
func SaveRun(path string, run *ledger.ReconcileRun) error {
	b, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ExportTo is `aartha export --out path`: with path "-" it writes every
// final registry write to stdout; otherwise it appends to the file
// (ExportFile) and says on stdout how much it wrote, and after which
// position when it resumed.
func ExportTo(ctx context.Context, st ExportStore, path string, stdout io.Writer) error {
	if path == "-" {
		_, err := Export(ctx, st, stdout, 0, 0, false)
		return err
	}
	n, block, log, resumed, err := ExportFile(ctx, st, path)
	if err != nil {
		return err
	}
	if resumed {
		fmt.Fprintf(stdout, "appended %d entries after block %d log %d to %s\n", n, block, log, path)
	} else {
		fmt.Fprintf(stdout, "wrote %d entries to %s\n", n, path)
	}
	return nil
}

// ExportFile appends to the chain-log file at path what became final
// after its last line (everything, for a new file), and flushes it to disk
// so that a backup taken right after holds it. It returns how many entries
// it wrote and, when it resumed, after which position.
func ExportFile(ctx context.Context, st ExportStore, path string) (n int, block uint64, log uint, resumed bool, err error) {
	block, log, resumed, err = LastPosition(path)
	if err != nil {
		return 0, 0, 0, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, 0, 0, false, fmt.Errorf("open %s: %w", path, err)
	}
	n, err = Export(ctx, st, f, block, log, resumed)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, block, log, resumed, err
}

// PrintRun writes a run as JSON when asJSON, as text (WriteRun) otherwise.
func PrintRun(w io.Writer, run *ledger.ReconcileRun, asJSON bool) error {
	if asJSON {
		return WriteJSON(w, run)
	}
	WriteRun(w, run)
	return nil
}

// Print writes the report as JSON when asJSON, as text otherwise.
func (rep *RebuildReport) Print(w io.Writer, asJSON bool) error {
	if asJSON {
		return WriteJSON(w, rep)
	}
	rep.WriteText(w)
	return nil
}

// ProblemsError is nil for a run that found nothing but matches and
// pending records, and otherwise counts what it found.
func ProblemsError(run *ledger.ReconcileRun) error {
	if run.OK() {
		return nil
	}
	return fmt.Errorf("reconcile run %d found %d problem(s): %d mismatch, %d missing on chain, %d unknown on chain",
		run.ID, run.Counts.Problems(), run.Counts.Mismatch, run.Counts.Missing, run.Counts.Unknown)
}
