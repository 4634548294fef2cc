package store

import (
	"context"

	ledger "github.com/aartha/ledger"
)

// BackupSQLite writes a consistent copy of the SQLite database to path
// (which must not exist) with VACUUM INTO: the copy is one snapshot even
// while other connections write, and it is compacted. It returns EINVALID on
// PostgreSQL, which is backed up with pg_dump.
func (db *DB) BackupSQLite(ctx context.Context, path string) error {
	if db.d.name != "sqlite" {
		return ledger.Errorf(ledger.EINVALID, "%s is backed up with pg_dump, not by the service", db)
	}
	if _, err := db.w.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return db.wrap("back up to "+path, err)
	}
	return nil
}
