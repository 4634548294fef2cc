package service

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/store"
)

// BackupDatabase backs up the main database, never the keyring (a keyring
// schema in DATABASE_URL's database is left out).
func BackupDatabase(ctx context.Context, cfg *config.Config, out string) error {
	if cfg.DatabaseURL != "" {
		return store.DumpPostgres(ctx, cfg.DatabaseURL, out, cfg.KeyringSchema())
	}
	db, err := store.OpenSQLite(ctx, cfg.SQLitePath())
	if err != nil {
		return err
	}
	defer db.Close()
	return db.BackupSQLite(ctx, out)
}

// BackupKeyring backs up the keyring wherever OpenKeyring finds it.
func BackupKeyring(ctx context.Context, cfg *config.Config, out string) error {
	switch {
	case cfg.DatabaseURL == "":
		ring, err := store.OpenSQLiteKeyring(ctx, cfg.KeyringPath())
		if err != nil {
			return err
		}
		defer ring.Close()
		return ring.BackupSQLite(ctx, out)
	case cfg.PIIKeyringURL != "":
		return store.DumpPostgres(ctx, cfg.PIIKeyringURL, out)
	default:
		u, err := url.Parse(cfg.DatabaseURL)
		if err != nil {
			return fmt.Errorf("DATABASE_URL is not a URL")
		}
		q := u.Query()
		q.Set("search_path", cfg.KeyringSchema())
		u.RawQuery = q.Encode()
		return store.DumpPostgres(ctx, u.String(), out)
	}
}
