package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evm/gethtest"
)

// TestAnchoringWithClefOnGeth runs the lifecycle on a real `geth --dev`
// with the anchoring key held by a real Clef, whose rules (from `aartha
// keys clef-rules`) allow registry calls only: the service holds no key,
// anchors in both modes, and a registry the rules do not name is refused —
// the anchor fails at once with Clef's reason.
func TestAnchoringWithClefOnGeth(t *testing.T) {
	t.Parallel()
	node, client := startGeth(t)
	ctx := context.Background()

	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	anchorer := crypto.PubkeyToAddress(key.PublicKey)
	node.Fund(t, anchorer, gethtest.FundedWei)
	d, err := evm.Deploy(ctx, client, node.Key, node.Address, anchorer)
	require.NoError(t, err)
	// Another registry, where the account may anchor too, but which the
	// Clef rules do not name.
	other, err := evm.Deploy(ctx, client, node.Key, node.Address, anchorer)
	require.NoError(t, err)

	rules, err := run(t, ctx, map[string]string{"BLOCKCHAIN_CONTRACT_ADDRESS": d.Address.Hex(),
		"BLOCKCHAIN_SIGNER_ADDRESS": strings.ToLower(anchorer.Hex())}, "keys", "clef-rules")
	require.NoError(t, err, rules)
	require.Equal(t, evm.ClefRules(d.Address, anchorer), rules)
	clef := gethtest.StartClef(t, gethtest.ClefOptions{ChainID: node.ChainID, Key: key, Rules: rules})

	vars := func(dir, registry, mode string) map[string]string {
		return map[string]string{
			"AARTHA_DATA_DIR":             dir,
			"BLOCKCHAIN_RPC_URL":          node.URL,
			"BLOCKCHAIN_CONTRACT_ADDRESS": registry,
			"BLOCKCHAIN_SIGNER_URL":       clef.URL,
			"BLOCKCHAIN_SIGNER_ADDRESS":   strings.ToLower(anchorer.Hex()),
			"BLOCKCHAIN_SIGNER_API":       "clef",
			"BLOCKCHAIN_ANCHOR_MODE":      mode,
			"BLOCKCHAIN_BATCH_WINDOW":     "200ms",
			"BLOCKCHAIN_CONFIRMATIONS":    "1",
		}
	}
	// One signer, one nonce sequence: the modes run one after the other.
	for _, mode := range []string{ledger.ModeBatch, ledger.ModeDirect} {
		dir := t.TempDir()
		receiptPath := filepath.Join(dir, "receipt.json")
		out, err := run(t, ctx, vars(dir, d.Address.Hex(), mode), "demo", "--loans", "3", "--receipt", receiptPath, "--timeout", "120s")
		require.NoError(t, err, out)
		require.Contains(t, out, "approved record, "+mode+" mode")
		require.Contains(t, out, "repaid record, "+mode+" mode")
		out, err = run(t, ctx, nil, "verify", receiptPath, "--rpc", node.URL)
		require.NoError(t, err, out)
		require.Contains(t, out, "verified: loan DEMO-")
	}

	// doctor knows the signer's account without asking Clef.
	out, _ := run(t, ctx, vars(t.TempDir(), d.Address.Hex(), ledger.ModeDirect), "doctor")
	require.Contains(t, out, "grants our signer ANCHORER_ROLE")
	require.Regexp(t, `PASS +external signer +answers`, out, "Clef answers account_version without asking its operator")

	// The rules refuse the other registry: the demo stops at the first
	// failed anchor, which names Clef's reason; no retry loop delays it.
	out, err = run(t, ctx, vars(t.TempDir(), other.Address.Hex(), ledger.ModeDirect), "demo", "--loans", "1", "--timeout", "60s")
	require.Error(t, err, out)
	require.ErrorContains(t, err, "failed")
	require.ErrorContains(t, err, "refused to sign: request denied")
	events, err := evm.NewRegistry(client, other.Address).Events(ctx, evm.EventQuery{})
	require.NoError(t, err)
	require.Empty(t, events, "nothing reached the registry the rules do not name")
}
