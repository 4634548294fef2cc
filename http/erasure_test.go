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

	code, body = f.call("POST", "/api/admin/loans/api-erase-1/erase", ledger.RoleAdmin, map[string]any{"reason": "asked"})
	require.Equal(t, 200, code, "%v", body)
	require.Equal(t, "asked", body["reason"])
	code, body = f.call("GET", "/api/admin/loans/api-erase-1", ledger.RoleViewer, nil)
	require.Equal(t, 200, code)
	require.NotEmpty(t, body["erased_at"])
	require.Equal(t, "", body["borrower"])
	require.Equal(t, "150000", body["principal"])
}
