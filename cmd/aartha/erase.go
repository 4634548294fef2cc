package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/service"
)

// newEraseCmd wires ledger.ErasureService: erase one closed loan's personal
// data, or set or lift its legal hold (docs/privacy.md).
func newEraseCmd(a *app) *cobra.Command {
	var loanID, reason, certificate string
	var hold, lift, due, dryRun bool
	cmd := &cobra.Command{
		Use:   "erase --loan ID --reason TEXT | erase --due [--dry-run]",
		Short: "Erase a closed loan's personal data, or set or lift its legal hold",
		Long: `Erase the personal fields (borrower, lender, wallet addresses), the record
salts and the data key of a closed loan (repaid, rejected or defaulted). Its
amounts, anchors and audit facts stay; receipts already handed out keep
verifying. A loan under legal hold is refused. Needs AARTHA_PII_MASTER_KEY:
loans stored in the clear cannot be erased verifiably.

Prints the erasure certificate as JSON: what was erased, when, by whom and
why, and the loan's commitments that remain on chain. --certificate FILE.pdf
also writes it as a PDF; given without --reason, it writes the certificate
of a loan erased earlier and erases nothing.

With --hold the loan is put under legal hold instead, with --lift the hold
is lifted; both need a reason and are audited. Prints the hold as JSON.

With --due it erases every loan whose retention period (AARTHA_RETENTION_DAYS
after closing) has passed and that has no legal hold, as the retention job
of aartha serve does; --dry-run only lists them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if due {
				cfg, err := a.loadConfig()
				if err != nil {
					return err
				}
				return service.EraseDue(cmd.Context(), cfg, cmd.OutOrStdout(), dryRun)
			}
			if dryRun {
				return errors.New("--dry-run goes with --due")
			}
			onlyCertificate := certificate != "" && reason == "" && !hold && !lift
			if loanID == "" || (reason == "" && !onlyCertificate) {
				return errors.New("give both --loan ID and --reason TEXT (or --loan ID --certificate FILE.pdf for the certificate of an erased loan)")
			}
			if hold && lift {
				return errors.New("give --hold or --lift, not both")
			}
			if certificate != "" && (hold || lift) {
				return errors.New("--certificate goes with an erasure, not with --hold or --lift")
			}
			ctx := cmd.Context()
			_, db, err := a.openConfiguredStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			svc := &ledger.ErasureService{Store: db, Now: time.Now}
			actor := ledger.CLIActor(cliUser())
			var result any
			switch {
			case hold:
				result, err = svc.SetLegalHold(ctx, actor, loanID, reason)
			case lift:
				err = svc.LiftLegalHold(ctx, actor, loanID, reason)
				result = map[string]string{"loan_id": loanID, "legal_hold": "lifted"}
			default:
				result, err = service.EraseWithCertificate(ctx, svc, actor, loanID, reason, certificate)
			}
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), result)
		},
	}
	cmd.Flags().StringVar(&loanID, "loan", "", "id of the loan")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the audit trail (required)")
	cmd.Flags().StringVar(&certificate, "certificate", "", "also write the erasure certificate as a PDF to this file; without --reason, the certificate of a loan erased earlier")
	cmd.Flags().BoolVar(&hold, "hold", false, "put the loan under legal hold instead of erasing it")
	cmd.Flags().BoolVar(&lift, "lift", false, "lift the loan's legal hold instead of erasing it")
	cmd.Flags().BoolVar(&due, "due", false, "erase every loan whose retention period has passed (AARTHA_RETENTION_DAYS)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "with --due: list the loans due, erase nothing")
	return cmd
}
