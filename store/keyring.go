package store

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	ledger "github.com/aartha/ledger"
)

// keyringCacheSize bounds the unwrapped data keys a store keeps in memory;
// past it the cache starts over.
const keyringCacheSize = 50_000

// KeyringOrphanAge is how old a key with no loan must be before a sweep
// deletes it: a loan's key is written before the loan's row commits, so a
// younger key may belong to a loan still being created.
const KeyringOrphanAge = time.Hour

// Keyring holds each loan's data key, wrapped by the master key, in a
// database of its own (docs/privacy.md): a backup of the main database
// holds no key, so erasing a loan (deleting its key here) makes every
// earlier backup of the main database unreadable for that loan.
type Keyring struct {
	db    *DB
	table string // the table, schema-qualified when the keyring shares a PostgreSQL database

	mu    sync.Mutex
	cache map[string]cipher.AEAD // unwrapped keys of loans read lately
}

// OpenSQLiteKeyring opens (creating it if needed) the keyring in the SQLite
// file at path.
func OpenSQLiteKeyring(ctx context.Context, path string) (*Keyring, error) {
	db, err := OpenSQLite(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open the keyring: %w", err)
	}
	return newKeyring(ctx, db, "")
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// OpenPostgresKeyring opens the keyring in the PostgreSQL database at url,
// in its own schema when schema is not empty (a keyring sharing the main
// database; `aartha backup` leaves that schema out), else in the URL's
// default schema.
func OpenPostgresKeyring(ctx context.Context, url, schema string, opts ...PostgresOption) (*Keyring, error) {
	if schema != "" && !schemaName.MatchString(schema) {
		return nil, ledger.Errorf(ledger.EINVALID, "keyring schema %q is invalid: use lower-case letters, digits and _", schema)
	}
	db, err := OpenPostgres(ctx, url, opts...)
	if err != nil {
		return nil, fmt.Errorf("open the keyring: %w", err)
	}
	if schema != "" {
		if _, err := db.w.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
			_ = db.Close()
			return nil, db.wrap("create the keyring schema", err)
		}
	}
	return newKeyring(ctx, db, schema)
}

func newKeyring(ctx context.Context, db *DB, schema string) (*Keyring, error) {
	k := &Keyring{db: db, table: "pii_data_keys", cache: map[string]cipher.AEAD{}}
	if schema != "" {
		k.table = schema + ".pii_data_keys"
	}
	blob, ts := "BLOB", "TEXT"
	if db.d.name == "postgres" {
		blob, ts = "BYTEA", "TIMESTAMPTZ"
	}
	// master_key_id names the master key that wrapped the key (a digest of
	// it, never the key), so a rotation knows what is left to re-wrap.
	ddl := `CREATE TABLE IF NOT EXISTS ` + k.table + ` (
		loan_id       TEXT NOT NULL PRIMARY KEY,
		master_key_id TEXT NOT NULL,
		wrapped       ` + blob + ` NOT NULL,
		created_at    ` + ts + ` NOT NULL
	)`
	if _, err := db.w.ExecContext(ctx, ddl); err != nil {
		_ = db.Close()
		return nil, db.wrap("create the keyring table", err)
	}
	return k, nil
}

// Close closes the keyring's database.
func (k *Keyring) Close() error { return k.db.Close() }

// String names the keyring's database for messages (never a password).
func (k *Keyring) String() string { return "keyring " + k.db.where }

// BackupSQLite writes a consistent copy of a SQLite keyring to path (which
// must not exist); EINVALID on PostgreSQL (back it up with pg_dump).
func (k *Keyring) BackupSQLite(ctx context.Context, path string) error {
	return k.db.BackupSQLite(ctx, path)
}

// wrappedKey is one keyring row.
type wrappedKey struct {
	loanID, masterKeyID string
	wrapped             []byte
	createdAt           time.Time
}

// put stores a loan's wrapped key, replacing one the keyring has for that
// loan id: the caller holds the key the loan's row is sealed with (a new
// loan, whose id CreateLoan has claimed, or a key moved from the row), so a
// key already there is an orphan of a creation rolled back.
func (k *Keyring) put(ctx context.Context, w wrappedKey) error {
	_, err := k.db.w.ExecContext(ctx, k.db.d.rebind(`INSERT INTO `+k.table+` (loan_id, master_key_id, wrapped, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (loan_id) DO UPDATE
		SET master_key_id = excluded.master_key_id, wrapped = excluded.wrapped, created_at = excluded.created_at`),
		w.loanID, w.masterKeyID, w.wrapped, k.db.d.timeArg(w.createdAt))
	if err != nil {
		return k.db.wrap("store the data key of loan "+w.loanID+" in the keyring", err)
	}
	return nil
}

