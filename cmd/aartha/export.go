package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/reconcile"
)

func newExportCmd(a *app) *cobra.Command {
	var outPath string
	cmd := &cobra.Command{
		Use:   "export --out FILE",
		Short: "Append the blockchain transaction log to a JSON-lines file (for backups; resumable)",
		Long: "Writes one JSON line (schema " + reconcile.SchemaChainLog + ") per final registry write the database\n" +
			"knows, in chain order: direct anchors with their loan, kind and commitment; batches with their\n" +
			"root, sequence number, gas and every leaf (loan id, kind, commitment). Running it again appends\n" +
			"only what became final after the file's last line, so a cron job keeps the file current.\n" +
			"The batch leaf lists are what `aartha rebuild --leaves FILE` needs to restore batch members,\n" +
			"which the chain itself does not hold.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if outPath == "" {
				return fmt.Errorf("--out FILE is required (use - for standard output)")
			}
			_, db, err := a.openConfiguredStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			return reconcile.ExportTo(ctx, db, outPath, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&outPath, "out", "", "file to append to (created if missing); - writes everything to standard output")
	return cmd
}
