package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/metrics"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/telemetry"
	"github.com/aartha/ledger/worker"
)

// shutdownGrace is how long a shutdown may take in all: in-flight requests
// finish first, then the worker's current job, within the same budget.
const shutdownGrace = 30 * time.Second

// drainDelay is how long a stopping server keeps accepting after /ready
// turned 503, so that a load balancer sees it and stops sending first.
const drainDelay = time.Second

func newServeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (embedded SQLite store when DATABASE_URL is unset)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stopping, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// The service's parts run on their own context, ended only once
			// the HTTP server has drained and the worker has stopped: a
			// signal starts the shutdown (shutdown.go), it does not cut the
			// current anchoring job off.
			ctx, endRun := context.WithCancel(context.WithoutCancel(cmd.Context()))
			defer endRun()
			logLevel := new(slog.LevelVar) // AARTHA_LOG_LEVEL, set once the configuration is read
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: logLevel}))

			cfg, secretRefresh, err := a.loadServeConfig(cmd.Context(), log, logLevel, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			tel, err := telemetry.StartConfigured(ctx, cfg, releaseVersion(), log)
			if err != nil {
				return err
			}
			defer tel.Flush(log) // last: flushes what the shutdown reported
			ctx = withTelemetry(ctx, tel)
			db, err := openStore(stopping, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := prepareSchema(stopping, db, cfg, log); err != nil {
				return err
			}
			// Seal the audit trail's new rows every second.
			if _, dev := cfg.AuditKey(nil); dev {
				log.Warn("AARTHA_AUDIT_SEAL_KEY is unset: the audit trail is sealed with the public development key, which protects nothing; production requires a key of its own")
			}
			sealer := store.NewAuditSealer(db, store.AuditSealerConfig{Log: log})
			sealer.Start(ctx)
			defer sealer.Stop()

			reg := prometheus.NewRegistry()
			meters := metrics.New(reg)
			if cfg.EnableBlockchain {
				meters.KnownCalls(anchoring.KnownCalls(cfg)...) // at zero until the first call
			}
			secretRefresh.Start(ctx, meters)
			defer secretRefresh.Stop()
			drain := &drainState{}
			ready := map[string]aarthahttp.Pinger{"database": db, "shutdown": drain}
			var anch *anchoring.Running
			if cfg.EnableBlockchain {
				anch, err = startAnchoring(ctx, cfg, db, log, cmd.OutOrStdout(), meters)
				if err != nil {
					return err
				}
				defer anch.Stop(context.Background())
				ready["chain"] = anch
				warnIgnoredKey(cfg, log, cmd.OutOrStdout())
			}
			meters.Watch(metricSources(db, anch))
			if anch != nil {
				if eps := anch.RPCEndpoints(); eps != nil {
					meters.WatchRPCEndpoints(eps) // aartha_rpc_endpoint_active
				}
			}
			api, release, err := newAPI(ctx, cfg, db, anch, log, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer release()

			srv := aarthahttp.NewServer(cfg.ListenAddr, buildVersion(), ready, log)
			srv.SetAPI(api)
			srv.SetTrustedProxies(cfg.TrustedProxies)
			admin, err := newAdminUI(cfg, api, db, anch, log)
			if err != nil {
				return err
			}
			srv.SetAdminUI(admin)
			srv.SetVerifyPage(admin.VerifyPage())
			srv.SetMetrics(metrics.Handler(reg), meters.Middleware)
			srv.SetTelemetry(tel.Middleware, tel)
			if err := srv.Start(ctx); err != nil {
				return err
			}
			log.Info("aartha is serving", "url", srv.URL(), "store", db.String(), "mode", cfg.Mode)
			fmt.Fprintf(cmd.OutOrStdout(), "Aartha ledger listening on %s (health: %s/health)\nOpen the admin UI: %s/admin/\n", srv.URL(), srv.URL(), srv.URL())

			<-stopping.Done()
			return shutdown(log, drain, srv, anch, sealer)
		},
	}
}

// prepareSchema refuses to serve on an out-of-date schema. The one exception
// is a brand-new embedded SQLite database in development mode: it has no
// schema to be out of date, so it is created, which keeps `aartha serve` a
// one-command start for a newcomer.
func prepareSchema(ctx context.Context, db *store.DB, cfg *config.Config, log *slog.Logger) error {
	have, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if have == 0 && cfg.DatabaseURL == "" && cfg.Mode == config.Development {
		applied, err := migrateAll(ctx, db)
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

// migrateAll applies the store's migrations, then the job queue's.
func migrateAll(ctx context.Context, db *store.DB) ([]string, error) {
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

// warnIgnoredKey says at start that BLOCKCHAIN_PRIVATE_KEY (or
// BLOCKCHAIN_KEYSTORE) is not used on the embedded development chain, which
// signs with its own funded key: an operator who set one should not
// believe it is anchoring with it.
func warnIgnoredKey(cfg *config.Config, log *slog.Logger, out io.Writer) {
	embedded := cfg.Backend == "evm" && cfg.RPCURL == ""
	if !embedded || (cfg.PrivateKey == "" && cfg.KeystorePath == "") {
		return
	}
	const msg = "BLOCKCHAIN_PRIVATE_KEY / BLOCKCHAIN_KEYSTORE is set but ignored: the embedded development chain (no BLOCKCHAIN_RPC_URL) signs with its own funded key"
	log.Warn(msg)
	fmt.Fprintln(out, "Warning: "+msg)
}
