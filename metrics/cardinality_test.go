package metrics_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/metrics"
)

// TestLabelCardinalityBounded sends unauthenticated requests with long,
// made-up methods and random paths, the way the probe did (there,
// 100 of them took /metrics from 71 KB to 105 MB), and checks that the HTTP
// series stay a small fixed set: unknown methods are "OTHER", unmatched
// routes "unmatched", and the exposition does not grow with each request.
func TestLabelCardinalityBounded(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/loans/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) })
	srv := httptest.NewServer(m.Middleware(mux))
	t.Cleanup(srv.Close)

	send := func(method, path string) {
		t.Helper()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		_, err = fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", method, path)
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
	}
	series := func() (n int, size int) {
		t.Helper()
		families, err := reg.Gather()
		require.NoError(t, err)
		for _, f := range families {
			if strings.HasPrefix(f.GetName(), "aartha_http_") {
				n += len(f.GetMetric())
				size += len(f.String())
			}
		}
		return n, size
	}

	send("GET", "/api/loans/L-1")
	for i := range 50 {
		send(fmt.Sprintf("M%d%s", i, strings.Repeat("X", 2000)), fmt.Sprintf("/api/nothing/%d", i))
		send("GET", fmt.Sprintf("/nowhere/%d", i))
	}
	n1, size1 := series()
	for i := range 50 {
		send(fmt.Sprintf("Q%d%s", i, strings.Repeat("Y", 4000)), fmt.Sprintf("/api/else/%d", i))
		send("POST", fmt.Sprintf("/x/%d", i))
	}
	n2, size2 := series()
	require.Equal(t, n1+2, n2, "only the POST unmatched count and duration series may be new")
	require.Less(t, size2, size1+size1/2, "the exposition must not grow with each odd request")
	require.LessOrEqual(t, n2, 12)

	families, err := reg.Gather()
	require.NoError(t, err)
	methods := map[string]bool{}
	for _, f := range families {
		if f.GetName() != "aartha_http_requests_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "method" {
					methods[l.GetValue()] = true
				}
				require.Less(t, len(l.GetValue()), 100, "label %s", l.GetName())
			}
		}
	}
	require.Equal(t, map[string]bool{"GET": true, "POST": true, "OTHER": true}, methods)
}
