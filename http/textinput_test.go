package http_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// TestIssueProbesAreRefused sends the probes of issue 20 that answered 500
// on PostgreSQL or were stored on SQLite, and checks each is a 400 naming
// the field, with nothing stored.
func TestIssueProbesAreRefused(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	code, _ := f.call("POST", "/api/admin/loans", ledger.RoleOperator, newLoanBody("L-1"))
	require.Equal(t, 201, code)
	before := len(f.auditRows())
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "/api/auth/login", `{"email":"a\u0000b@x","password":"long-enough-password"}`, "email"},
		{"GET", "/api/admin/audit?admin=%00", "", "admin"},
		{"GET", "/api/admin/audit?action=%c0%af", "", "action"},
		{"GET", "/api/admin/loans?q=%e2%80%ae", "", "q"},
		{"POST", "/api/admin/loans/L-1/reject", `{"reason":"a\u0000b"}`, "reason"},
		{"POST", "/api/admin/loans", `{"loan_id":"L-2","borrower":"abc\u202Efed","lender":"l","principal":"1","currency":"INR","interest_rate_bps":1,"term_months":1}`, "borrower"},
		{"POST", "/api/admin/loans", `{"loan_id":"L-2","borrower":"b","lender":"l","principal":"100","principal":"999999","currency":"INR","interest_rate_bps":1,"term_months":1}`, "principal"},
		{"POST", "/api/admin/loans", `{"loan_id":"L-2","borrower":"b","lender":"l","principal":"100","Principal":"777","currency":"INR","interest_rate_bps":1,"term_months":1}`, "Principal"},
		{"PUT", "/api/admin/maintenance", `{"on":true,"message":"x\ud800"}`, "message"},
	} {
		ct := ""
		if c.body != "" {
			ct = "application/json"
		}
		resp, body := f.request(c.method, c.path, f.tokens[ledger.RoleAdmin], ct, []byte(c.body))
		require.Equal(t, 400, resp.StatusCode, "%s %s %s: %v", c.method, c.path, c.body, body)
		require.Contains(t, body["detail"], c.field, "%s %s", c.method, c.path)
	}
	require.Len(t, f.auditRows(), before, "nothing may be stored")
	l, err := f.db.Loan(context.Background(), "L-1")
	require.NoError(t, err)
	require.Equal(t, ledger.LoanSubmitted, l.Status)
	_, err = f.db.Loan(context.Background(), "L-2")
	require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
	m, err := f.db.Maintenance(context.Background())
	require.NoError(t, err)
	require.False(t, m.On)
}

func (f *apiFixture) auditRows() []ledger.AuditEntry {
	f.t.Helper()
	es, err := f.db.AuditEntries(context.Background(), ledger.AuditFilter{Limit: 1000})
	require.NoError(f.t, err)
	return es
}
