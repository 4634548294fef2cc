package store_test

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	"github.com/stretchr/testify/require"
)

func TestOpenSQLiteCreatesFolderAndUsesWAL(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a", "b", "aartha.db")
	db, err := store.OpenSQLite(t.Context(), path)
	require.NoError(t, err)
	defer db.Close()
	require.Equal(t, "sqlite", db.Driver())
	require.Equal(t, "sqlite "+path, db.String())
	require.NoError(t, db.Ping(t.Context()))
	_, err = db.Migrate(t.Context())
	require.NoError(t, err)
	require.FileExists(t, path+"-wal")
	require.NoError(t, db.Close())
	require.NoError(t, db.Close(), "Close twice is fine")
}

func TestOpenSQLiteCorruptFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "aartha.db")
	garbage := make([]byte, 8192)
	for i := range garbage {
		garbage[i] = byte(i*7 + 3)
	}
	require.NoError(t, os.WriteFile(path, garbage, 0o600))

	db, err := store.OpenSQLite(t.Context(), path)
	require.Nil(t, db)
	requireCode(t, ledger.EINVALID, err)
	require.Contains(t, ledger.ErrorMessage(err), path+" is not an Aartha SQLite database")

	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, garbage, after, "the file is left as it was")
}

func TestOpenSQLiteForeignDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "other.db")
	other, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = other.Exec("CREATE TABLE customers (id INTEGER)")
	require.NoError(t, err)
	require.NoError(t, other.Close())

	db, err := store.OpenSQLite(t.Context(), path)
	require.NoError(t, err)
	defer db.Close()
	requireCode(t, ledger.EUNAVAILABLE, db.CheckSchema(t.Context()))
	_, err = db.Migrate(t.Context())
	requireCode(t, ledger.EINVALID, err)
	require.Contains(t, ledger.ErrorMessage(err), "not an Aartha SQLite database")
}

func TestOpenSQLiteBadPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := store.OpenSQLite(t.Context(), dir)
	requireCode(t, ledger.EINVALID, err)
	require.Contains(t, ledger.ErrorMessage(err), "is a folder")

	// A parent that is a file cannot be created.
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = store.OpenSQLite(t.Context(), filepath.Join(file, "aartha.db"))
	requireCode(t, ledger.EUNAVAILABLE, err)
	require.Contains(t, ledger.ErrorMessage(err), file)
}

func TestOpenPostgresUnreachable(t *testing.T) {
	t.Parallel()
	start := time.Now()
	db, err := store.OpenPostgres(t.Context(), "postgres://aartha:s3cret-Passw0rd@127.0.0.1:1/ledger?sslmode=disable&connect_timeout=3")
	require.Nil(t, db)
	requireCode(t, ledger.EUNAVAILABLE, err)
	msg := err.Error()
	require.Contains(t, msg, "cannot connect to PostgreSQL at 127.0.0.1:1 (database ledger, user aartha)")
	require.NotContains(t, msg, "s3cret-Passw0rd")
	require.Less(t, time.Since(start), 10*time.Second)

	// An address that does not answer at all is bounded by connect_timeout.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = store.OpenPostgres(ctx, "host=192.0.2.1 port=5432 user=x password=s3cret-Passw0rd dbname=y connect_timeout=1")
	requireCode(t, ledger.EUNAVAILABLE, err)
	require.NotContains(t, err.Error(), "s3cret-Passw0rd")
	require.Contains(t, err.Error(), "192.0.2.1:5432")
}

func TestOpenPostgresBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"postgres://aartha:s3cret-Passw0rd@127.0.0.1:notaport/ledger",
		"postgres://aartha:s3cret-Passw0rd@127.0.0.1/ledger?pool_max_conns=lots",
	} {
		_, err := store.OpenPostgres(t.Context(), u)
		requireCode(t, ledger.EINVALID, err)
		require.NotContains(t, err.Error(), "s3cret-Passw0rd")
	}
}

func TestPostgresStringHasNoPassword(t *testing.T) {
	t.Parallel()
	db := openPostgres(t)
	require.Equal(t, "postgres", db.Driver())
	require.Contains(t, db.String(), "127.0.0.1:5432")
	require.NoError(t, db.Ping(t.Context()))
}

// TestMigrationSets checks that both dialects have the same numbered
// migrations, so that a change is never made for one database only.
func TestMigrationSets(t *testing.T) {
	t.Parallel()
	names := func(dir string) []string {
		es, err := fs.ReadDir(store.MigrationsFS, dir)
		require.NoError(t, err)
		var n []string
		for _, e := range es {
			n = append(n, e.Name())
		}
		return n
	}
	require.Equal(t, names("migrations/sqlite"), names("migrations/postgres"))
	require.NotEmpty(t, names("migrations/sqlite"))
}
