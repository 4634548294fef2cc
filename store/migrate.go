package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"time"

	ledger "github.com/aartha/ledger"
)

//go:embed migrations
var migrationsFS embed.FS

// migration is one numbered SQL file.
type migration struct {
	version  int
	name     string // file name, e.g. 0001_init.sql
	sql      string
	checksum string // hex SHA-256 of sql
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// loadMigrations reads the dialect's migrations from fsys. Their numbers
// must run 1, 2, 3, ... without gaps.
func (db *DB) loadMigrations() ([]migration, error) {
	dir := db.d.migrationsDir
	entries, err := fs.ReadDir(db.migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			return nil, fmt.Errorf("migration %s/%s is misnamed: want NNNN_name.sql", dir, e.Name())
		}
		version, _ := strconv.Atoi(m[1])
		if version != len(ms)+1 {
			return nil, fmt.Errorf("migration %s/%s is out of sequence: want number %04d", dir, e.Name(), len(ms)+1)
		}
		b, err := fs.ReadFile(db.migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration: %w", err)
		}
		sum := sha256.Sum256(b)
		ms = append(ms, migration{version: version, name: e.Name(), sql: string(b), checksum: hex.EncodeToString(sum[:])})
	}
	return ms, nil
}

// schemaState is what schema_migrations says.
type schemaState struct {
	version   int            // highest applied version, 0 if none
	checksums map[int]string // version → checksum
	names     map[int]string // version → file name
}

func (db *DB) readSchemaState(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (schemaState, error) {
	st := schemaState{checksums: map[int]string{}, names: map[int]string{}}
	var n int
	if err := q.QueryRowContext(ctx, db.d.migrationsTableExists).Scan(&n); err != nil {
		return st, db.wrap("read schema version", err)
	}
	if n == 0 {
		return st, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT version, name, checksum FROM schema_migrations ORDER BY version")
	if err != nil {
		return st, db.wrap("read schema version", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		var name, sum string
		if err := rows.Scan(&v, &name, &sum); err != nil {
			return st, db.wrap("read schema version", err)
		}
		st.checksums[v], st.names[v] = sum, name
		st.version = max(st.version, v)
	}
	if err := rows.Err(); err != nil {
		return st, db.wrap("read schema version", err)
	}
	return st, nil
}

// SchemaVersion returns the version the database is at (0 before the first
// migration) and the version this binary needs.
func (db *DB) SchemaVersion(ctx context.Context) (have, want int, err error) {
	ms, err := db.loadMigrations()
	if err != nil {
		return 0, 0, err
	}
	st, err := db.readSchemaState(ctx, db.w)
	if err != nil {
		return 0, 0, err
	}
	return st.version, len(ms), nil
}

// CheckSchema returns nil if the database schema is exactly what this binary
// needs. Otherwise it returns an EUNAVAILABLE error that says what to do:
// run `aartha migrate` for an older schema, upgrade the binary for a newer
// one. An applied migration whose file has since changed is reported as
// EINTERNAL. `serve` calls it and refuses to start on error.
func (db *DB) CheckSchema(ctx context.Context) error {
	ms, err := db.loadMigrations()
	if err != nil {
		return err
	}
	st, err := db.readSchemaState(ctx, db.w)
	if err != nil {
		return err
	}
	if err := checkNotNewer(st, ms); err != nil {
		return err
	}
	for _, m := range ms {
		sum, ok := st.checksums[m.version]
		if !ok {
			return ledger.Errorf(ledger.EUNAVAILABLE, "database schema is at version %d but this binary needs %d: run `aartha migrate`", st.version, len(ms))
		}
		if sum != m.checksum {
			return ledger.Errorf(ledger.EINTERNAL, "migration %s was changed after it was applied to the database (applied as %s): restore the original file; fixes go in a new migration", m.name, st.names[m.version])
		}
	}
	return nil
}

func checkNotNewer(st schemaState, ms []migration) error {
	if st.version > len(ms) {
		return ledger.Errorf(ledger.EUNAVAILABLE, "database schema is at version %d, newer than this binary, which knows versions up to %d: run a newer aartha", st.version, len(ms))
	}
	return nil
}

// Migrate applies the migrations the database has not had yet, in order,
// and returns the names of those it applied (none if the schema was up to
// date). Each migration runs in its own transaction together with its row in
// schema_migrations, so one that fails leaves no trace: the error names it
// and the database stays at the previous version. Concurrent Migrate calls,
// from this process or others, are serialised (an advisory lock on
// PostgreSQL, the write lock on SQLite); the loser finds nothing to do.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := db.loadMigrations()
	if err != nil {
		return nil, err
	}
	if err := db.checkForeign(ctx); err != nil {
		return nil, err
	}
	applied := []string{}
	for _, m := range ms {
		did, err := db.applyMigration(ctx, m, ms)
		if err != nil {
			return applied, err
		}
		if did {
			applied = append(applied, m.name)
		}
	}
	return applied, nil
}

func (db *DB) applyMigration(ctx context.Context, m migration, ms []migration) (applied bool, err error) {
	stx, err := db.w.BeginTx(ctx, db.d.txOptions)
	if err != nil {
		return false, db.wrap("migrate: begin transaction", err)
	}
	defer func() {
		if !applied {
			_ = stx.Rollback()
		}
	}()
	if db.d.lockMigrations != "" {
		if _, err := stx.ExecContext(ctx, db.d.lockMigrations); err != nil {
			return false, db.wrap("migrate: take the migration lock", err)
		}
	}
	if _, err := stx.ExecContext(ctx, db.d.createMigrationsTable); err != nil {
		return false, db.wrap("migrate: create schema_migrations", err)
	}
	st, err := db.readSchemaState(ctx, stx)
	if err != nil {
		return false, err
	}
	if err := checkNotNewer(st, ms); err != nil {
		return false, err
	}
	if _, ok := st.checksums[m.version]; ok {
		return false, nil // applied before, or by a concurrent run
	}
	if _, err := stx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("migration %s failed, nothing of it was kept: %w", m.name, db.wrap("apply", err))
	}
	if _, err := stx.ExecContext(ctx, db.d.rebind("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)"),
		m.version, m.name, m.checksum, db.d.timeArg(time.Now())); err != nil {
		return false, db.wrap("migration "+m.name+": record it", err)
	}
	if err := stx.Commit(); err != nil {
		return false, db.wrap("migration "+m.name+": commit", err)
	}
	return true, nil
}

// checkForeign refuses to migrate a SQLite file that holds someone else's
// tables: it is most likely a wrong path, not an empty Aartha database.
func (db *DB) checkForeign(ctx context.Context) error {
	if db.d != sqliteDialect {
		return nil
	}
	var ours, others int
	err := db.w.QueryRowContext(ctx, `SELECT
		count(*) FILTER (WHERE name = 'schema_migrations'),
		count(*) FILTER (WHERE name <> 'schema_migrations' AND name NOT LIKE 'sqlite_%')
		FROM sqlite_master WHERE type = 'table'`).Scan(&ours, &others)
	if err != nil {
		return db.wrap("migrate: inspect database", err)
	}
	if ours == 0 && others > 0 {
		return ledger.Errorf(ledger.EINVALID, "%s holds %d tables but none of Aartha's: it is not an Aartha SQLite database, so migrate leaves it alone", db, others)
	}
	return nil
}
