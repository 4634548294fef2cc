package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/store"
)

func newAuditCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Check the audit trail"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit trail's hash chain: finds edited, deleted or removed rows",
		Long: `Read the whole trail and check its hash chain against the chain head. It
only reads: it never seals, so a row someone appended by hand is reported as
unsealed, not sealed into the chain and called proven.

The sealer of aartha serve seals rows a moment after they are written: on
PostgreSQL once they are older than the grace period (10 s), on SQLite at
once. Rows not sealed yet are reported as the unsealed tail; they are not
protected until sealed. Rows with ids the store never assigns (below 1) are
reported as tampering.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			out := cmd.OutOrStdout()
			r, err := db.VerifyAuditChain(ctx)
			if err != nil {
				return err
			}
			if r.Legacy > 0 {
				fmt.Fprintf(out, "%d rows from before the hash chain existed are not covered\n", r.Legacy)
			}
			if r.Break != nil {
				fmt.Fprintf(out, "audit trail is BROKEN after %d good rows: %s\n", r.Rows, r.Break.Reason)
				return errors.New("the audit trail does not hold: restore the database from a backup and investigate who changed it")
			}
			fmt.Fprintf(out, "audit trail holds: %d rows chained, head %s\n", r.Rows, r.Head)
			if r.Skipped > 0 {
				why := "transactions that rolled back, or rows deleted before they were sealed"
				if db.Driver() == "sqlite" {
					why = "on SQLite a rollback leaves no gap, so rows deleted before they were sealed"
				}
				fmt.Fprintf(out, "%d ids were missing when the sealer passed them and are sealed over as gaps (%s)\n", r.Skipped, why)
			}
			if r.Unsealed > 0 {
				fmt.Fprintf(out, "%d recent rows are not sealed yet, so not protected yet (the sealer of `aartha serve` seals them once settled: %s after they are written on PostgreSQL)\n",
					r.Unsealed, store.DefaultAuditSealGrace)
			}
			if r.Late > 0 {
				fmt.Fprintf(out, "ANOMALY: %d rows lie below the chain head but are not sealed (ids %v): they were committed after the sealer had passed over their ids (a transaction open longer than the grace period) or were inserted by hand; the chain does not cover them\n", r.Late, r.LateIDs)
				return errors.New("the audit trail has rows outside the chain: investigate them")
			}
			return nil
		},
	}
	// Verify never seals now; the flag stays so that scripts keep working.
	verify.Flags().Bool("no-seal", true, "ignored: verify never seals")
	_ = verify.Flags().MarkDeprecated("no-seal", "verify never seals")
	cmd.AddCommand(verify)
	return cmd
}
