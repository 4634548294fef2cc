package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBackupPostgres backs up a PostgreSQL schema with `aartha backup` and
// checks that pg_restore reads the archive and finds the ledger's tables.
func TestBackupPostgres(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required under CI: %v", tool, err)
			}
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	vars := map[string]string{"DATABASE_URL": postgresURL(t)}
	_, err := run(t, context.Background(), vars, "migrate")
	require.NoError(t, err)

	out := filepath.Join(t.TempDir(), "aartha.dump")
	msg, err := run(t, context.Background(), vars, "backup", "--out", out)
	require.NoError(t, err, msg)

	list, err := exec.Command("pg_restore", "--list", out).CombinedOutput()
	require.NoError(t, err, string(list))
	for _, table := range []string{"TABLE DATA", "loans", "anchors", "audit_log", "tx_sends"} {
		require.Contains(t, string(list), table)
	}
}
