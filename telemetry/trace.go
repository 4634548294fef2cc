package telemetry

import (
	nethttp "net/http"
	"strings"

	"github.com/felixge/httpsnoop"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// untraced reports the paths that get no span: probes and scrapes come
// every few seconds and would drown the requests worth looking at.
func untraced(path string) bool {
	return path == "/health" || path == "/ready" || path == "/metrics"
}

// Middleware wraps every request in a server span, continuing the trace of
// an incoming W3C traceparent header. The span is named after the route
// the router matched ("GET /api/loans/{id}"), read from the request after
// next has served it, so next must not replace the request it passes to
// the router. When tracing is off it returns next itself.
func (t *Telemetry) Middleware(next nethttp.Handler) nethttp.Handler {
	if !t.Tracing() {
		return next
	}
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if untraced(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		t.mu.RLock()
		tracer := t.tracer
		t.mu.RUnlock()
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		ctx := t.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("url.path", r.URL.Path),
			attribute.String("url.scheme", scheme),
			attribute.String("server.address", r.Host),
			attribute.String("network.protocol.version", strings.TrimPrefix(r.Proto, "HTTP/")),
		))
		defer span.End()
		r = r.WithContext(ctx)
		got := httpsnoop.CaptureMetrics(next, w, r)
		if route := routeOf(r.Pattern); route != "" {
			span.SetName(r.Method + " " + route)
			span.SetAttributes(attribute.String("http.route", route))
		}
		span.SetAttributes(attribute.Int("http.response.status_code", got.Code))
		if got.Code >= 500 {
			span.SetStatus(codes.Error, nethttp.StatusText(got.Code))
		}
	})
}

// routeOf is the path part of a ServeMux pattern ("GET /api/loans/{id}" →
// "/api/loans/{id}").
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:] // drop a host
	}
	return pattern
}
