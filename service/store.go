package service

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/worker"
)

// OpenStore opens PostgreSQL when DATABASE_URL is set and the embedded
// SQLite file in the data directory otherwise.
// The audit trail's seals are keyed with AARTHA_AUDIT_SEAL_KEY (or the
// public development key); with AARTHA_PII_MASTER_KEY set, personal fields
// are encrypted per loan.
func OpenStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
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
	keys, err := PersonalDataKeys(cfg)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	db.SetPersonalDataKeys(keys)
	ring, err := OpenKeyring(ctx, cfg)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	db.SetKeyring(ring)
	return db, nil
}

// PersonalDataKeys are the keys of AARTHA_PII_MASTER_KEY and, during a
// rotation, AARTHA_PII_PREVIOUS_MASTER_KEY.
func PersonalDataKeys(cfg *config.Config) (*store.PersonalDataKeys, error) {
	keys, err := store.NewPersonalDataKeys(cfg.PIIMasterKey)
	if err != nil || cfg.PIIPreviousMasterKey == nil {
		return keys, err
	}
	return keys.WithPrevious(cfg.PIIPreviousMasterKey)
}

// KeyringWarning says what to warn of where the keyring lives and what to
// do, or "" twice: a keyring in a schema of DATABASE_URL's own database
// (development without AARTHA_PII_KEYRING_URL) is left out of `aartha
// backup`, but any full dump of that database taken otherwise holds it, and
// with it the key of every loan erased after that dump.
func KeyringWarning(cfg *config.Config) (detail, hint string) {
	if cfg.PIIMasterKey == nil || cfg.DatabaseURL == "" || cfg.PIIKeyringURL != "" {
		return "", ""
	}
	return "the personal-data keyring is the schema " + cfg.KeyringSchema() + " of DATABASE_URL's database: `aartha backup` leaves it out, but a full pg_dump of your own would hold it, and erasure would not reach that dump",
		"set AARTHA_PII_KEYRING_URL to a database of its own (production requires it)"
}

// OpenKeyring opens the keyring of the per-loan data keys: the SQLite file
// AARTHA_PII_KEYRING beside an embedded store, the database
// AARTHA_PII_KEYRING_URL beside PostgreSQL, or (development) the schema
// aartha_keyring of DATABASE_URL's database, which `aartha backup` leaves
// out.
func OpenKeyring(ctx context.Context, cfg *config.Config) (*store.Keyring, error) {
	switch {
	case cfg.DatabaseURL == "":
		return store.OpenSQLiteKeyring(ctx, cfg.KeyringPath())
	case cfg.PIIKeyringURL != "":
		return store.OpenPostgresKeyring(ctx, cfg.PIIKeyringURL, "")
	default:
		return store.OpenPostgresKeyring(ctx, cfg.DatabaseURL, cfg.KeyringSchema(), postgresOptions(cfg)...)
	}
}

// postgresOptions passes DATABASE_PASSWORD, refreshed or not, to every new
// connection.
func postgresOptions(cfg *config.Config) []store.PostgresOption {
	if cfg.DatabasePassword == "" {
		return nil
	}
	return []store.PostgresOption{store.WithPassword(cfg.Current("DATABASE_PASSWORD", cfg.DatabasePassword))}
}

// OpenCurrentStore opens the store and refuses a schema that is not this
// binary's, as every command but migrate and serve must.
func OpenCurrentStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	db, err := OpenStore(ctx, cfg)
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

// PrepareSchema refuses to serve on an out-of-date schema. The one exception
// is a brand-new embedded SQLite database in development mode: it has no
// schema to be out of date, so it is created, which keeps `aartha serve` a
// one-command start for a newcomer.
func PrepareSchema(ctx context.Context, db *store.DB, cfg *config.Config, log *slog.Logger) error {
	have, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if have == 0 && cfg.DatabaseURL == "" && cfg.Mode == config.Development {
		applied, err := MigrateAll(ctx, db)
		if err != nil {
			return err
		}
		log.Info("created the embedded database", "path", cfg.SQLitePath(), "migrations", len(applied))
	}
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	if err := worker.CheckSchema(ctx, db); err != nil {
		return err
	}
	// Keys still in the database move to the keyring; keys of loans erased
	// (a crash before their deletion, a restored keyring backup) go.
	return db.PrepareKeyring(ctx, time.Now())
}

// MigrateAll applies the store's migrations, then the job queue's.
func MigrateAll(ctx context.Context, db *store.DB) ([]string, error) {
	applied, err := db.Migrate(ctx)
	if err != nil {
		return applied, err
	}
	n, err := worker.Migrate(ctx, db)
	if n > 0 {
		applied = append(applied, fmt.Sprintf("job queue (%d River migrations)", n))
	}
	return applied, err
}
