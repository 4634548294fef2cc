package main

import (
	"context"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
)

// TestDirectStatusShowsGas: in direct mode GET .../blockchain/status shows
// the gas used, effective gas price and cost of the anchor's own
// transaction, as batch mode does for its batch, equal to what the chain's
// receipt of that transaction says.
func TestDirectStatusShowsGas(t *testing.T) {
	t.Parallel()
	rpcAddr := freeAddr(t)
	c := startServe(t, map[string]string{
		"AARTHA_DATA_DIR": t.TempDir(), "AARTHA_DEV_CHAIN_RPC": rpcAddr, "BLOCKCHAIN_ANCHOR_MODE": "direct",
	})
	code, body := c.do("POST", "/api/admin/loans", map[string]any{"loan_id": "GAS-1", "borrower": "cust-1", "lender": "bank-1",
		"principal": "150000", "currency": "INR", "interest_rate_bps": 1250, "term_months": 12})
	require.Equal(t, http.StatusCreated, code, body)
	code, body = c.do("POST", "/api/admin/loans/GAS-1/approve", nil)
	require.Equal(t, http.StatusOK, code, body)

	var approved map[string]any
	eventually(t, 60*time.Second, "the direct anchor is mined", func() (bool, any) {
		code, body := c.do("GET", "/api/admin/loans/GAS-1/blockchain/status", nil)
		approved, _ = body["approved"].(map[string]any)
		return code == http.StatusOK && approved != nil && approved["gas_used"] != nil, body
	})
	require.Equal(t, "direct", approved["mode"])

	client, err := evm.Dial(context.Background(), "http://"+rpcAddr, "", evm.ClientOptions{})
	require.NoError(t, err)
	defer client.Close()
	receipt, err := client.TransactionReceipt(context.Background(), common.HexToHash(approved["transaction_hash"].(string)))
	require.NoError(t, err)
	require.NotZero(t, receipt.GasUsed)
	require.EqualValues(t, receipt.GasUsed, approved["gas_used"])
	require.Equal(t, receipt.EffectiveGasPrice.String(), approved["gas_price_wei"])
	cost := new(big.Int).Mul(receipt.EffectiveGasPrice, new(big.Int).SetUint64(receipt.GasUsed))
	require.Equal(t, cost.String(), approved["total_cost_wei"])
}
