package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/report"
)

func newReportCmd(a *app) *cobra.Command {
	var req report.Request
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
			opts, err := req.Options(time.Now())
			if err != nil {
				return err
			}
			_, db, err := a.openConfiguredStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := report.Build(cmd.Context(), db, opts)
			if err != nil {
				return err
			}
			return req.Deliver(r, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&req.Month, "month", "", "calendar month YYYY-MM, UTC (default: last month)")
	cmd.Flags().StringVar(&req.Format, "format", "json", "csv, json, html or pdf")
	cmd.Flags().StringVar(&req.Out, "out", "", "write to this file instead of standard output (- for standard output)")
	cmd.Flags().StringVar(&req.FiatRate, "fiat-rate", "", "fiat units per native unit (a decimal, e.g. 3500.12) to show fees in fiat")
	cmd.Flags().StringVar(&req.FiatCurrency, "fiat-currency", "USD", "ISO 4217 code of --fiat-rate")
	cmd.Flags().StringVar(&req.NativeSymbol, "native-symbol", "ETH", "name of the chain's native unit (ETH, POL, ...)")
	cmd.Flags().BoolVar(&req.SkipAudit, "skip-audit-verify", false, "leave out the audit chain check (it reads the whole trail)")
	return cmd
}
