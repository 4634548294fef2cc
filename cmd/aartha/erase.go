package main

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
)

// newEraseCmd wires ledger.ErasureService: erase one closed loan's personal
// data, or set or lift its legal hold (docs/privacy.md).
func newEraseCmd(a *app) *cobra.Command {
	var loanID, reason string
	var hold, lift bool
	cmd := &cobra.Command{
		Use:   "erase --loan ID --reason TEXT",
		Short: "Erase a closed loan's personal data, or set or lift its legal hold",
		Long: `Erase the personal fields (borrower, lender, wallet addresses), the record
salts and the data key of a closed loan (repaid, rejected or defaulted). Its
amounts, anchors and audit facts stay; receipts already handed out keep
verifying. A loan under legal hold is refused. Needs AARTHA_PII_MASTER_KEY:
loans stored in the clear cannot be erased verifiably.

With --hold the loan is put under legal hold instead, with --lift the hold
is lifted; both need a reason and are audited. Prints the erasure (or hold)
as JSON.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if loanID == "" || reason == "" {
				return errors.New("give both --loan ID and --reason TEXT")
			}
			if hold && lift {
				return errors.New("give --hold or --lift, not both")
			}
			ctx := cmd.Context()
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			db, err := openCurrentStore(ctx, cfg)
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
				result, err = svc.Erase(ctx, actor, loanID, reason)
			}
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(result)
		},
	}
	cmd.Flags().StringVar(&loanID, "loan", "", "id of the loan")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the audit trail (required)")
	cmd.Flags().BoolVar(&hold, "hold", false, "put the loan under legal hold instead of erasing it")
	cmd.Flags().BoolVar(&lift, "lift", false, "lift the loan's legal hold instead of erasing it")
	return cmd
}
