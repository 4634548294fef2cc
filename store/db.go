package store

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"

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

	// hook enqueues background work in QueueAnchor's transaction (nil: none).
	hook JobHook

	// auditKey is the audit seal key (SetAuditSealKey; nil: the public
	// development key).
	auditKey []byte
	// pii encrypts personal data of new loans (nil: stored in the clear).
	pii *PersonalDataKeys
	// keyring holds the wrapped data keys outside this database (nil: they
	// stay in loans.data_key; see SetKeyring).
	keyring *Keyring

	// prepared holds the fixed statements prepared on the SQLite writer
	// connection, once the tables exist (nil until then, and on PostgreSQL,
	// where pgx caches prepared statements by itself).
	prepared atomic.Pointer[map[string]*sql.Stmt]
	prepMu   sync.Mutex

	closeOnce sync.Once
	closeErr  error
}

// queries are the fixed statements, rebound for the dialect once at open.
type queries struct {
	loan, loanForUpdate, insertLoan, updateLoan, insertAudit, insertAnchor string
	// updateAndAudit is updateLoan and insertAudit in one statement
	// (PostgreSQL only; see tx.UpdateLoan).
	updateAndAudit string
}

func newDB(d *dialect, w, r *sql.DB, where string) *DB {
	db := &DB{
		d: d, w: w, r: r, where: where,
		migrations: migrationsFS,
		q: queries{
			loan:          d.rebind("SELECT " + loanColumns + " FROM loans WHERE id = ?"),
			loanForUpdate: d.rebind("SELECT " + loanColumns + " FROM loans WHERE id = ?" + d.forUpdate),
			insertLoan:    d.rebind(insertLoanSQL),
			updateLoan:    d.rebind(updateLoanSQL),
			insertAudit:   d.rebind(insertAuditSQL),
			insertAnchor:  d.rebind(insertAnchorSQL),
		},
	}
	if d.combineWrites {
		db.q.insertAudit = d.rebind(appendAuditPGSQL)
		db.q.updateAndAudit = d.rebind(updateAndAuditSQL)
	}
	return db
}

// JobHook enqueues background work inside the store's transaction, so that
// the work is queued if and only if the change that asks for it commits.
type JobHook interface {
	// AnchorQueued is called by Tx.QueueAnchor after the anchor's row is
	// inserted (a.ID is set), with the transaction's *sql.Tx. It must use
	// only tx for the database: on SQLite the transaction holds the one
	// writer connection, and anything that asks db.SQLDB() for another
	// connection waits for it forever. An error fails QueueAnchor, and
	// thus rolls back the whole transaction when the caller returns it.
	AnchorQueued(ctx context.Context, tx *sql.Tx, a *ledger.Anchor) error
}

// SetJobHook sets the hook QueueAnchor calls (nil: none). Call it once,
// before the store is used: it is not safe to call concurrently with InTx.
func (db *DB) SetJobHook(h JobHook) { db.hook = h }

// SQLDB returns the pool that transactions use, for a job queue (River)
// that keeps its tables in the same database. On PostgreSQL it is the
// connection pool. On SQLite it is the pool of the single writer
// connection: River on SQLite must use this pool and no other connection to
// the file, because a second writer would wait on (or fail with
// SQLITE_BUSY behind) the write lock every store transaction holds; and it
// must not be used from inside InTx except through the *sql.Tx a JobHook is
// given, since the transaction holds the only connection. The store keeps
// ownership: Close closes it.
func (db *DB) SQLDB() *sql.DB { return db.w }

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
		if m := db.prepared.Load(); m != nil {
			for _, s := range *m {
				errs = append(errs, s.Close())
			}
		}
		if db.r != db.w {
			errs = append(errs, db.r.Close())
		}
		errs = append(errs, db.w.Close())
		if db.keyring != nil {
			errs = append(errs, db.keyring.Close())
		}
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
	return db.inTx(ctx, func(t *tx) error { return fn(t) })
}

// inTx is InTx for the store's own methods, which need the *tx itself.
func (db *DB) inTx(ctx context.Context, fn func(*tx) error) error {
	db.prepare(ctx)
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
	t := &tx{db: db, tx: stx}
	if err := fn(t); err != nil {
		return err
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		committed = true // a failed commit has ended the transaction too
		if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
			// database/sql rolled back on its own when ctx ended.
			err = ctx.Err()
		}
		return db.wrap("commit", err)
	}
	committed = true
	t.deleteErasedKeys(ctx)
	return nil
}

// tx implements ledger.Tx on a database/sql transaction.
type tx struct {
	db *DB
	tx *sql.Tx

	// pending is a loan update not yet sent (PostgreSQL): it goes out with
	// the next statement of the transaction, or before the commit.
	pending *pendingUpdate

	// keys are the data keys of loans this transaction read or created
	// (nil for a loan in the clear).
	keys map[string]cipher.AEAD
	// erased are the loans this transaction erased, whose keys are deleted
	// from the keyring once it commits.
	erased []string
}

type pendingUpdate struct {
	id   string
	args []any
}

// prepare prepares the fixed statements on the SQLite writer connection. It
// must run outside a transaction, because the writer pool has one
// connection. Until the tables exist preparing fails, and the statements are
// simply sent unprepared.
func (db *DB) prepare(ctx context.Context) {
	if !db.d.prepare || db.prepared.Load() != nil {
		return
	}
	db.prepMu.Lock()
	defer db.prepMu.Unlock()
	if db.prepared.Load() != nil {
		return
	}
	m := map[string]*sql.Stmt{}
	for _, q := range []string{db.q.loanForUpdate, db.q.insertLoan, db.q.updateLoan, db.q.insertAudit, db.q.insertAnchor} {
		s, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			for _, s := range m {
				_ = s.Close()
			}
			return
		}
		m[q] = s
	}
	db.prepared.Store(&m)
}

// stmt returns the transaction's copy of the prepared statement for q, or
// nil if q is not prepared.
func (t *tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if m := t.db.prepared.Load(); m != nil {
		if s, ok := (*m)[q]; ok {
			return t.tx.StmtContext(ctx, s)
		}
	}
	return nil
}

func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s := t.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
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

// queryAll runs q on the read pool and scans every row with scan, never
// returning nil for no rows; what names the query in errors.
func queryAll[T any](ctx context.Context, db *DB, what, q string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	return collectRows(db, what, rows, err, scan)
}

// collectRows scans every row of a query's result (rows, err) with scan,
// closing rows; what names the query in errors.
func collectRows[T any](db *DB, what string, rows *sql.Rows, err error, scan func(rowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, db.wrap(what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, db.wrap(what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(what, err)
	}
	return out, nil
}
