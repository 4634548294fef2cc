package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/metrics"
	"github.com/aartha/ledger/secrets"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/telemetry"
)

// shutdownGrace is how long a shutdown may take in all: in-flight requests
// finish first, then the worker's current job, within the same budget.
const shutdownGrace = 30 * time.Second

// drainDelay is how long a stopping server keeps accepting after /ready
// turned 503, so that a load balancer sees it and stops sending first.
const drainDelay = time.Second

// Options are what Serve runs with.
type Options struct {
	Config *config.Config
	// Secrets refreshes the configuration's secret references; it starts
	// once metrics exist.
	Secrets *secrets.ConfigRefresh
	Version string // the binary's one-line description, for /health and logs
	Release string // its version alone, for Sentry and span resources
	Log     *slog.Logger
	Out     io.Writer // what the operator reads: where to open the service, warnings
}

// Serve runs the service until stopping ends, then shuts it down
// (shutdown): the store (PrepareSchema), the audit sealer, the anchoring
// side when ENABLE_BLOCKCHAIN is set, metrics, telemetry, the admin API
// and UI, and the HTTP server.
func Serve(stopping context.Context, o Options) error {
	cfg, log := o.Config, o.Log
	// The service's parts run on their own context, ended only once the
	// HTTP server has drained and the worker has stopped: stopping starts
	// the shutdown, it does not cut the current anchoring job off.
	ctx, endRun := context.WithCancel(context.WithoutCancel(stopping))
	defer endRun()
	tel, err := telemetry.StartConfigured(ctx, cfg, o.Release, log)
	if err != nil {
		return err
	}
	defer tel.Flush(log) // last: flushes what the shutdown reported
	ctx = WithTelemetry(ctx, tel)
	db, err := OpenStore(stopping, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := PrepareSchema(stopping, db, cfg, log); err != nil {
		return err
	}
	// Seal the audit trail's new rows every second.
	if _, dev := cfg.AuditKey(nil); dev {
		log.Warn("AARTHA_AUDIT_SEAL_KEY is unset: the audit trail is sealed with the public development key, which protects nothing; production requires a key of its own")
	}
	if detail, hint := KeyringWarning(cfg); detail != "" {
		log.Warn(detail + "; " + hint)
	}
	sealer := store.NewAuditSealer(db, store.AuditSealerConfig{Log: log})
	sealer.Start(ctx)
	defer sealer.Stop()

	reg := prometheus.NewRegistry()
	meters := metrics.New(reg)
	if cfg.EnableBlockchain {
		meters.KnownCalls(anchoring.KnownCalls(cfg)...) // at zero until the first call
	}
	o.Secrets.Start(ctx, meters)
	defer o.Secrets.Stop()
	drain := &drainState{}
	ready := map[string]aarthahttp.Pinger{"database": db, "shutdown": drain}
	var anch *anchoring.Running
	if cfg.EnableBlockchain {
		anch, err = StartAnchoring(ctx, cfg, db, log, o.Out, meters)
		if err != nil {
			return err
		}
		defer anch.Stop(context.Background())
		ready["chain"] = anch
		warnIgnoredKey(cfg, log, o.Out)
	}
	meters.Watch(metricSources(db, anch))
	if anch != nil {
		if eps := anch.RPCEndpoints(); eps != nil {
			meters.WatchRPCEndpoints(eps) // aartha_rpc_endpoint_active
		}
	}
	api, release, err := newAPI(ctx, cfg, db, anch, log, o.Out)
	if err != nil {
		return err
	}
	defer release()

	srv := aarthahttp.NewServer(cfg.ListenAddr, o.Version, ready, log)
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
	fmt.Fprintf(o.Out, "Aartha ledger listening on %s (health: %s/health)\nOpen the admin UI: %s/admin/\n", srv.URL(), srv.URL(), srv.URL())

	<-stopping.Done()
	return shutdown(log, drain, srv, anch, sealer)
}
