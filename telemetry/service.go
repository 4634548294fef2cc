package telemetry

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
)

// flushWithin is how long a stopping service waits for buffered events
// and spans to be sent.
const flushWithin = 5 * time.Second

// StartConfigured starts error tracking (SENTRY_DSN) and tracing
// (OTEL_EXPORTER_OTLP_ENDPOINT) as cfg says; with neither set it returns a
// Telemetry that does nothing. version names the release. The caller must
// Flush it.
func StartConfigured(ctx context.Context, cfg *config.Config, version string, log *slog.Logger) (*Telemetry, error) {
	tel, err := New(Config{
		SentryDSN:    cfg.SentryDSN,
		OTLPEndpoint: cfg.OTLPEndpoint,
		Version:      version,
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

// Flush stops t, sending what is still buffered within flushWithin; a
// failure to send is logged.
func (t *Telemetry) Flush(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), flushWithin)
	defer cancel()
	if err := t.Stop(ctx); err != nil {
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
	if cfg.PIIPreviousMasterKey != nil {
		secrets = append(secrets, hex.EncodeToString(cfg.PIIPreviousMasterKey))
	}
	for _, raw := range []string{cfg.DatabaseURL, cfg.MultiChainRPCURL, cfg.RedisURL, cfg.PIIKeyringURL} {
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok {
				secrets = append(secrets, p)
			}
		}
	}
	return secrets
}

// AnchorFailed sends an anchoring the worker gave up on to error
// tracking: a loan's record (direct mode) or a batch (batchID not 0). It
// does not block.
func (t *Telemetry) AnchorFailed(loanID string, kind ledger.Kind, batchID int64, reason string) {
	what := fmt.Sprintf("the %s record of loan %s", kind, loanID)
	tags := map[string]string{"anchor.loan_id": loanID, "anchor.kind": kind.String()}
	if batchID != 0 {
		what = "batch " + strconv.FormatInt(batchID, 10)
		tags = map[string]string{"anchor.batch_id": strconv.FormatInt(batchID, 10)}
	}
	t.CaptureError(errors.New("anchoring failed for good: "+what+": "+reason), tags)
}

// TraceSends returns what wraps a sender so that every send is a span
// "anchor.send", with an event per step (submitted, included, final), when
// t traces; otherwise nil (no wrapping).
func (t *Telemetry) TraceSends() func(ledger.ChainSender) ledger.ChainSender {
	if t == nil || !t.Tracing() {
		return nil
	}
	return func(s ledger.ChainSender) ledger.ChainSender {
		target := ""
		if c, ok := s.(interface{ Target() string }); ok {
			target = c.Target()
		}
		return tracedSender{next: s, target: target, tel: t}
	}
}

// tracedSender is a ledger.ChainSender that traces the one it wraps.
type tracedSender struct {
	next   ledger.ChainSender
	target string // the registry (or stream) written to
	tel    *Telemetry
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
