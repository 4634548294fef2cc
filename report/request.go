package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	ledger "github.com/aartha/ledger"
)

// Request is a report as asked for on the command line (`aartha report`),
// before it is checked: text as typed.
type Request struct {
	Month        string // YYYY-MM; empty: last month
	Format       string // one of Formats
	Out          string // file to write; empty or "-": standard output
	FiatRate     string // a decimal; empty: no fiat amounts
	FiatCurrency string // ISO 4217 code of FiatRate
	NativeSymbol string
	SkipAudit    bool
}

// Options checks the request and returns the options to build its report
// with; now is the clock that "last month" is counted from. It refuses a
// request before anything is read, so bad input costs nothing.
func (q Request) Options(now time.Time) (Options, error) {
	if !slices.Contains(Formats, q.Format) {
		return Options{}, fmt.Errorf("--format %q is unknown: use %s", q.Format, strings.Join(Formats, ", "))
	}
	opts := Options{NativeSymbol: q.NativeSymbol, SkipAuditChain: q.SkipAudit}
	var err error
	if q.Month == "" {
		opts.Month = now.UTC().AddDate(0, -1, 0)
	} else if opts.Month, err = ParseMonth(q.Month); err != nil {
		return Options{}, err
	}
	if q.FiatRate != "" {
		if opts.FiatRate, err = ParseRate(q.FiatRate); err != nil {
			return Options{}, err
		}
		if err := ledger.ValidateCurrency("--fiat-currency", q.FiatCurrency); err != nil {
			return Options{}, err
		}
		opts.FiatCurrency = q.FiatCurrency
	}
	if q.Format == "pdf" && q.Out == "" {
		return Options{}, fmt.Errorf("--format pdf needs --out FILE (a PDF is binary; use --out - to write it to standard output anyway)")
	}
	return opts, nil
}

// Deliver writes r in the request's format to its file, whole or not at
// all (a temporary file renamed over it), and says so on log; with no file
// (or "-") it writes to stdout.
func (q Request) Deliver(r *Report, stdout, log io.Writer) error {
	var buf bytes.Buffer
	if err := r.Write(&buf, q.Format); err != nil {
		return err
	}
	if q.Out == "" || q.Out == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	tmp := q.Out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", q.Out, err)
	}
	if err := os.Rename(tmp, q.Out); err != nil {
		return fmt.Errorf("write %s: %w", q.Out, err)
	}
	fmt.Fprintf(log, "wrote %s (%s, %d bytes): %s\n", q.Out, q.Format, buf.Len(), r)
	return nil
}
