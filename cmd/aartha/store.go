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
		return store.OpenPostgres(ctx, cfg.DatabaseURL)
	}
	return store.OpenSQLite(ctx, cfg.SQLitePath())
}
