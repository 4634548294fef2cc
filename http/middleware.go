package http

import (
	"fmt"
	"log/slog"
	nethttp "net/http"
	"runtime/debug"
	"strings"

	ledger "github.com/aartha/ledger"
)

// securityHeaders sets the headers every answer carries: no sniffing, no
// framing, no referrer, no caching of API answers, and a content security
// policy that allows nothing (the API serves no pages).
func securityHeaders(next nethttp.Handler) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// cors answers preflight requests and marks answers for the origins in
// ALLOWED_ORIGINS, and only those: a preflight from any other origin is
// refused with 403, and other requests from it get no CORS headers, so
// browsers do not let the foreign page read them.
func (a *API) cors(next nethttp.Handler) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		allowed := a.allowedOrigin(origin)
		if r.Method == nethttp.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if !allowed {
				writeError(w, r, a.cfg.Log, ledger.Errorf(ledger.EFORBIDDEN,
					"origin %s may not call this API: add it to ALLOWED_ORIGINS if it should", truncate(origin, 100)))
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", a.corsMethods())
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(nethttp.StatusNoContent)
			return
		}
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", "Retry-After, Location")
		}
		next.ServeHTTP(w, r)
	})
}

// corsMethods lists every method of the route table, and OPTIONS, for
// preflight answers: a method added to the table is callable cross-origin
// without a second list to keep in step.
func (a *API) corsMethods() string {
	seen := map[string]bool{nethttp.MethodOptions: true}
	out := []string{}
	for _, rt := range a.routes {
		if !seen[rt.Method] {
			seen[rt.Method] = true
			out = append(out, rt.Method)
		}
	}
	return strings.Join(append(out, nethttp.MethodOptions), ", ")
}

// Reporter is told about the failures an operator should hear of (the
// telemetry package sends them to Sentry). Implementations must be safe for
// concurrent use and must not block.
type Reporter interface {
	// ReportPanic is called from the deferred function that recovered
	// recovered while serving r, so the stack is the panicking one.
	ReportPanic(r *nethttp.Request, recovered any)
	// ReportFailure is called for every 500 answer, with the error the
	// handler answered with when it went through writeError (else nil).
	ReportFailure(r *nethttp.Request, status int, err error)
}

// guard answers a request whose handler panicked with a 500 problem
// document (instead of a dropped connection), logs the panic with its
// stack, and tells the reporter, if set, about panics and 500 answers. It
// passes r on unchanged, so the middleware around it can read the route
// the router matched.
func (s *Server) guard(next nethttp.Handler) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		gw := &guardWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				if gw.code == nethttp.StatusInternalServerError && s.report != nil {
					s.report.ReportFailure(r, gw.code, gw.err)
				}
				return
			}
			if v == nethttp.ErrAbortHandler { // net/http aborts a response this way: let it
				panic(v)
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if s.report != nil {
				s.report.ReportPanic(r, v)
			}
			if !gw.wrote {
				// Logged above: the problem document needs no second line.
				writeError(gw, r, slog.New(slog.DiscardHandler), ledger.Errorf(ledger.EINTERNAL, "panic"))
			}
		}()
		next.ServeHTTP(gw, r)
	})
}

// guardWriter remembers the status of the answer and the error writeError
// answered with.
type guardWriter struct {
	nethttp.ResponseWriter
	code  int
	wrote bool
	err   error
}

func (g *guardWriter) WriteHeader(code int) {
	if !g.wrote {
		g.code, g.wrote = code, true
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *guardWriter) Write(b []byte) (int, error) {
	if !g.wrote {
		g.code, g.wrote = nethttp.StatusOK, true
	}
	return g.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (g *guardWriter) Unwrap() nethttp.ResponseWriter { return g.ResponseWriter }

// noteFailure hands err to the guardWriter under w, through any writers
// that wrap it, so the reporter learns why the request failed.
func noteFailure(w nethttp.ResponseWriter, err error) {
	for {
		if g, ok := w.(*guardWriter); ok {
			g.err = err
			return
		}
		u, ok := w.(interface{ Unwrap() nethttp.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}
