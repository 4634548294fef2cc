package http

import (
	"net"
	nethttp "net/http"
	"net/netip"
	"strings"
)

// SetTrustedProxies names the reverse proxies whose X-Forwarded-For is
// believed (TRUSTED_PROXIES). Call it before Start.
func (s *Server) SetTrustedProxies(p []netip.Prefix) { s.proxies = p }

// forwardedFor sets r.RemoteAddr to the client's address when the peer is
// a trusted proxy: the rightmost X-Forwarded-For entry that is not itself
// a trusted proxy (entries left of it are the client's to write, so they
// are not believed). Every later reader of the address — rate limits,
// audit rows, logs — then sees the client, not the proxy. A request from
// any other peer keeps the peer's address, whatever its headers say.
func forwardedFor(proxies []netip.Prefix, next nethttp.Handler) nethttp.Handler {
	if len(proxies) == 0 {
		return next
	}
	trusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range proxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !trusted(peer.Addr()) {
			next.ServeHTTP(w, r)
			return
		}
		var hops []string
		for _, h := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(h, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a garbled hop: stop at the last address we could trust
			}
			if !trusted(a) {
				r2 := r.Clone(r.Context())
				r2.RemoteAddr = net.JoinHostPort(a.Unmap().String(), "0")
				next.ServeHTTP(w, r2)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
