package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"
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
				if err := pgDump(ctx, cfg.DatabaseURL, outPath); err != nil {
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

// pgDump runs pg_dump on the database at rawURL. Parameters pgx knows and
// libpq does not are taken out: search_path becomes --schema.
func pgDump(ctx context.Context, rawURL, out string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL is not a URL")
	}
	q := u.Query()
	args := []string{"--format=custom", "--no-owner", "--file=" + out}
	if sp := q.Get("search_path"); sp != "" {
		for _, s := range strings.Split(sp, ",") {
			args = append(args, "--schema="+strings.TrimSpace(s))
		}
		q.Del("search_path")
	}
	u.RawQuery = q.Encode()
	args = append(args, "--dbname="+u.String())
	c := exec.CommandContext(ctx, "pg_dump", args...)
	msg, err := c.CombinedOutput()
	if err != nil {
		_ = os.Remove(out)
		// pg_dump's messages name the host and database, never the password.
		return fmt.Errorf("pg_dump failed: %v: %s", err, strings.TrimSpace(strings.ReplaceAll(string(msg), u.String(), "DATABASE_URL")))
	}
	return nil
}
