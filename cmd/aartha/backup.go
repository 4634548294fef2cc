package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/service"
)

func newBackupCmd(a *app) *cobra.Command {
	var outPath string
	var keyring bool
	cmd := &cobra.Command{
		Use:   "backup --out FILE [--keyring]",
		Short: "Take a consistent backup of the database (or, with --keyring, of the keyring) while the service runs",
		Long: "SQLite: an online copy with VACUUM INTO, consistent at one instant while `aartha serve` keeps\n" +
			"writing; restore by stopping the service and copying the file over AARTHA_DATA_DIR/aartha.db\n" +
			"(removing aartha.db-wal and aartha.db-shm).\n" +
			"PostgreSQL: runs pg_dump --format=custom on DATABASE_URL (pg_dump must be on PATH and match the\n" +
			"server's major version or be newer); restore with pg_restore --clean --if-exists --no-owner -d URL FILE.\n" +
			"After a restore, run `aartha rebuild` (with --leaves and a chain-log export) to bring the\n" +
			"anchor index up to what the chain holds, and `aartha reconcile --all`.\n\n" +
			"The database backup holds no personal-data key: those are in the keyring (AARTHA_PII_KEYRING, or\n" +
			"AARTHA_PII_KEYRING_URL on PostgreSQL), so erasing a loan makes it unreadable in every earlier\n" +
			"backup. --keyring backs up the keyring instead, the same way; keep those backups no longer than\n" +
			"the erasure deadline (30 days, docs/privacy.md): a restored keyring is swept at start, deleting\n" +
			"the keys of loans erased since.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if outPath == "" {
				return fmt.Errorf("--out FILE is required")
			}
			if _, err := os.Stat(outPath); err == nil {
				return fmt.Errorf("%s exists: backups never overwrite; choose a new name", outPath)
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			what := "backup"
			if keyring {
				what = "keyring backup"
				err = service.BackupKeyring(ctx, cfg, outPath)
			} else {
				err = service.BackupDatabase(ctx, cfg, outPath)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s written to %s\n", what, outPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&outPath, "out", "", "file to write (must not exist)")
	cmd.Flags().BoolVar(&keyring, "keyring", false, "back up the keyring of personal-data keys instead of the database")
	return cmd
}
