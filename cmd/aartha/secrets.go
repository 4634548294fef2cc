package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/secrets"
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
