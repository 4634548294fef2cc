package main

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/service"
)

func newServeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (embedded SQLite store when DATABASE_URL is unset)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// A signal starts the shutdown (service.Serve).
			stopping, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logLevel := new(slog.LevelVar) // AARTHA_LOG_LEVEL, set once the configuration is read
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: logLevel}))
			cfg, secretRefresh, err := a.loadServeConfig(cmd.Context(), log, logLevel, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return service.Serve(stopping, service.Options{
				Config: cfg, Secrets: secretRefresh, Version: buildVersion(), Release: releaseVersion(),
				Log: log, Out: cmd.OutOrStdout(),
			})
		},
	}
}
