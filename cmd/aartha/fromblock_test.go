package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

// TestReconcileAndRebuildStartAtTheDeploymentBlock deploys a registry on a
// chain that already has blocks: `aartha deploy` prints the deployment
// block, and with it set as BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK, reconcile and
// rebuild read the registry from there unless --from-block says otherwise.
func TestReconcileAndRebuildStartAtTheDeploymentBlock(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sim, url, key := httpChain(t)
	// Blocks before the deployment: httpChain seals one every 50 ms (a
	// Commit from here would race its sealing).
	require.Eventually(t, func() bool {
		n, err := sim.Client().BlockNumber(ctx)
		return err == nil && n >= 3
	}, time.Minute, 20*time.Millisecond)

	out, err := runDeploy(ctx, map[string]string{"BLOCKCHAIN_RPC_URL": url, "BLOCKCHAIN_PRIVATE_KEY": key})
	require.NoError(t, err, out)
	addr := regexp.MustCompile(`(?m)^BLOCKCHAIN_CONTRACT_ADDRESS=(0x[0-9a-fA-F]{40})$`).FindStringSubmatch(out)
	block := regexp.MustCompile(`(?m)^BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK=([0-9]+)$`).FindStringSubmatch(out)
	require.NotNil(t, addr, out)
	require.NotNil(t, block, out)
	tx := regexp.MustCompile(`(?m)^transaction (0x[0-9a-f]{64})$`).FindStringSubmatch(out)
	require.NotNil(t, tx, out)
	receipt, err := sim.Client().TransactionReceipt(ctx, common.HexToHash(tx[1]))
	require.NoError(t, err)
	require.Equal(t, receipt.BlockNumber.String(), block[1], "the printed block is the deployment's")
	deployBlock, err := strconv.ParseUint(block[1], 10, 64)
	require.NoError(t, err)
	require.Greater(t, deployBlock, uint64(3))

	vars := map[string]string{
		"AARTHA_DATA_DIR": t.TempDir(), "BLOCKCHAIN_RPC_URL": url, "BLOCKCHAIN_PRIVATE_KEY": key,
		"BLOCKCHAIN_CONTRACT_ADDRESS": addr[1], "BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK": block[1],
	}
	out, err = run(t, ctx, vars, "migrate")
	require.NoError(t, err, out)
	fromBlock := func(args ...string) uint64 {
		t.Helper()
		out, err := run(t, ctx, vars, args...)
		require.NoError(t, err, out)
		var got struct {
			FromBlock *uint64 `json:"from_block"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &got), out)
		require.NotNil(t, got.FromBlock, out)
		return *got.FromBlock
	}
	require.Equal(t, deployBlock, fromBlock("reconcile", "--all", "--json"))
	require.Equal(t, deployBlock, fromBlock("rebuild", "--dry-run", "--json"))
	require.Equal(t, uint64(1), fromBlock("reconcile", "--all", "--json", "--from-block", "1"), "--from-block wins")
	require.Equal(t, uint64(0), fromBlock("rebuild", "--dry-run", "--json", "--from-block", "0"))
	other := "0x00000000000000000000000000000000000000ff"
	require.Equal(t, uint64(0), fromBlock("reconcile", "--all", "--json", "--contract", other),
		"another registry's deployment block is not known")

	// Without the variable they start at block 0, as before.
	delete(vars, "BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK")
	require.Equal(t, uint64(0), fromBlock("reconcile", "--all", "--json"))
}
