package store

import "io/fs"

// SetMigrations replaces the embedded migrations by fsys, which holds
// migrations/sqlite/*.sql and migrations/postgres/*.sql (tests only).
func (db *DB) SetMigrations(fsys fs.FS) { db.migrations = fsys }

// MigrationsFS is the embedded migrations (tests only).
var MigrationsFS = migrationsFS

// MigrationsDir is where the migrations of db's dialect are (tests only).
func (db *DB) MigrationsDir() string { return db.d.migrationsDir }
