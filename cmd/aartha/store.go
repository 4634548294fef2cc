package main

import (
	"context"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/store"
)

// openStore opens PostgreSQL when DATABASE_URL is set and the embedded
// SQLite file in the data directory otherwise.
// The audit trail's seals are keyed with AARTHA_AUDIT_SEAL_KEY (or the
// public development key); with AARTHA_PII_MASTER_KEY set, personal fields
// are encrypted per loan.
func openStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	var (
		db  *store.DB
		err error
	)
	if cfg.DatabaseURL != "" {
		db, err = store.OpenPostgres(ctx, cfg.DatabaseURL, postgresOptions(cfg)...)
	} else {
		db, err = store.OpenSQLite(ctx, cfg.SQLitePath())
	}
	if err != nil {
		return nil, err
	}
	key, _ := cfg.AuditKey(ledger.DevAuditSealKey())
	db.SetAuditSealKey(key)
	if cfg.PIIMasterKey == nil {
		return db, nil
	}
	keys, err := personalDataKeys(cfg)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	db.SetPersonalDataKeys(keys)
	ring, err := openKeyring(ctx, cfg)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	db.SetKeyring(ring)
	return db, nil
}

// personalDataKeys are the keys of AARTHA_PII_MASTER_KEY and, during a
// rotation, AARTHA_PII_PREVIOUS_MASTER_KEY.
func personalDataKeys(cfg *config.Config) (*store.PersonalDataKeys, error) {
	keys, err := store.NewPersonalDataKeys(cfg.PIIMasterKey)
	if err != nil || cfg.PIIPreviousMasterKey == nil {
		return keys, err
	}
	return keys.WithPrevious(cfg.PIIPreviousMasterKey)
}

// openKeyring opens the keyring of the per-loan data keys: the SQLite file
// AARTHA_PII_KEYRING beside an embedded store, the database
// AARTHA_PII_KEYRING_URL beside PostgreSQL, or (development) the schema
// aartha_keyring of DATABASE_URL's database, which `aartha backup` leaves
// out.
func openKeyring(ctx context.Context, cfg *config.Config) (*store.Keyring, error) {
	switch {
	case cfg.DatabaseURL == "":
		return store.OpenSQLiteKeyring(ctx, cfg.KeyringPath())
	case cfg.PIIKeyringURL != "":
		return store.OpenPostgresKeyring(ctx, cfg.PIIKeyringURL, "")
	default:
		return store.OpenPostgresKeyring(ctx, cfg.DatabaseURL, cfg.KeyringSchema(), postgresOptions(cfg)...)
	}
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
	if err := db.PrepareKeyring(ctx, time.Now()); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// openConfiguredStore loads the configuration and opens its store with the
// schema checked: the first step of every command that reads or changes
// the database.
func (a *app) openConfiguredStore(ctx context.Context) (*config.Config, *store.DB, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	db, err := openCurrentStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}
