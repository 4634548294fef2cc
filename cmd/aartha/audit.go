package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

func newAuditCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Check the audit trail"}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Check the audit trail's hash chain: finds edited, deleted or removed rows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			db, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.CheckSchema(ctx); err != nil {
				return err
			}
			r, err := db.VerifyAuditChain(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if r.Legacy > 0 {
				fmt.Fprintf(out, "%d rows from before the hash chain existed are not covered\n", r.Legacy)
			}
			if r.Break != nil {
				fmt.Fprintf(out, "audit trail is BROKEN after %d good rows: %s\n", r.Rows, r.Break.Reason)
				return errors.New("the audit trail does not hold: restore the database from a backup and investigate who changed it")
			}
			fmt.Fprintf(out, "audit trail holds: %d rows chained, head %s\n", r.Rows, r.Head)
			return nil
		},
	})
	return cmd
}
