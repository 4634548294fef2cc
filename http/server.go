package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	nethttp "net/http"
	"net/netip"
	"sync"
	"time"
)

// Pinger reports whether a dependency is reachable. The store satisfies it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server is the HTTP front of the service. Create it with NewServer, then
// Start it; Stop drains in-flight requests and may be called more than once.
type Server struct {
	addr    string
	version string
	ready   map[string]Pinger
	log     *slog.Logger
	api     *API
	admin   nethttp.Handler
	verify  nethttp.Handler
	metrics nethttp.Handler
	observe func(nethttp.Handler) nethttp.Handler
	trace   func(nethttp.Handler) nethttp.Handler
	report  Reporter
	proxies []netip.Prefix

	mu       sync.Mutex
	listener net.Listener
	srv      *nethttp.Server
	done     chan struct{}
}

// NewServer returns a server that will listen on addr. ready names the
// dependencies that /ready checks (e.g. "database").
func NewServer(addr, version string, ready map[string]Pinger, log *slog.Logger) *Server {
	return &Server{addr: addr, version: version, ready: ready, log: log}
}

// SetAPI mounts the admin API under /api. Call it before Start.
func (s *Server) SetAPI(a *API) { s.api = a }

// SetAdminUI mounts the admin web UI under /admin (and sends / there).
// Call it before Start.
func (s *Server) SetAdminUI(h nethttp.Handler) { s.admin = h }

// SetMetrics serves h at GET /metrics and wraps every request in observe
// (request counts and durations). Call it before Start.
func (s *Server) SetMetrics(h nethttp.Handler, observe func(nethttp.Handler) nethttp.Handler) {
	s.metrics, s.observe = h, observe
}

// SetTelemetry wraps every request in trace (a span per request) and tells
// report about panics and 500 answers; either may be nil. Call it before
// Start.
func (s *Server) SetTelemetry(trace func(nethttp.Handler) nethttp.Handler, report Reporter) {
	s.trace, s.report = trace, report
}

// Handler returns the router, for tests and for embedding: the probes, the
// API if set, security headers on every answer and CORS for the origins
// the API allows.
func (s *Server) Handler() nethttp.Handler {
	mux := nethttp.NewServeMux()
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.HandleFunc("GET /ready", s.handleReady)
	if s.admin != nil {
		mux.Handle("/admin/", s.admin)
		mux.Handle("GET /{$}", nethttp.RedirectHandler("/admin/", nethttp.StatusSeeOther))
		mux.Handle("GET /admin", nethttp.RedirectHandler("/admin/", nethttp.StatusSeeOther))
	}
	if s.verify != nil {
		mux.Handle("/verify", s.verify)
		mux.Handle("/verify/", s.verify)
	}
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics)
	}
	h := s.guard(mux)
	if s.observe != nil {
		h = s.observe(h)
	}
	if s.trace != nil {
		h = s.trace(h)
	}
	if s.api != nil {
		s.api.register(mux)
		return forwardedFor(s.proxies, securityHeaders(s.api.cors(h)))
	}
	return forwardedFor(s.proxies, securityHeaders(h))
}

// Start binds the listen address and serves in the background. It returns
// once the socket is bound, so URL is usable right after.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("http server already started")
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.addr, err)
	}
	s.listener = ln
	s.srv = &nethttp.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, nethttp.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// URL is the base URL the server listens on, e.g. http://127.0.0.1:8080.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Stop stops accepting connections and waits for in-flight requests until
// ctx ends. Calling it again, or before Start, does nothing.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	<-done
	if err != nil && !errors.Is(err, nethttp.ErrServerClosed) {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}

func (s *Server) handleHealth(w nethttp.ResponseWriter, _ *nethttp.Request) {
	writeJSON(w, nethttp.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

// handleReady answers 200 only when every dependency answers a ping within
// a short deadline, so a load balancer stops sending work to a replica that
// has lost its database.
func (s *Server) handleReady(w nethttp.ResponseWriter, r *nethttp.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := make(map[string]string, len(s.ready))
	status := nethttp.StatusOK
	for name, p := range s.ready {
		if err := p.Ping(ctx); err != nil {
			s.log.Warn("readiness check failed", "dependency", name, "err", err)
			checks[name] = "unreachable"
			status = nethttp.StatusServiceUnavailable
			continue
		}
		checks[name] = "ok"
	}
	state := "ready"
	if status != nethttp.StatusOK {
		state = "not ready"
	}
	writeJSON(w, status, map[string]any{"status": state, "checks": checks})
}

func writeJSON(w nethttp.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
