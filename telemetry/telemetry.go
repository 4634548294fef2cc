package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"

	"github.com/getsentry/sentry-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Config says where failures and traces go. Empty SentryDSN and
// OTLPEndpoint turn each off.
type Config struct {
	// SentryDSN is the Sentry project's DSN, e.g.
	// https://KEY@o1.ingest.sentry.io/42.
	SentryDSN string
	// OTLPEndpoint is the collector's OTLP/HTTP base URL, e.g.
	// http://127.0.0.1:4318, as in OTEL_EXPORTER_OTLP_ENDPOINT: spans go to
	// its /v1/traces.
	OTLPEndpoint string
	// Service names this program in both (default "aartha").
	Service string
	// Version is the release reported with events and spans.
	Version string
	// Environment is the deployment, e.g. "production".
	Environment string
	// Secrets are values that must never leave the process (keys,
	// passwords, tokens): any string of a Sentry event that contains one
	// has it replaced by [redacted]. Values shorter than 6 characters are
	// ignored (they would redact ordinary words).
	Secrets []string
	// Log receives the package's own troubles; nil discards them.
	Log *slog.Logger
}

// Validate names each broken setting.
func (c Config) Validate() error {
	var errs []error
	if c.SentryDSN != "" {
		if _, err := sentry.NewDsn(c.SentryDSN); err != nil {
			// The DSN holds the project's key: never quote it.
			errs = append(errs, errors.New("SENTRY_DSN is not a valid Sentry DSN"))
		}
	}
	if c.OTLPEndpoint != "" {
		u, err := url.Parse(c.OTLPEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT %q is not an http(s) URL", c.OTLPEndpoint))
		}
	}
	return errors.Join(errs...)
}

// Telemetry is the running error tracking and tracing. Create it with New,
// Start it, and Stop it to flush what is buffered. Its methods are safe for
// concurrent use, and do nothing for the half that is not configured (or
// before Start, or after Stop).
type Telemetry struct {
	cfg        Config
	log        *slog.Logger
	propagator propagation.TextMapPropagator
	redact     *strings.Replacer

	mu       sync.RWMutex
	sentry   *sentry.Client
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
}

// New checks cfg and returns a Telemetry that is not started yet.
func New(cfg Config) (*Telemetry, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Service == "" {
		cfg.Service = "aartha"
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var pairs []string
	for _, s := range cfg.Secrets {
		if len(s) >= 6 {
			pairs = append(pairs, s, "[redacted]")
		}
	}
	return &Telemetry{
		cfg:        cfg,
		log:        log,
		propagator: propagation.TraceContext{},
		redact:     strings.NewReplacer(pairs...),
		tracer:     noop.NewTracerProvider().Tracer(""),
	}, nil
}

// Start creates the Sentry client and the span exporter for what is
// configured. Neither connects yet: an unreachable Sentry or collector is
// found (and logged) when the first event or batch is sent.
func (t *Telemetry) Start(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sentry != nil || t.provider != nil {
		return errors.New("telemetry already started")
	}
	if t.cfg.SentryDSN != "" {
		client, err := sentry.NewClient(sentry.ClientOptions{
			Dsn:         t.cfg.SentryDSN,
			Release:     t.cfg.Service + "@" + t.cfg.Version,
			Environment: t.cfg.Environment,
			// No IP addresses, users, cookies or headers: see scrub.
			SendDefaultPII: false,
			// Events only: traces go to the OTLP collector.
			EnableTracing:  false,
			MaxBreadcrumbs: -1,
			BeforeSend:     t.scrub,
		})
		if err != nil {
			return errors.New("create the Sentry client: SENTRY_DSN is not valid") // never quote the DSN
		}
		t.sentry = client
	}
	if t.cfg.OTLPEndpoint != "" {
		exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(t.cfg.OTLPEndpoint, "/")+"/v1/traces"))
		if err != nil {
			t.closeSentry(ctx)
			return fmt.Errorf("create the OTLP trace exporter: %w", err)
		}
		res := resource.NewSchemaless(
			attribute.String("service.name", t.cfg.Service),
			attribute.String("service.version", t.cfg.Version),
			attribute.String("deployment.environment.name", t.cfg.Environment),
		)
		t.provider = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
		t.tracer = t.provider.Tracer("github.com/aartha/ledger/telemetry")
	}
	if t.sentry != nil || t.provider != nil {
		collector := ""
		if u, err := url.Parse(t.cfg.OTLPEndpoint); err == nil {
			collector = u.Host // never a user or password the URL may carry
		}
		t.log.Info("telemetry", "sentry", t.sentry != nil, "otlp_collector", collector)
	}
	return nil
}

// Stop sends what is buffered, waiting until ctx ends, and closes both
// exporters. Calling it again does nothing.
func (t *Telemetry) Stop(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var err error
	if t.provider != nil {
		if e := t.provider.Shutdown(ctx); e != nil {
			err = fmt.Errorf("flush spans to the OTLP collector: %w", e)
		}
		t.provider = nil
		t.tracer = noop.NewTracerProvider().Tracer("")
	}
	if t.closeSentry(ctx) {
		err = errors.Join(err, errors.New("flush events to Sentry: not all were sent before the deadline"))
	}
	return err
}

// closeSentry flushes and closes the Sentry client, reporting whether the
// deadline cut the flush short. The caller holds mu.
func (t *Telemetry) closeSentry(ctx context.Context) (timedOut bool) {
	if t.sentry == nil {
		return false
	}
	timedOut = !t.sentry.FlushWithContext(ctx)
	t.sentry.Close()
	t.sentry = nil
	return timedOut
}

// Tracing reports whether spans are exported.
func (t *Telemetry) Tracing() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.provider != nil
}

// StartSpan starts an internal span named name under the span in ctx (if
// any) and returns the context that carries it. The caller must End the
// span. When tracing is off the span records nothing.
func (t *Telemetry) StartSpan(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	t.mu.RLock()
	tracer := t.tracer
	t.mu.RUnlock()
	return tracer.Start(ctx, name, trace.WithAttributes(attrs...))
}
