package anchoring_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
)

func TestFirstBlock(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Backend: "evm", RPCURL: "http://node:8545", ContractAddress: "0xAbC0000000000000000000000000000000000001", DeployBlock: 900}
	require.Equal(t, uint64(900), anchoring.FirstBlock(cfg, "", "", 0, false), "the configured registry: from its deployment")
	require.Equal(t, uint64(900), anchoring.FirstBlock(cfg, "http://node:8545", "0xabc0000000000000000000000000000000000001", 0, false))
	require.Equal(t, uint64(5), anchoring.FirstBlock(cfg, "", "", 5, true), "--from-block wins")
	require.Equal(t, uint64(0), anchoring.FirstBlock(cfg, "", "", 0, true), "--from-block 0 too")
	require.Equal(t, uint64(0), anchoring.FirstBlock(cfg, "http://other:8545", "", 0, false), "another chain")
	require.Equal(t, uint64(0), anchoring.FirstBlock(cfg, "", "0x0000000000000000000000000000000000000002", 0, false), "another registry")
	cfg.Backend = anchoring.BackendMultiChain
	require.Equal(t, uint64(0), anchoring.FirstBlock(cfg, "", "", 0, false), "a stream has no deployment block")
}
