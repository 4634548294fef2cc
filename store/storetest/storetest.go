// Package storetest opens fresh, isolated stores for tests of any package:
// a SQLite file in the test's temporary folder, or a PostgreSQL schema of
// its own on the test server, dropped when the test ends. A test that needs
// PostgreSQL is skipped when the server cannot be reached, except under
// CI=true, where that is a failure: CI never passes without PostgreSQL.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for the admin connection
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/store"
)

// Backend opens a fresh, empty database of one kind for one test.
type Backend struct {
	Name string
	Open func(t testing.TB) *store.DB
}

// Backends are SQLite and PostgreSQL.
var Backends = []Backend{
	{"sqlite", OpenSQLite},
	{"postgres", OpenPostgres},
}

// OpenSQLite opens a new SQLite file under t.TempDir(), closed at cleanup.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "data", "aartha.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

// PostgresURL is the server the tests use: AARTHA_TEST_DATABASE_URL, or the
// local trust-auth server of the development machine and CI.
func PostgresURL() string {
	if u := os.Getenv("AARTHA_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
	schemaSeq atomic.Int64
)

// RequirePostgres returns an admin connection to the test server, skipping
// the test when there is none (failing it under CI=true).
func RequirePostgres(t testing.TB) *sql.DB {
	t.Helper()
	adminOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		admin, adminErr = sql.Open("pgx", PostgresURL())
		if adminErr == nil {
			adminErr = admin.PingContext(ctx)
		}
	})
	if adminErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is unreachable under CI=true (set AARTHA_TEST_DATABASE_URL): %v", adminErr)
		}
		t.Skipf("PostgreSQL is unreachable, skipping (set AARTHA_TEST_DATABASE_URL): %v", adminErr)
	}
	return admin
}

// OpenPostgres opens the test server with a fresh schema of its own as the
// search path, so that tests run in parallel.
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	return OpenPostgresPool(t, 4)
}

// OpenPostgresPool is OpenPostgres with a pool of at most conns connections
// (0: the default).
func OpenPostgresPool(t testing.TB, conns int) *store.DB {
	t.Helper()
	admin := RequirePostgres(t)
	schema := fmt.Sprintf("aartha_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	_, err := admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		require.NoError(t, err)
	})
	db, err := store.OpenPostgres(context.Background(), WithSearchPath(t, PostgresURL(), schema, conns))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

// WithSearchPath adds a search path (and a pool size, if conns > 0) to a
// PostgreSQL URL or keyword/value connection string.
func WithSearchPath(t testing.TB, base, schema string, conns int) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		require.NoError(t, err)
		q := u.Query()
		q.Set("search_path", schema)
		if conns > 0 {
			q.Set("pool_max_conns", strconv.Itoa(conns))
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	s := base + " search_path=" + schema
	if conns > 0 {
		s += " pool_max_conns=" + strconv.Itoa(conns)
	}
	return s
}
