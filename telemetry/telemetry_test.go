package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/aartha/ledger/telemetry"
	"github.com/aartha/ledger/telemetry/telemetrytest"
)

// Distinctive values that must never reach Sentry or the collector.
const (
	jwtKey        = "jwt-key-Zq8rT3vW6yB1nM4pX7"
	adminPassword = "admin-pass-Kd93hF02jsLq"
	bearerToken   = "bearer-token-Hh27Gg19Ff33"
	sessionCookie = "session-cookie-Pp55Oo66"
	queryToken    = "query-token-Uu12Ii34"
	sentryKey     = "0123456789abcdef0123456789abcdef"
)

type bundle struct {
	tel       *telemetry.Telemetry
	sentry    *telemetrytest.Sentry
	collector *telemetrytest.Collector
	server    *httptest.Server
}

// setup starts both receivers, a started Telemetry pointed at them and a
// server whose routes fail in each way Telemetry reports.
func setup(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{
		sentry:    telemetrytest.NewSentry(t, sentryKey, "42"),
		collector: telemetrytest.NewCollector(t),
	}
	var err error
	b.tel, err = telemetry.New(telemetry.Config{
		SentryDSN: b.sentry.DSN, OTLPEndpoint: b.collector.Endpoint,
		Version: "v1.2.3", Environment: "test",
		Secrets: []string{jwtKey, adminPassword},
	})
	require.NoError(t, err)
	require.NoError(t, b.tel.Start(context.Background()))
	t.Cleanup(func() { _ = b.tel.Stop(context.Background()) })

	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }
	mux.HandleFunc("GET /api/loans/{id}", ok)
	mux.HandleFunc("GET /health", ok)
	mux.HandleFunc("POST /api/loans/{id}/approve", func(w http.ResponseWriter, r *http.Request) {
		// An internal error whose text happens to carry a secret.
		err := fmt.Errorf("approve loan %s: %w", r.PathValue("id"), errors.New("database said: bad password "+adminPassword))
		w.WriteHeader(http.StatusInternalServerError)
		b.tel.ReportFailure(r, http.StatusInternalServerError, err)
	})
	mux.HandleFunc("GET /api/panic", func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				b.tel.ReportPanic(r, v)
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		panic("boom with key " + jwtKey)
	})
	b.server = httptest.NewServer(b.tel.Middleware(mux))
	t.Cleanup(b.server.Close)
	return b
}

func (b *bundle) request(t *testing.T, method, path string, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest(method, b.server.URL+path, nil)
	require.NoError(t, err)
	req.Header = header
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Authorization", "Bearer "+bearerToken)
	req.Header.Set("Cookie", "aartha_session="+sessionCookie)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode
}

func requireNoSecrets(t *testing.T, what, body string) {
	t.Helper()
	for _, s := range []string{jwtKey, adminPassword, bearerToken, sessionCookie, queryToken} {
		require.NotContains(t, body, s, "%s carries a secret", what)
	}
}

func TestSentryReceivesFailuresWithoutSecrets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.Equal(t, http.StatusOK, b.request(t, "GET", "/api/loans/L-1?token="+queryToken, nil))
	require.Equal(t, http.StatusInternalServerError, b.request(t, "POST", "/api/loans/L-2/approve?token="+queryToken, nil))
	require.Equal(t, http.StatusInternalServerError, b.request(t, "GET", "/api/panic", nil))
	b.tel.CaptureError(errors.New("anchoring failed for good: reverted"), map[string]string{"anchor.loan_id": "L-3"})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, b.tel.Stop(ctx))
	require.NoError(t, b.tel.Stop(ctx), "a second Stop does nothing")

	events := b.sentry.Events(t)
	require.Len(t, events, 3, "the 5xx, the panic and the captured error; the 200 is not reported")
	for _, env := range b.sentry.Envelopes() {
		requireNoSecrets(t, "sentry envelope", env)
		require.NotContains(t, env, "Authorization")
		require.NotContains(t, env, "aartha_session")
	}
	for _, auth := range b.sentry.AuthHeaders() {
		require.Contains(t, auth, "sentry_key="+sentryKey, "the DSN's key authenticates the envelope")
	}

	byTransaction := map[string]map[string]any{}
	for _, e := range events {
		require.Equal(t, "aartha@v1.2.3", e["release"])
		require.Equal(t, "test", e["environment"])
		require.Nil(t, e["user"])
		tx, _ := e["transaction"].(string)
		byTransaction[tx] = e
	}

	failure := byTransaction["POST /api/loans/{id}/approve"]
	require.NotNil(t, failure, "5xx event: %v", events)
	require.Equal(t, "error", failure["level"])
	req := failure["request"].(map[string]any)
	require.Equal(t, "POST", req["method"])
	require.True(t, strings.HasSuffix(req["url"].(string), "/api/loans/L-2/approve"), req["url"])
	require.Nil(t, req["headers"])
	require.Nil(t, req["cookies"])
	require.Nil(t, req["query_string"])
	tags := failure["tags"].(map[string]any)
	require.Equal(t, "500", tags["http.status_code"])
	require.Len(t, tags["trace_id"], 32, "the event names the trace of the request")
	require.Contains(t, fmt.Sprint(failure["exception"]), "database said: bad password [redacted]")

	panicked := byTransaction["GET /api/panic"]
	require.NotNil(t, panicked, "panic event: %v", events)
	require.Equal(t, "fatal", panicked["level"])
	exc := panicked["exception"].([]any)
	last := exc[len(exc)-1].(map[string]any)
	require.Equal(t, "boom with key [redacted]", last["value"])
	require.Equal(t, false, last["mechanism"].(map[string]any)["handled"])
	require.NotEmpty(t, last["stacktrace"].(map[string]any)["frames"])

	var anchored map[string]any
	for _, e := range events {
		if e["request"] == nil {
			anchored = e
		}
	}
	require.NotNil(t, anchored)
	require.Equal(t, "L-3", anchored["tags"].(map[string]any)["anchor.loan_id"])
}

