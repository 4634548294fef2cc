package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/report"
)

func newReportCmd(a *app) *cobra.Command {
	var (
		month, format, outPath string
		fiatRate, fiatCurrency string
		nativeSymbol           string
		skipAuditChain         bool
	)
	cmd := &cobra.Command{
		Use:   "report --month YYYY-MM --format csv|json|html|pdf",
		Short: "Write the monthly compliance report: transactions, success rates, gas and fees, integrity, security events",
		Long: "Builds the compliance report of one calendar month (UTC) from the database: loans approved,\n" +
			"repaid, rejected and defaulted; records anchored and failed by mode; chain writes (direct\n" +
			"transactions and batches) processed with success and failure rates; gas used and fees in wei\n" +
			"and native units (and in fiat with --fiat-rate); the audit trail's hash chain and the\n" +
			"reconciliation runs in (or else the first after) the month; and the security-relevant audit\n" +
			"events. HTML and PDF forms have charts (anchors per day, success and failure, gas per day).\n" +
			"It only reads: run it against a live database at any time.",
		Example: "  aartha report --month 2026-10 --format pdf --out report-2026-10.pdf\n" +
			"  aartha report --month 2026-10 --format json --fiat-rate 3500.12 --fiat-currency USD",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if !slices.Contains(report.Formats, format) {
				return fmt.Errorf("--format %q is unknown: use %s", format, strings.Join(report.Formats, ", "))
			}
			opts := report.Options{NativeSymbol: nativeSymbol, SkipAuditChain: skipAuditChain}
			var err error
			if month == "" {
				opts.Month = time.Now().UTC().AddDate(0, -1, 0)
			} else if opts.Month, err = report.ParseMonth(month); err != nil {
				return err
			}
			if fiatRate != "" {
				if opts.FiatRate, err = report.ParseRate(fiatRate); err != nil {
					return err
				}
				if err := ledger.ValidateCurrency("--fiat-currency", fiatCurrency); err != nil {
					return err
				}
				opts.FiatCurrency = fiatCurrency
			}
			if format == "pdf" && outPath == "" {
				return fmt.Errorf("--format pdf needs --out FILE (a PDF is binary; use --out - to write it to standard output anyway)")
			}
			_, db, err := a.openConfiguredStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := report.Build(ctx, db, opts)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := r.Write(&buf, format); err != nil {
				return err
			}
			if outPath == "" || outPath == "-" {
				_, err := cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			tmp := outPath + ".tmp"
			if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
				return fmt.Errorf("write %s: %w", outPath, err)
			}
			if err := os.Rename(tmp, outPath); err != nil {
				return fmt.Errorf("write %s: %w", outPath, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (%s, %d bytes): %s\n", outPath, format, buf.Len(), r)
			return nil
		},
	}
	cmd.Flags().StringVar(&month, "month", "", "calendar month YYYY-MM, UTC (default: last month)")
	cmd.Flags().StringVar(&format, "format", "json", "csv, json, html or pdf")
	cmd.Flags().StringVar(&outPath, "out", "", "write to this file instead of standard output (- for standard output)")
	cmd.Flags().StringVar(&fiatRate, "fiat-rate", "", "fiat units per native unit (a decimal, e.g. 3500.12) to show fees in fiat")
	cmd.Flags().StringVar(&fiatCurrency, "fiat-currency", "USD", "ISO 4217 code of --fiat-rate")
	cmd.Flags().StringVar(&nativeSymbol, "native-symbol", "ETH", "name of the chain's native unit (ETH, POL, ...)")
	cmd.Flags().BoolVar(&skipAuditChain, "skip-audit-verify", false, "leave out the audit chain check (it reads the whole trail)")
	return cmd
}
