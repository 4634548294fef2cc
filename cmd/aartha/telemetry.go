package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/telemetry"
	"github.com/aartha/ledger/worker"
)

// telemetryFlush is how long a stopping server waits for buffered events
// and spans to be sent.
const telemetryFlush = 5 * time.Second

// startTelemetry starts error tracking (SENTRY_DSN) and tracing
// (OTEL_EXPORTER_OTLP_ENDPOINT) as configured; with neither set it returns
// a Telemetry that does nothing. The caller must stopTelemetry it.
func startTelemetry(ctx context.Context, cfg *config.Config, log *slog.Logger) (*telemetry.Telemetry, error) {
	tel, err := telemetry.New(telemetry.Config{
		SentryDSN:    cfg.SentryDSN,
		OTLPEndpoint: cfg.OTLPEndpoint,
		Version:      releaseVersion(),
		Environment:  string(cfg.Mode),
		Secrets:      configSecrets(cfg),
		Log:          log.With("component", "telemetry"),
	})
	if err != nil {
		return nil, err
	}
	if err := tel.Start(ctx); err != nil {
		return nil, fmt.Errorf("start telemetry: %w", err)
	}
	return tel, nil
}

// stopTelemetry sends what is still buffered, waiting at most
// telemetryFlush.
func stopTelemetry(tel *telemetry.Telemetry, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), telemetryFlush)
	defer cancel()
	if err := tel.Stop(ctx); err != nil {
		log.Warn("stop telemetry", "err", err)
	}
}

// configSecrets are the configured values that no report may carry: keys,
// passwords, tokens and the passwords inside URLs.
func configSecrets(cfg *config.Config) []string {
	secrets := []string{
		cfg.JWTSecretKey, cfg.AuditSealKey, cfg.PrivateKey, cfg.KeystorePass, cfg.SMTPPass,
		cfg.VaultToken, cfg.VaultSecretID, cfg.AdminPassword, cfg.WebhookURL, cfg.DatabasePassword,
	}
	if cfg.PIIMasterKey != nil {
		secrets = append(secrets, hex.EncodeToString(cfg.PIIMasterKey))
	}
	for _, raw := range []string{cfg.DatabaseURL, cfg.MultiChainRPCURL, cfg.RedisURL} {
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok {
				secrets = append(secrets, p)
			}
		}
	}
	return secrets
}

// telemetryKey carries the service's Telemetry in the context the
// anchoring side is started with, so that its wiring (startAnchoring) needs
// one call per hook and no new parameter.
type telemetryKey struct{}

// withTelemetry returns ctx carrying tel.
func withTelemetry(ctx context.Context, tel *telemetry.Telemetry) context.Context {
	return context.WithValue(ctx, telemetryKey{}, tel)
}

// telemetryFrom returns the Telemetry ctx carries, or nil.
func telemetryFrom(ctx context.Context) *telemetry.Telemetry {
	tel, _ := ctx.Value(telemetryKey{}).(*telemetry.Telemetry)
	return tel
}

// reportAnchorFailure sends an anchoring the worker gave up on to Sentry,
// when ctx carries a Telemetry. It does not block.
func reportAnchorFailure(ctx context.Context, f worker.Failure) {
	tel := telemetryFrom(ctx)
	if tel == nil {
		return
	}
	what := fmt.Sprintf("the %s record of loan %s", f.Kind, f.LoanID)
	tags := map[string]string{"anchor.loan_id": f.LoanID, "anchor.kind": f.Kind.String()}
	if f.BatchID != 0 {
		what = "batch " + strconv.FormatInt(f.BatchID, 10)
		tags = map[string]string{"anchor.batch_id": strconv.FormatInt(f.BatchID, 10)}
	}
	tel.CaptureError(errors.New("anchoring failed for good: "+what+": "+f.Reason), tags)
}

// traceSends returns what wraps a sender so that every send is a span
// "anchor.send", with an event per step (submitted, included, final), when
// ctx carries a Telemetry that traces; otherwise nil (no wrapping).
func traceSends(ctx context.Context) func(ledger.ChainSender) ledger.ChainSender {
	tel := telemetryFrom(ctx)
	if tel == nil || !tel.Tracing() {
		return nil
	}
	return func(s ledger.ChainSender) ledger.ChainSender {
		target := ""
		if c, ok := s.(interface{ Target() string }); ok {
			target = c.Target()
		}
		return tracedSender{next: s, target: target, tel: tel}
	}
}

// tracedSender is a ledger.ChainSender that traces the one it wraps.
type tracedSender struct {
	next   ledger.ChainSender
	target string // the registry (or stream) written to
	tel    *telemetry.Telemetry
}

var _ ledger.ChainSender = tracedSender{}

func (s tracedSender) Unreachable(err error) bool { return s.next.Unreachable(err) }

func (s tracedSender) Send(ctx context.Context, req ledger.SendRequest, update func(ledger.SendUpdate) error) error {
	write := "record"
	if req.Batch != nil {
		write = "batch"
	}
	ctx, span := s.tel.StartSpan(ctx, "anchor.send",
		attribute.String("anchor.key", req.Key),
		attribute.String("anchor.registry", s.target),
		attribute.String("anchor.write", write))
	defer span.End()
	err := s.next.Send(ctx, req, func(u ledger.SendUpdate) error {
		span.AddEvent(string(u.Status), trace.WithAttributes(attribute.String("tx.hash", u.TxHash.Hex())))
		return update(u)
	})
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "anchoring send failed")
	}
	return err
}
