package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/secrets"
	"github.com/aartha/ledger/store"
)

// loadServeConfig is serve's loadConfig: it fetches the secret references,
// prints every warning loudly (plain secrets outside development mode) and
// prepares their refresh, which Start begins once metrics exist. It sets
// level to AARTHA_LOG_LEVEL.
func (a *app) loadServeConfig(ctx context.Context, log *slog.Logger, level *slog.LevelVar, stderr io.Writer) (*config.Config, *secrets.ConfigRefresh, error) {
	loaded, err := secrets.LoadConfig(ctx, a.lookup, os.ReadFile, log)
	if err != nil {
		return nil, nil, err
	}
	level.Set(loaded.Config.LogLevel)
	for _, w := range config.Warnings(loaded.Settings) {
		log.Warn(w)
		fmt.Fprintln(stderr, "WARNING:", w)
	}
	return loaded.Config, loaded.PrepareRefresh(), nil
}

// jwtKey is the key source of the access token authenticator; generated
// is the random development key when JWT_SECRET_KEY is unset.
func jwtKey(cfg *config.Config, generated []byte) func() []byte {
	if cfg.JWTSecretKey == "" {
		return func() []byte { return generated }
	}
	current := cfg.Current("JWT_SECRET_KEY", cfg.JWTSecretKey)
	return func() []byte { return []byte(current()) }
}

// postgresOptions passes DATABASE_PASSWORD, refreshed or not, to every new
// connection.
func postgresOptions(cfg *config.Config) []store.PostgresOption {
	if cfg.DatabasePassword == "" {
		return nil
	}
	return []store.PostgresOption{store.WithPassword(cfg.Current("DATABASE_PASSWORD", cfg.DatabasePassword))}
}
