package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/service"
)

func newKeysRotatePIICmd(a *app) *cobra.Command {
	var batch int
	cmd := &cobra.Command{
		Use:   "rotate-pii [--batch N]",
		Short: "Re-wrap every loan's personal-data key under a new AARTHA_PII_MASTER_KEY while the service runs",
		Long: `Rotates the personal-data master key online (docs/privacy.md):

  1. set AARTHA_PII_MASTER_KEY to the new key and AARTHA_PII_PREVIOUS_MASTER_KEY to the old
     one, and restart the service: it reads keys wrapped by either and wraps new ones with
     the new key;
  2. run this command with the same configuration: it re-wraps each data key in the keyring
     under the new key, batch by batch, after recomputing the loan's blind index of its
     borrower; an interrupted run is resumed by running it again;
  3. when it reports none left, remove AARTHA_PII_PREVIOUS_MASTER_KEY and restart.

Each run is written to the audit trail (keys.rotate_pii). The keys are named by their key id,
a digest of the key, never the key itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, db, err := a.openConfiguredStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if cfg.PIIMasterKey == nil {
				return errors.New("set AARTHA_PII_MASTER_KEY to the new master key (and AARTHA_PII_PREVIOUS_MASTER_KEY to the old one)")
			}
			out := cmd.OutOrStdout()
			keyID, n, err := service.RotatePersonalDataKeys(ctx, cfg, db, ledger.CLIActor(cliUser()), batch, func(done int) error {
				fmt.Fprintf(out, "re-wrapped %d data keys\n", done)
				return ctx.Err()
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "every data key is wrapped by master key %s (%d re-wrapped now): remove AARTHA_PII_PREVIOUS_MASTER_KEY and restart the service\n", keyID, n)
			return nil
		},
	}
	cmd.Flags().IntVar(&batch, "batch", 500, "data keys re-wrapped per batch")
	return cmd
}
