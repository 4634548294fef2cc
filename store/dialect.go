package store

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is the seam between the two databases: everything that differs in
// SQL text, value encoding or error codes is here, and nowhere else.
type dialect struct {
	name string // "sqlite" or "postgres"

	// dollar rewrites ? placeholders as $1, $2, ... (PostgreSQL).
	dollar bool
	// forUpdate is appended to a SELECT that must lock its row. SQLite needs
	// none: a transaction there holds the database write lock from BEGIN
	// IMMEDIATE on.
	forUpdate string
	// prefixMatch is the condition for "id starts with the argument"; the
	// argument is the prefix followed by prefixWildcard. Both forms are
	// case-sensitive and use the id index.
	prefixMatch    string
	prefixWildcard string
	// txOptions are used for every transaction.
	txOptions *sql.TxOptions
	// migrationsDir is the folder in the embedded migrations.
	migrationsDir string
	// createMigrationsTable creates schema_migrations if it is missing.
	createMigrationsTable string
	// migrationsTableExists is a query returning one boolean-ish value.
	migrationsTableExists string
	// lockMigrations serialises concurrent migrate runs ("" if the
	// transaction itself already does).
	lockMigrations string
	// lockLoanID serialises, until the transaction ends, the creations of
	// one loan id, its argument ("" if the transaction already does).
	lockLoanID string
	// prepare says to prepare the fixed statements on the writer
	// connection (SQLite; pgx caches prepared statements by itself).
	prepare bool
	// combineWrites says to send a loan update together with the audit row
	// that follows it, in one statement (PostgreSQL: one round trip fewer).
	combineWrites bool
	// timeArg encodes a timestamp argument.
	timeArg func(time.Time) any
	// greatest is the function returning the largest of its arguments.
	greatest string
	// auditInsertedAt is the expression for an audit row's insert time by
	// the database's clock (PostgreSQL), or "" where the sealer needs none
	// (SQLite: writes are serialised, so every row it sees is settled).
	auditInsertedAt string
}

// sqliteTimeLayout is how SQLite columns hold timestamps: fixed width, so that
// text order is time order, and microseconds, like PostgreSQL.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

var sqliteDialect = &dialect{
	name:           "sqlite",
	prefixMatch:    "id GLOB ?",
	prefixWildcard: "*",
	migrationsDir:  "migrations/sqlite",
	prepare:        true,
	createMigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		checksum   TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`,
	migrationsTableExists: `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`,
	timeArg:               func(t time.Time) any { return t.UTC().Format(sqliteTimeLayout) },
	greatest:              "max",
}

var postgresDialect = &dialect{
	name:           "postgres",
	dollar:         true,
	forUpdate:      " FOR UPDATE",
	prefixMatch:    "id LIKE ?",
	prefixWildcard: "%",
	txOptions:      &sql.TxOptions{Isolation: sql.LevelReadCommitted},
	migrationsDir:  "migrations/postgres",
	combineWrites:  true,
	createMigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		checksum   TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL
	)`,
	migrationsTableExists: `SELECT count(*) FROM (SELECT to_regclass('schema_migrations') AS t) r WHERE t IS NOT NULL`,
	// The lock is per schema, so that test schemas in one database (or two
	// deployments sharing a server) do not wait for each other.
	lockMigrations: `SELECT pg_advisory_xact_lock(hashtext('aartha.migrate:' || coalesce(current_schema(), '')))`,
	// Per schema too, like lockMigrations.
	lockLoanID: `SELECT pg_advisory_xact_lock(hashtext(coalesce(current_schema(), '') || ':' || ?))`,
	timeArg:    func(t time.Time) any { return t.UTC() },
	greatest:   "GREATEST",

	auditInsertedAt: "a.inserted_at",
}

// rebind rewrites the ? placeholders of q for the dialect. Queries never
// contain a literal question mark.
func (d *dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// nullTimeArg encodes an optional timestamp argument.
func (d *dialect) nullTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.timeArg(*t)
}

// jsonArg encodes an optional JSON document as text, which both TEXT (SQLite)
// and JSONB (PostgreSQL) columns accept.
func jsonArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// bytesArg keeps a nil slice NULL.
func bytesArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// errKind classifies driver errors that callers must be told about in domain
// terms.
type errKind int

const (
	errOther errKind = iota
	errUnique
	errCheck
	errForeignKey
	errNotADatabase
	errCorrupt
	errCantOpen
)

func classify(err error) errKind {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch code := se.Code(); {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errUnique
		case code == sqlite3.SQLITE_CONSTRAINT_CHECK || code == sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return errCheck
		case code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return errForeignKey
		case code&0xff == sqlite3.SQLITE_NOTADB:
			return errNotADatabase
		case code&0xff == sqlite3.SQLITE_CORRUPT:
			return errCorrupt
		case code&0xff == sqlite3.SQLITE_CANTOPEN:
			return errCantOpen
		}
		return errOther
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return errUnique
		case "23514", "23502":
			return errCheck
		case "23503":
			return errForeignKey
		}
	}
	return errOther
}

// nullTime scans a nullable timestamp from either database: PostgreSQL
// gives time.Time, SQLite gives the text written by timeArg.
type nullTime struct {
	t     time.Time
	valid bool
}

func (n *nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n = nullTime{}
		return nil
	case time.Time:
		*n = nullTime{t: v.UTC(), valid: true}
		return nil
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	}
	return errors.New("store: unsupported timestamp type")
}

func (n *nullTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	*n = nullTime{t: t.UTC(), valid: true}
	return nil
}

// ptr returns the time or nil.
func (n nullTime) ptr() *time.Time {
	if !n.valid {
		return nil
	}
	t := n.t
	return &t
}
