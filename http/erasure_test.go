package http_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// TestEraseEndpoint erases a rejected loan through the API: admin only, a
// reason required, blocked while under legal hold, and afterwards the loan
// shows as erased with its personal fields empty.
func TestEraseEndpoint(t *testing.T) {
	t.Parallel()
	keys, err := store.NewPersonalDataKeys(bytes.Repeat([]byte{9}, store.MasterKeySize))
	require.NoError(t, err)
	f := newAPIFixture(t, apiOptions{piiKey: keys})
	code, _ := f.call("POST", "/api/admin/loans", ledger.RoleOperator, newLoanBody("api-erase-1"))
	require.Equal(t, 201, code)

	code, body := f.call("POST", "/api/admin/loans/api-erase-1/erase", ledger.RoleAdmin, map[string]any{"reason": "asked"})
	require.Equal(t, 409, code, "an open loan: %v", body)
	code, _ = f.call("POST", "/api/admin/loans/api-erase-1/reject", ledger.RoleOperator, map[string]any{"reason": "incomplete"})
	require.Equal(t, 200, code)

	code, _ = f.call("POST", "/api/admin/loans/api-erase-1/erase", ledger.RoleOperator, map[string]any{"reason": "asked"})
	require.Equal(t, 403, code)
	code, body = f.call("POST", "/api/admin/loans/api-erase-1/erase", ledger.RoleAdmin, map[string]any{})
	require.Equal(t, 400, code)
	require.Contains(t, body["detail"], "reason is required")

	code, body = f.call("PUT", "/api/admin/loans/api-erase-1/legal-hold", ledger.RoleAdmin, map[string]any{"reason": "audit 2026"})
	require.Equal(t, 200, code, "%v", body)
	require.Equal(t, "admin@example.com", body["set_by"])
	code, body = f.call("POST", "/api/admin/loans/api-erase-1/erase", ledger.RoleAdmin, map[string]any{"reason": "asked"})
	require.Equal(t, 409, code)
	require.Contains(t, body["detail"], "legal hold")
	code, _ = f.call("DELETE", "/api/admin/loans/api-erase-1/legal-hold", ledger.RoleAdmin, map[string]any{"reason": "audit done"})
	require.Equal(t, 200, code)

	code, body = f.call("GET", "/api/admin/loans/api-erase-1/erasure", ledger.RoleViewer, nil)
	require.Equal(t, 404, code, "not erased yet: no certificate: %v", body)

	code, body = f.call("POST", "/api/admin/loans/api-erase-1/erase", ledger.RoleAdmin, map[string]any{"reason": "asked"})
	require.Equal(t, 200, code, "%v", body)
	require.Equal(t, "asked", body["reason"])
	// The answer is the erasure certificate: a rejected loan had no
	// record, so no salt and no commitment.
	require.Equal(t, []any{"borrower", "lender", "borrower_address", "lender_address"}, body["erased_fields"])
	require.Equal(t, []any{}, body["erased_salts"])
	require.Equal(t, []any{}, body["commitments"])
	require.Equal(t, ledger.ErasureCertificateStatement, body["statement"])
	code, got := f.call("GET", "/api/admin/loans/api-erase-1/erasure", ledger.RoleViewer, nil)
	require.Equal(t, 200, code)
	require.Equal(t, body, got, "GET answers the certificate the erase answered")
	resp, _ := f.request("GET", "/api/admin/loans/api-erase-1/erasure?format=pdf", f.tokens[ledger.RoleViewer], "", nil)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Disposition"), `filename="erasure-api-erase-1.pdf"`)
	code, _ = f.call("GET", "/api/admin/loans/api-erase-1/erasure?format=xml", ledger.RoleViewer, nil)
	require.Equal(t, 400, code)
	code, body = f.call("GET", "/api/admin/loans/api-erase-1", ledger.RoleViewer, nil)
	require.Equal(t, 200, code)
	require.NotEmpty(t, body["erased_at"])
	require.Equal(t, "", body["borrower"])
	require.Equal(t, "150000", body["principal"])
}

// TestSearchByBorrower finds live loans by their borrower through the blind
// index (case and outer spaces ignored), and no longer finds an erased one.
func TestSearchByBorrower(t *testing.T) {
	t.Parallel()
	keys, err := store.NewPersonalDataKeys(bytes.Repeat([]byte{7}, store.MasterKeySize))
	require.NoError(t, err)
	f := newAPIFixture(t, apiOptions{piiKey: keys})
	for id, borrower := range map[string]string{"find-1": "Meenakshi Sundaram", "find-2": "Meenakshi Sundaram", "find-3": "Other Person"} {
		body := newLoanBody(id)
		body["borrower"] = borrower
		code, got := f.call("POST", "/api/admin/loans", ledger.RoleOperator, body)
		require.Equal(t, 201, code, "%v", got)
	}
	ids := func(query string) []any {
		t.Helper()
		code, body := f.call("GET", "/api/admin/loans?borrower="+query, ledger.RoleViewer, nil)
		require.Equal(t, 200, code, "%v", body)
		var out []any
		for _, l := range body["loans"].([]any) {
			out = append(out, l.(map[string]any)["loan_id"])
		}
		return out
	}
	require.ElementsMatch(t, []any{"find-1", "find-2"}, ids("%20meenakshi%20SUNDARAM%20"))
	require.Equal(t, []any{"find-3"}, ids("Other%20Person"))
	require.Empty(t, ids("Meenakshi"), "the whole reference, not a part of it")

	code, _ := f.call("POST", "/api/admin/loans/find-1/reject", ledger.RoleOperator, map[string]any{"reason": "incomplete"})
	require.Equal(t, 200, code)
	code, _ = f.call("POST", "/api/admin/loans/find-1/erase", ledger.RoleAdmin, map[string]any{"reason": "asked"})
	require.Equal(t, 200, code)
	require.Equal(t, []any{"find-2"}, ids("Meenakshi%20Sundaram"))
}
