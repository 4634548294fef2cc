package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	nethttp "net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
)

// reporter records what the server reports.
type reporter struct {
	mu       sync.Mutex
	panics   []any
	failures []string
}

func (r *reporter) ReportPanic(req *nethttp.Request, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.panics = append(r.panics, v)
}

func (r *reporter) ReportFailure(req *nethttp.Request, status int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	msg := "<nil>"
	if err != nil {
		msg = err.Error()
	}
	r.failures = append(r.failures, req.Pattern+" "+msg)
}

// wrapWriter stands for a handler's own writer wrapper.
type wrapWriter struct{ nethttp.ResponseWriter }

func (w wrapWriter) Unwrap() nethttp.ResponseWriter { return w.ResponseWriter }

func TestTelemetrySeamReportsPanicsAndInternalErrors(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pages := nethttp.NewServeMux()
	pages.HandleFunc("GET /admin/panic", func(nethttp.ResponseWriter, *nethttp.Request) { panic("boom") })
	pages.HandleFunc("GET /admin/fail", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		aarthahttp.WriteError(wrapWriter{w}, r, log, ledger.Errorf(ledger.EINTERNAL, "the disk is full"))
	})
	pages.HandleFunc("GET /admin/plain500", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.WriteHeader(nethttp.StatusInternalServerError)
	})
	pages.HandleFunc("GET /admin/busy", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		aarthahttp.WriteError(w, r, log, ledger.Errorf(ledger.EUNAVAILABLE, "maintenance"))
	})

	rep := &reporter{}
	var mu sync.Mutex
	var routes, traced []string
	s := aarthahttp.NewServer("127.0.0.1:0", "test", nil, log)
	s.SetAdminUI(pages)
	s.SetMetrics(nethttp.NotFoundHandler(), func(next nethttp.Handler) nethttp.Handler {
		return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
			next.ServeHTTP(w, r)
			mu.Lock()
			routes = append(routes, r.Pattern)
			mu.Unlock()
		})
	})
	s.SetTelemetry(func(next nethttp.Handler) nethttp.Handler {
		return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
			r = r.WithContext(context.WithValue(r.Context(), traceKey{}, "span"))
			next.ServeHTTP(w, r)
			mu.Lock()
			traced = append(traced, r.Pattern)
			mu.Unlock()
		})
	}, rep)
	require.NoError(t, s.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, s.Stop(ctx))
	})

	get := func(path string) (int, map[string]any) {
		resp, err := nethttp.Get(s.URL() + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	code, body := get("/admin/panic")
	require.Equal(t, nethttp.StatusInternalServerError, code, "a panic is answered, not a dropped connection")
	require.Equal(t, ledger.EINTERNAL, body["code"])
	require.NotContains(t, body["detail"], "boom")
	code, _ = get("/admin/fail")
	require.Equal(t, nethttp.StatusInternalServerError, code)
	code, _ = get("/admin/plain500")
	require.Equal(t, nethttp.StatusInternalServerError, code)
	code, _ = get("/admin/busy")
	require.Equal(t, nethttp.StatusServiceUnavailable, code)
	code, _ = get("/health")
	require.Equal(t, nethttp.StatusOK, code)

	rep.mu.Lock()
	defer rep.mu.Unlock()
	require.Equal(t, []any{"boom"}, rep.panics)
	require.Equal(t, []string{
		"GET /admin/fail internal: the disk is full",
		"GET /admin/plain500 <nil>",
	}, rep.failures, "500 answers are reported with their error; a deliberate 503 is not")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, routes, traced, "metrics and traces both see the route the router matched")
	require.Contains(t, traced, "GET /admin/fail")
	require.Contains(t, traced, "GET /health")
}

type traceKey struct{}

var _ aarthahttp.Reporter = (*reporter)(nil)

func TestWithoutTelemetryPanicsAreStillAnswered(t *testing.T) {
	t.Parallel()
	pages := nethttp.NewServeMux()
	pages.HandleFunc("GET /admin/panic", func(nethttp.ResponseWriter, *nethttp.Request) { panic(errors.New("boom")) })
	s := aarthahttp.NewServer("127.0.0.1:0", "test", nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.SetAdminUI(pages)
	h := s.Handler()
	rec := &recorder{header: nethttp.Header{}}
	req, err := nethttp.NewRequest("GET", "/admin/panic", nil)
	require.NoError(t, err)
	h.ServeHTTP(rec, req)
	require.Equal(t, nethttp.StatusInternalServerError, rec.code)
}

type recorder struct {
	header nethttp.Header
	code   int
}

func (r *recorder) Header() nethttp.Header      { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(code int)        { r.code = code }