// get returns a loan's wrapped key; found is false if the keyring has none.
func (k *Keyring) get(ctx context.Context, loanID string) (w wrappedKey, found bool, err error) {
	err = k.db.r.QueryRowContext(ctx, k.db.d.rebind(`SELECT master_key_id, wrapped FROM `+k.table+` WHERE loan_id = ?`), loanID).
		Scan(&w.masterKeyID, &w.wrapped)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return w, false, nil
	case err != nil:
		return w, false, k.db.wrap("read the data key of loan "+loanID+" from the keyring", err)
	}
	w.loanID = loanID
	return w, true, nil
}

// rewrap replaces a key wrapped by fromKeyID with its re-wrapped form; a
// key that changed meanwhile (erased, or already re-wrapped) is left.
func (k *Keyring) rewrap(ctx context.Context, w wrappedKey, fromKeyID string) error {
	_, err := k.db.w.ExecContext(ctx, k.db.d.rebind(`UPDATE `+k.table+` SET master_key_id = ?, wrapped = ? WHERE loan_id = ? AND master_key_id = ?`),
		w.masterKeyID, w.wrapped, w.loanID, fromKeyID)
	if err != nil {
		return k.db.wrap("re-wrap the data key of loan "+w.loanID, err)
	}
	return nil
}

// delete deletes the keys of the loans and forgets them.
func (k *Keyring) delete(ctx context.Context, loanIDs ...string) error {
	if len(loanIDs) == 0 {
		return nil
	}
	k.forget(loanIDs...)
	args := make([]any, len(loanIDs))
	for i, id := range loanIDs {
		args[i] = id
	}
	q := `DELETE FROM ` + k.table + ` WHERE loan_id IN (?` + strings.Repeat(", ?", len(loanIDs)-1) + `)`
	if k.db.d.name != "sqlite" {
		if _, err := k.db.w.ExecContext(ctx, k.db.d.rebind(q), args...); err != nil {
			return k.db.wrap("delete data keys from the keyring", err)
		}
		return nil
	}
	// A deleted SQLite row stays in the file's free space, and the page
	// that held it in the write-ahead log, until overwritten: secure_delete
	// zeroes it in the database file, and a truncating checkpoint empties
	// the log, so no copy of the file taken afterwards holds the key. (The
	// writer is one connection, so the pragma applies to the delete.)
	if _, err := k.db.w.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
		return k.db.wrap("delete data keys from the keyring", err)
	}
	if _, err := k.db.w.ExecContext(ctx, q, args...); err != nil {
		return k.db.wrap("delete data keys from the keyring", err)
	}
	// The checkpoint waits for no reader: one still reading an older
	// snapshot makes it report busy, so it is tried again a few times.
	for try := 0; ; try++ {
		var busy, logFrames, checkpointed int
		err := k.db.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed)
		if err != nil {
			return k.db.wrap("empty the keyring's write-ahead log", err)
		}
		if busy == 0 || try == 20 {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// page returns up to limit rows with loan ids after after, in id order;
// with notKeyID set, only keys wrapped by another master key.
func (k *Keyring) page(ctx context.Context, after, notKeyID string, limit int) ([]wrappedKey, error) {
	q := `SELECT loan_id, master_key_id, wrapped, created_at FROM ` + k.table + ` WHERE loan_id > ?`
	args := []any{after}
	if notKeyID != "" {
		q += ` AND master_key_id <> ?`
		args = append(args, notKeyID)
	}
	q += ` ORDER BY loan_id LIMIT ?`
	return queryAll(ctx, k.db, "list the keyring", k.db.d.rebind(q), append(args, limit), func(r rowScanner) (wrappedKey, error) {
		var w wrappedKey
		var at nullTime
		err := r.Scan(&w.loanID, &w.masterKeyID, &w.wrapped, &at)
		w.createdAt = at.t
		return w, err
	})
}

// count returns the number of keys.
func (k *Keyring) count(ctx context.Context) (int64, error) {
	var n int64
	if err := k.db.r.QueryRowContext(ctx, `SELECT count(*) FROM `+k.table).Scan(&n); err != nil {
		return 0, k.db.wrap("count the keyring", err)
	}
	return n, nil
}

func (k *Keyring) cached(loanID string) (cipher.AEAD, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	aead, ok := k.cache[loanID]
	return aead, ok
}

func (k *Keyring) remember(loanID string, aead cipher.AEAD) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.cache) >= keyringCacheSize {
		clear(k.cache)
	}
	k.cache[loanID] = aead
}

func (k *Keyring) forget(loanIDs ...string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, id := range loanIDs {
		delete(k.cache, id)
	}
}