func TestCollectorReceivesServerSpans(t *testing.T) {
	t.Parallel()
	b := setup(t)
	parent := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	require.Equal(t, http.StatusOK, b.request(t, "GET", "/api/loans/L-1?token="+queryToken, http.Header{"Traceparent": {parent}}))
	require.Equal(t, http.StatusInternalServerError, b.request(t, "POST", "/api/loans/L-2/approve", nil))
	require.Equal(t, http.StatusOK, b.request(t, "GET", "/health", nil))
	ctx, span := b.tel.StartSpan(context.Background(), "anchor.send", attribute.String("anchor.key", "batch-7"))
	_, child := b.tel.StartSpan(ctx, "anchor.child")
	child.End()
	span.End()

	require.NoError(t, b.tel.Stop(context.Background()))
	requireNoSecrets(t, "OTLP export", b.collector.Raw())
	require.Contains(t, b.collector.Resource(), "service.name=aartha")
	require.Contains(t, b.collector.Resource(), "service.version=v1.2.3")

	get := b.collector.Span("GET /api/loans/{id}")
	require.NotNil(t, get, "spans: %v", b.collector.Spans())
	require.Equal(t, tracepb.Span_SPAN_KIND_SERVER, get.GetKind())
	require.Equal(t, "/api/loans/{id}", telemetrytest.Attr(get, "http.route"))
	require.Equal(t, "/api/loans/L-1", telemetrytest.Attr(get, "url.path"))
	require.Equal(t, "200", telemetrytest.Attr(get, "http.response.status_code"))
	require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", fmt.Sprintf("%x", get.GetTraceId()), "continues the caller's trace")

	failed := b.collector.Span("POST /api/loans/{id}/approve")
	require.NotNil(t, failed)
	require.Equal(t, tracepb.Status_STATUS_CODE_ERROR, failed.GetStatus().GetCode())

	for _, s := range b.collector.Spans() {
		require.NotEqual(t, "/health", telemetrytest.Attr(s, "url.path"), "probes get no span")
	}
	send, sub := b.collector.Span("anchor.send"), b.collector.Span("anchor.child")
	require.NotNil(t, send)
	require.Equal(t, "batch-7", telemetrytest.Attr(send, "anchor.key"))
	require.Equal(t, send.GetSpanId(), sub.GetParentSpanId())
}

func TestOffDoesNothing(t *testing.T) {
	t.Parallel()
	tel, err := telemetry.New(telemetry.Config{})
	require.NoError(t, err)
	require.NoError(t, tel.Start(context.Background()))
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	require.False(t, tel.Tracing())
	require.NotNil(t, tel.Middleware(h))
	r := httptest.NewRequest("GET", "/x", nil)
	tel.ReportFailure(r, 500, errors.New("x"))
	tel.ReportPanic(r, "x")
	tel.CaptureError(errors.New("x"), nil)
	_, span := tel.StartSpan(context.Background(), "x")
	span.End()
	require.NoError(t, tel.Stop(context.Background()))
}

func TestConfigValidateNamesTheVariable(t *testing.T) {
	t.Parallel()
	_, err := telemetry.New(telemetry.Config{SentryDSN: "https://sentry.example.com", OTLPEndpoint: "localhost:4318"})
	require.ErrorContains(t, err, "SENTRY_DSN is not a valid Sentry DSN")
	require.ErrorContains(t, err, "OTEL_EXPORTER_OTLP_ENDPOINT")
	require.NotContains(t, err.Error(), "sentry.example.com", "a DSN is never quoted")
}
