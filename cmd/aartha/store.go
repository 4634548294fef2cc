package main

import (
	"context"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/store"
)

// openStore opens PostgreSQL when DATABASE_URL is set and the embedded
// SQLite file in the data directory otherwise.
func openStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	if cfg.DatabaseURL != "" {
		return store.OpenPostgres(ctx, cfg.DatabaseURL, postgresOptions(cfg)...)
	}
	return store.OpenSQLite(ctx, cfg.SQLitePath())
}

// openCurrentStore opens the store and refuses a schema that is not this
// binary's, as every command but migrate and serve must.
func openCurrentStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}
