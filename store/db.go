package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	ledger "github.com/aartha/ledger"
)

var _ ledger.Store = (*DB)(nil)

// DB is the ledger's store on SQLite or PostgreSQL. Open it with OpenSQLite
// or OpenPostgres, bring its schema up to date with Migrate, and Close it
// when done. All methods are safe for concurrent use.
type DB struct {
	d *dialect
	w *sql.DB // transactions; on SQLite a single connection
	r *sql.DB // reads outside transactions; the same as w on PostgreSQL

	migrations fs.FS // root holding d.migrationsDir; replaced in tests
	where      string

	q queries

	closeOnce sync.Once
	closeErr  error
}

// queries are the fixed statements, rebound for the dialect once at open.
type queries struct {
	loan, loanForUpdate, insertLoan, updateLoan, insertAudit string
}

func newDB(d *dialect, w, r *sql.DB, where string) *DB {
	return &DB{
		d: d, w: w, r: r, where: where,
		migrations: migrationsFS,
		q: queries{
			loan:          d.rebind("SELECT " + loanColumns + " FROM loans WHERE id = ?"),
			loanForUpdate: d.rebind("SELECT " + loanColumns + " FROM loans WHERE id = ?" + d.forUpdate),
			insertLoan:    d.rebind(insertLoanSQL),
			updateLoan:    d.rebind(updateLoanSQL),
			insertAudit:   d.rebind(insertAuditSQL),
		},
	}
}

// Driver returns "sqlite" or "postgres".
func (db *DB) Driver() string { return db.d.name }

// String names the database without secrets: the SQLite path, or the
// PostgreSQL host, port and database name.
func (db *DB) String() string { return db.d.name + " " + db.where }

// Ping checks that the database answers. It returns an EUNAVAILABLE error if
// it does not.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return unavailable(fmt.Sprintf("%s does not answer", db), err)
	}
	return nil
}

// Close closes the database. It is safe to call more than once.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		var errs []error
		if db.r != db.w {
			errs = append(errs, db.r.Close())
		}
		errs = append(errs, db.w.Close())
		db.closeErr = errors.Join(errs...)
	})
	return db.closeErr
}

// InTx runs fn in one transaction and commits if fn returns nil. If fn
// returns an error, or panics, or ctx is cancelled before the commit, the
// transaction is rolled back and nothing fn wrote is kept; fn's error is
// returned unchanged so that its domain code survives.
//
// On SQLite transactions are serialised (BEGIN IMMEDIATE on the one writer
// connection): callers queue, in ctx's time, instead of failing with
// SQLITE_BUSY. On PostgreSQL they run at READ COMMITTED, and
// LoanForUpdate locks the row it reads. The Tx must not be used after fn
// returns, nor from more than one goroutine at a time.
func (db *DB) InTx(ctx context.Context, fn func(ledger.Tx) error) error {
	stx, err := db.w.BeginTx(ctx, db.d.txOptions)
	if err != nil {
		return db.wrap("begin transaction", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = stx.Rollback()
		}
	}()
	if err := fn(&tx{db: db, tx: stx}); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		committed = true // a failed commit has ended the transaction too
		return db.wrap("commit", err)
	}
	committed = true
	return nil
}

// tx implements ledger.Tx on a database/sql transaction.
type tx struct {
	db *DB
	tx *sql.Tx
}

var _ ledger.Tx = (*tx)(nil)

// wrap adds context to a driver error and turns the failures a caller can act
// on into domain errors: an unreachable database (EUNAVAILABLE) and a damaged
// SQLite file (EINTERNAL with a plain message). The original error stays in
// the chain.
func (db *DB) wrap(op string, err error) error {
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", op, err)
	case isConnError(err):
		return unavailable(fmt.Sprintf("%s: %s is unreachable", op, db), err)
	}
	switch classify(err) {
	case errCorrupt, errNotADatabase:
		return fmt.Errorf("%w: %w", ledger.Errorf(ledger.EINTERNAL,
			"%s: %s is damaged or is not an Aartha SQLite database: restore it from a backup", op, db), err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unavailable returns an EUNAVAILABLE error with msg that still wraps cause
// for errors.Is and logs.
func unavailable(msg string, cause error) error {
	return fmt.Errorf("%w: %w", ledger.Errorf(ledger.EUNAVAILABLE, "%s", msg), cause)
}
