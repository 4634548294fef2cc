package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/store"
)

func newBackupCmd(a *app) *cobra.Command {
	var outPath string
	cmd := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Take a consistent backup of the database while the service runs",
		Long: "SQLite: an online copy with VACUUM INTO, consistent at one instant while `aartha serve` keeps\n" +
			"writing; restore by stopping the service and copying the file over AARTHA_DATA_DIR/aartha.db\n" +
			"(removing aartha.db-wal and aartha.db-shm).\n" +
			"PostgreSQL: runs pg_dump --format=custom on DATABASE_URL (pg_dump must be on PATH and match the\n" +
			"server's major version or be newer); restore with pg_restore --clean --if-exists --no-owner -d URL FILE.\n" +
			"After a restore, run `aartha rebuild` (with --leaves and a chain-log export) to bring the\n" +
			"anchor index up to what the chain holds, and `aartha reconcile --all`.",
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
			if cfg.DatabaseURL != "" {
				if err := store.DumpPostgres(ctx, cfg.DatabaseURL, outPath); err != nil {
					return err
				}
			} else {
				db, err := openStore(ctx, cfg)
				if err != nil {
					return err
				}
				defer db.Close()
				if err := db.BackupSQLite(ctx, outPath); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup written to %s\n", outPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&outPath, "out", "", "file to write (must not exist)")
	return cmd
}
