package evm

import (
	"math/big"

	"github.com/ethereum/go-ethereum/params"
)

// MainnetRules returns a chain configuration for a fresh simulated chain
// with the given chain id that runs the execution rules Ethereum mainnet
// runs today: every fork up to Osaka and the blob-parameter forks BPO1 and
// BPO2 active from genesis, and nothing later.
//
// go-ethereum's dev preset (params.AllDevChainProtocolChanges, which the
// simulated backend uses by default) also activates forks that mainnet has
// not scheduled, among them a repricing of storage that makes SSTORE several
// times dearer; gas measured there says nothing about what users pay. Use
// this configuration whenever gas numbers matter.
//
// Each call returns a new value whose fields the caller may reassign; the
// big.Int and blob settings it points to are shared and must not be mutated.
func MainnetRules(chainID *big.Int) *params.ChainConfig {
	cfg := *params.AllDevChainProtocolChanges
	cfg.ChainID = new(big.Int).Set(chainID)
	zero := uint64(0)
	cfg.ShanghaiTime = &zero
	cfg.CancunTime = &zero
	cfg.PragueTime = &zero
	cfg.OsakaTime = &zero
	cfg.BPO1Time = &zero
	cfg.BPO2Time = &zero
	cfg.AmsterdamTime = nil
	cfg.BogotaTime = nil
	cfg.UBTTime = nil
	cfg.BPO3Time, cfg.BPO4Time, cfg.BPO5Time = nil, nil, nil
	cfg.BlobScheduleConfig = &params.BlobScheduleConfig{
		Cancun: params.DefaultCancunBlobConfig,
		Prague: params.DefaultPragueBlobConfig,
		BPO1:   params.DefaultBPO1BlobConfig,
		BPO2:   params.DefaultBPO2BlobConfig,
	}
	return &cfg
}
