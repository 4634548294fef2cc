package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/doctor"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evm/evmtest"
)

// TestFinalityTagNeedsAnHonestNode: BLOCKCHAIN_FINALITY=tag is accepted on
// geth --dev, whose finalized block lags its head, and refused — by serve
// at start and by doctor's finality check — on a node whose finality tags
// follow the head (geth seen through a proxy that answers so, as several
// development nodes and L2 RPCs do). The default rule passes on both.
func TestFinalityTagNeedsAnHonestNode(t *testing.T) {
	t.Parallel()
	node, client := startGeth(t)
	ctx := context.Background()
	d, err := evm.Deploy(ctx, client, node.Key, node.Address, node.Address)
	require.NoError(t, err)
	lying := evmtest.NewTagProxy(t, node.URL, 0)

	vars := func(rpcURL, finality string) map[string]string {
		return map[string]string{
			"AARTHA_DATA_DIR":             t.TempDir(),
			"AARTHA_LISTEN_ADDR":          freeAddr(t),
			"BLOCKCHAIN_RPC_URL":          rpcURL,
			"BLOCKCHAIN_CONTRACT_ADDRESS": d.Address.Hex(),
			"BLOCKCHAIN_PRIVATE_KEY":      hexutil.Encode(crypto.FromECDSA(node.Key)),
			"BLOCKCHAIN_FINALITY":         finality,
		}
	}
	finalityCheck := func(v map[string]string) doctor.Check {
		t.Helper()
		_, err := run(t, ctx, v, "migrate")
		require.NoError(t, err)
		out, _ := run(t, ctx, v, "doctor", "--json")
		var report doctor.Report
		require.NoError(t, json.Unmarshal([]byte(out), &report), out)
		for _, c := range report.Checks {
			if c.Name == "finality" {
				return c
			}
		}
		t.Fatalf("no finality check in %s", out)
		return doctor.Check{}
	}

	c := finalityCheck(vars(lying.URL, "tag"))
	require.Equal(t, doctor.Fail, c.Status, "%+v", c)
	require.Contains(t, c.Detail, "follows the head")
	require.Contains(t, c.Hint, "BLOCKCHAIN_FINALITY=confirmations")

	_, err = run(t, ctx, vars(lying.URL, "tag"), "serve")
	require.Error(t, err)
	require.Contains(t, err.Error(), "BLOCKCHAIN_FINALITY=tag refused")
	require.Contains(t, err.Error(), "use BLOCKCHAIN_FINALITY=confirmations")

	c = finalityCheck(vars(node.URL, "tag"))
	require.Equal(t, doctor.Pass, c.Status, "geth --dev's finalized block lags its head: %+v", c)
	c = finalityCheck(vars(lying.URL, "confirmations"))
	require.Equal(t, doctor.Pass, c.Status, "%+v", c)
	require.Contains(t, c.Detail, "which this rule ignores")
}
