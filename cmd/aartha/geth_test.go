package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evm/gethtest"
)

// TestLifecycleOnGeth runs the loan lifecycle (approve → anchor → verify
// → repay → anchor → verify) against a real `geth --dev` node, configured
// as production would be: a deployed registry, an RPC URL and a key. A
// receipt is then checked with `aartha verify` against the same node.
func TestLifecycleOnGeth(t *testing.T) {
	t.Parallel()
	node, client := startGeth(t)
	ctx := context.Background()
	d, err := evm.Deploy(ctx, client, node.Key, node.Address, node.Address)
	require.NoError(t, err)

	for _, mode := range []string{ledger.ModeBatch, ledger.ModeDirect} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			vars := map[string]string{
				"AARTHA_DATA_DIR":             dir,
				"BLOCKCHAIN_RPC_URL":          node.URL,
				"BLOCKCHAIN_CONTRACT_ADDRESS": d.Address.Hex(),
				"BLOCKCHAIN_PRIVATE_KEY":      hexutil.Encode(crypto.FromECDSA(node.Key)),
				"BLOCKCHAIN_ANCHOR_MODE":      mode,
				"BLOCKCHAIN_BATCH_WINDOW":     "200ms",
				// geth --dev mines only when a transaction arrives: a block
				// more would never come, so inclusion is final here.
				"BLOCKCHAIN_CONFIRMATIONS": "1",
			}
			receiptPath := filepath.Join(dir, "receipt.json")
			out, err := run(t, ctx, vars, "demo", "--loans", "3", "--receipt", receiptPath, "--timeout", "120s")
			require.NoError(t, err, out)
			require.Contains(t, out, "approved record, "+mode+" mode")
			require.Contains(t, out, "repaid record, "+mode+" mode")

			out, err = run(t, ctx, nil, "verify", receiptPath, "--rpc", node.URL)
			require.NoError(t, err, out)
			require.Contains(t, out, "verified: loan DEMO-")
			_, err = os.Stat(receiptPath)
			require.NoError(t, err)
		})
	}
}

// startGeth starts a `geth --dev` node for the test and a client of it,
// both closed when the test ends.
func startGeth(t *testing.T) (*gethtest.Node, *evm.Client) {
	t.Helper()
	node := gethtest.Start(t)
	client, err := evm.Dial(context.Background(), node.URL, "", evm.ClientOptions{})
	require.NoError(t, err)
	t.Cleanup(client.Close)
	return node, client
}
