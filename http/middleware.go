package http

import (
	nethttp "net/http"
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
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
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
