package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	ledger "github.com/aartha/ledger"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// busyTimeoutMillis is how long a SQLite connection waits for a lock held by
// another process (a concurrent `aartha migrate`, a backup) before failing.
// Writers inside this process never wait on it: they queue for the one
// writer connection instead.
const busyTimeoutMillis = 10_000

// OpenSQLite opens (creating it if needed, with its parent folder) the SQLite
// database at path in WAL mode and checks that it is a SQLite database.
//
// Writes go through a single connection with BEGIN IMMEDIATE transactions,
// so concurrent writers queue instead of failing with SQLITE_BUSY; reads
// outside transactions use a pool of read-only connections that run in
// parallel with the writer. Synchronous is NORMAL: see the package
// documentation for what that means for durability.
//
// A file that is not a SQLite database (or is damaged at its start) gives an
// EINVALID error naming the path; a path that cannot be created or opened
// gives EUNAVAILABLE. The schema is not checked: call CheckSchema or Migrate.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, ledger.Errorf(ledger.EINVALID, "SQLite database path is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite path %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, unavailable(fmt.Sprintf("cannot create the folder for SQLite database %s", abs), err)
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return nil, ledger.Errorf(ledger.EINVALID, "SQLite database path %s is a folder, not a file", abs)
	}

	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis))
	common.Add("_pragma", "foreign_keys(1)")
	common.Add("_pragma", "synchronous(NORMAL)")

	wq := cloneValues(common)
	wq.Add("_pragma", "journal_mode(WAL)")
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", sqliteDSN(abs, wq))
	if err != nil {
		return nil, fmt.Errorf("open sqlite database %s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	rq := cloneValues(common)
	rq.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", sqliteDSN(abs, rq))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", abs, err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)

	db := newDB(sqliteDialect, w, r, abs)
	if err := db.checkSQLite(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// checkSQLite opens the writer connection (which switches the file to WAL)
// and one reader, and reads the schema, so that a file that is not a
// database fails now rather than at the first request.
func (db *DB) checkSQLite(ctx context.Context) error {
	for _, pool := range []*sql.DB{db.w, db.r} {
		var n int
		err := pool.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n)
		switch classify(err) {
		case errNotADatabase, errCorrupt:
			return fmt.Errorf("%w: %w", ledger.Errorf(ledger.EINVALID,
				"%s is not an Aartha SQLite database (the file is not a SQLite database or is damaged): move it away, or choose another data folder", db.where), err)
		case errCantOpen:
			return unavailable(fmt.Sprintf("cannot open SQLite database %s: check that its folder exists and is writable", db.where), err)
		}
		if err != nil {
			return fmt.Errorf("open sqlite database %s: %w", db.where, err)
		}
	}
	var mode string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("open sqlite database %s: %w", db.where, err)
	}
	if mode != "wal" {
		return fmt.Errorf("open sqlite database %s: journal mode is %q, not wal (is the folder on a file system without shared memory?)", db.where, mode)
	}
	return nil
}

func sqliteDSN(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}
