package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// TestFormsRefuseBadText sends the issue-20 probes to the UI's forms and
// filters: each is a 400 page naming the field, and nothing is stored.
func TestFormsRefuseBadText(t *testing.T) {
	t.Parallel()
	e := setup(t, true)
	b := e.browser(t)

	_, body := b.get("/admin/login")
	resp, page := b.post("/admin/login", url.Values{"csrf": {csrfOf(t, body)}, "email": {"a\x00b@example.com"}, "password": {password}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, page, "email holds a NUL character")

	csrf := b.login("admin@example.com")
	for _, path := range []string{"/admin/audit?admin=%00", "/admin/audit?action=%c0%af", "/admin/loans?q=%e2%80%ae"} {
		resp, page := b.get(path)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, path)
		require.Contains(t, page, "holds", path)
	}
	e.loan(t, "L-1")
	resp, page = b.post("/admin/loans/L-1/reject", url.Values{"csrf": {csrf}, "reason": {"a\x00b"}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, page, "reason holds a NUL character")
	resp, page = b.post("/admin/loans", url.Values{"csrf": {csrf}, "loan_id": {"L-2"}, "borrower": {"abc\u202efed"}, "lender": {"l"},
		"principal": {"1"}, "currency": {"INR"}, "interest_rate_bps": {"1"}, "term_months": {"1"}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, page, "borrower holds the bidirectional formatting character U&#43;202E")

	l, err := e.db.Loan(context.Background(), "L-1")
	require.NoError(t, err)
	require.Equal(t, ledger.LoanSubmitted, l.Status)
	_, err = e.db.Loan(context.Background(), "L-2")
	require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
}
