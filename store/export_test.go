package store

import (
	"context"
	"io/fs"
	"time"
)

// SetMigrations replaces the embedded migrations by fsys, which holds
// migrations/sqlite/*.sql and migrations/postgres/*.sql (tests only).
func (db *DB) SetMigrations(fsys fs.FS) { db.migrations = fsys }

// MigrationsFS is the embedded migrations (tests only).
var MigrationsFS = migrationsFS

// MigrationsDir is where the migrations of db's dialect are (tests only).
func (db *DB) MigrationsDir() string { return db.d.migrationsDir }

// KeyringEntry is a keyring row as tests see it.
type KeyringEntry struct {
	LoanID, MasterKeyID string
	Wrapped             []byte
	CreatedAt           time.Time
}

// Entries returns every keyring row in loan id order (tests only).
func (k *Keyring) Entries(ctx context.Context) ([]KeyringEntry, error) {
	rows, err := k.page(ctx, "", "", 1_000_000)
	out := make([]KeyringEntry, len(rows))
	for i, w := range rows {
		out[i] = KeyringEntry{w.loanID, w.masterKeyID, w.wrapped, w.createdAt}
	}
	return out, err
}

// Put stores a keyring row as it is, as a crash would leave it (tests only).
func (k *Keyring) Put(ctx context.Context, e KeyringEntry) error {
	return k.put(ctx, wrappedKey{e.LoanID, e.MasterKeyID, e.Wrapped, e.CreatedAt})
}
