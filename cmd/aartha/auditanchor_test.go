package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAuditAnchorEndToEnd: with `aartha serve` on the embedded chain,
// `aartha audit anchor` has the audit head anchored and writes its
// receipt, `aartha verify` checks that receipt on the chain like a loan's,
// and `aartha audit verify` checks the checkpoint on the chain and says
// up to which checkpoint the trail is proven.
func TestAuditAnchorEndToEnd(t *testing.T) {
	t.Parallel()
	rpcAddr := freeAddr(t)
	vars := map[string]string{
		"AARTHA_DATA_DIR": t.TempDir(), "AARTHA_DEV_CHAIN_RPC": rpcAddr,
		"AARTHA_AUDIT_ANCHOR_INTERVAL": "0", "AARTHA_AUDIT_SEAL_KEY": testJWTKey + "-audit-seal",
	}
	c := startServe(t, vars)
	code, body := c.do("POST", "/api/admin/loans", map[string]any{
		"loan_id": "AUD-1", "borrower": "cust-1", "lender": "bank-1",
		"principal": "1000", "currency": "INR", "interest_rate_bps": 100, "term_months": 6,
	})
	require.Equal(t, 201, code, body)

	ctx := context.Background()
	receipt := filepath.Join(t.TempDir(), "checkpoint.json")
	var out string
	eventually(t, time.Minute, "the login and the loan sealed and anchored", func() (bool, any) {
		var err error
		out, err = run(t, ctx, vars, "audit", "anchor", "--wait", "30s", "--out", receipt)
		return err == nil && !strings.Contains(out, "rows up to 0,"), out
	})
	require.Contains(t, out, "is final on eip155:")
	require.Contains(t, out, "receipt written to")

	out, err := run(t, ctx, vars, "verify", receipt, "--rpc", "http://"+rpcAddr)
	require.NoError(t, err, out)
	require.Contains(t, out, "verified: loan aartha.audit/")

	out, err = run(t, ctx, vars, "audit", "verify")
	require.NoError(t, err, out)
	require.Contains(t, out, "verified on eip155:")
	require.Contains(t, out, "audit trail holds")
	require.Contains(t, out, "proven up to anchored checkpoint")
}
