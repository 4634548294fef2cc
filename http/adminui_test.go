package http_test

import (
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	aarthahttp "github.com/aartha/ledger/http"
)

// TestAdminUIMount: SetAdminUI serves the UI under /admin/, sends / and
// /admin there, and leaves the probes alone.
func TestAdminUIMount(t *testing.T) {
	t.Parallel()
	s := aarthahttp.NewServer("127.0.0.1:0", "test", nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.SetAdminUI(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		_, _ = io.WriteString(w, "ui "+r.URL.Path)
	}))
	h := s.Handler()
	for path, want := range map[string]string{"/": "/admin/", "/admin": "/admin/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		require.Equal(t, nethttp.StatusSeeOther, rec.Code, path)
		require.Equal(t, want, rec.Header().Get("Location"), path)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/admin/loans", nil))
	require.Equal(t, "ui /admin/loans", rec.Body.String())
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	require.Equal(t, nethttp.StatusOK, rec.Code)
}
