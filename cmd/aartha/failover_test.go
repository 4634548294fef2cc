package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/simchain"
)

// TestFailoverIsVisible runs `aartha serve` with BLOCKCHAIN_RPC_URL on a
// closed port and BLOCKCHAIN_RPC_URL_BACKUP on a working chain: anchoring
// goes on through the backup, /metrics says the backup is in use, and
// `aartha doctor` (and the API's doctor) warn, exit status 1, instead of
// failing — without ever printing the primary URL's API key.
func TestFailoverIsVisible(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	chain, err := simchain.Start(ctx, simchain.Options{RPCAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = chain.Stop() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + l.Addr().String() + "/v3/secret-api-key"
	require.NoError(t, l.Close())

	vars := map[string]string{
		"AARTHA_DATA_DIR":             t.TempDir(),
		"BLOCKCHAIN_RPC_URL":          dead,
		"BLOCKCHAIN_RPC_URL_BACKUP":   chain.RPCURL(),
		"BLOCKCHAIN_CONTRACT_ADDRESS": chain.Registry().Hex(),
		"BLOCKCHAIN_PRIVATE_KEY":      hexutil.Encode(crypto.FromECDSA(simchain.DevKey())),
		"BLOCKCHAIN_ANCHOR_MODE":      "direct",
		"BLOCKCHAIN_MAX_GAS_PRICE":    "500",
	}
	c := startServe(t, vars)

	// Anchoring goes on through the backup.
	code, body := c.do("POST", "/api/admin/loans", map[string]any{"loan_id": "FAILOVER-1", "borrower": "cust-1", "lender": "bank-1",
		"principal": "150000", "currency": "INR", "interest_rate_bps": 1250, "term_months": 12})
	require.Equal(t, http.StatusCreated, code, body)
	code, body = c.do("POST", "/api/admin/loans/FAILOVER-1/approve", nil)
	require.Equal(t, http.StatusOK, code, body)
	code, body = c.do("POST", "/api/admin/loans/FAILOVER-1/blockchain/store?wait=20s", nil)
	require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, code, body)
	require.Regexp(t, "^0x[0-9a-f]{64}$", body["transaction_hash"], body)

	resp, err := http.Get(c.base + "/metrics")
	require.NoError(t, err)
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	metrics := string(raw)
	require.Contains(t, metrics, `aartha_rpc_endpoint_active{endpoint="backup"} 1`+"\n")
	require.Contains(t, metrics, `aartha_rpc_endpoint_active{endpoint="primary"} 0`+"\n")
	require.NotContains(t, metrics, "secret-api-key")

	// The running service's own diagnosis.
	code, body = c.do("GET", "/api/admin/doctor", nil)
	require.Equal(t, http.StatusOK, code, body)
	inUse := map[string]any{}
	for _, ch := range body["checks"].([]any) {
		if m := ch.(map[string]any); m["name"] == "rpc in use" {
			inUse = m
		}
	}
	require.Equal(t, "warn", inUse["status"], body)
	require.Contains(t, inUse["detail"], "backup (http://127.0.0.1:")

	// `aartha doctor`: warnings (exit 1), not a failure (exit 2).
	out, err := run(t, ctx, vars, "doctor")
	var ec exitCode
	require.True(t, errors.As(err, &ec), "%v\n%s", err, out)
	require.Equal(t, 1, ec.code, out)
	require.Regexp(t, `(?m)^WARN  rpc primary `, out)
	require.Regexp(t, `(?m)^PASS  rpc backup `, out)
	require.Regexp(t, `(?m)^WARN  rpc in use +backup \(`+strings.ReplaceAll(chain.RPCURL(), ".", `\.`)+`\): the primary does not answer`, out)
	require.NotContains(t, out, "FAIL")
	require.NotContains(t, out, "secret-api-key")
}
