package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/simchain"
)

// chainReader is read access to the configured chain's registry, for the
// commands that compare the database with the chain.
type chainReader struct {
	client   *evm.Client
	registry common.Address
	chain    string // CAIP-2
	embedded *simchain.Chain
}

// openChainReader connects to rpcURL if given, else to BLOCKCHAIN_RPC_URL,
// else opens the embedded chain's data directory (which fails while
// `aartha serve` holds it: then pass its JSON-RPC address as rpcURL).
func openChainReader(ctx context.Context, cfg *config.Config, rpcURL, contract string) (*chainReader, error) {
	r := &chainReader{}
	if rpcURL == "" {
		rpcURL = cfg.RPCURL
	}
	if contract == "" {
		contract = cfg.ContractAddress
	}
	switch {
	case rpcURL != "":
		c, err := evm.Dial(ctx, rpcURL, cfg.RPCURLBackup, evm.ClientOptions{})
		if err != nil {
			return nil, err
		}
		r.client = c
		if contract == "" && cfg.RPCURL == "" {
			contract = simchain.RegistryAddress().Hex() // the embedded chain served over RPC
		}
		if !common.IsHexAddress(contract) {
			c.Close()
			return nil, errors.New("BLOCKCHAIN_CONTRACT_ADDRESS (or --contract) must name the LoanRegistry")
		}
		r.registry = common.HexToAddress(contract)
	default:
		chain, err := simchain.Start(ctx, simchain.Options{DataDir: filepath.Join(cfg.DataDir, "chain"), Manual: true})
		if err != nil {
			return nil, fmt.Errorf("open the embedded chain in %s (is `aartha serve` running? then pass --rpc with its JSON-RPC URL, e.g. http://%s): %w",
				filepath.Join(cfg.DataDir, "chain"), cfg.DevChainRPCAddr, err)
		}
		r.embedded, r.client, r.registry = chain, chain.Client(), chain.Registry()
	}
	id, err := r.client.ChainID(ctx)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("ask the chain its id: %w", err)
	}
	r.chain = "eip155:" + id.String()
	return r, nil
}

// fromBlockFlag is where reconcile and rebuild start reading the chain:
// --from-block when given; else, when they read the configured registry on
// the configured chain, its deployment block (BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK,
// 0 if unknown); else 0. rpcURL and contract are the --rpc and --contract
// flags.
func fromBlockFlag(cmd *cobra.Command, cfg *config.Config, rpcURL, contract string, given uint64) uint64 {
	switch {
	case cmd.Flags().Changed("from-block"):
		return given
	case cfg.Backend == backendMultiChain:
		return 0
	case rpcURL != "" && rpcURL != cfg.RPCURL && rpcURL != cfg.RPCURLBackup:
		return 0 // another chain
	case contract != "" && !strings.EqualFold(contract, cfg.ContractAddress):
		return 0 // another registry
	}
	return cfg.DeployBlock
}

// Close releases the chain connection (and stops the embedded chain).
func (r *chainReader) Close() {
	if r.embedded != nil {
		_ = r.embedded.Stop()
		r.embedded = nil
	} else if r.client != nil {
		r.client.Close()
	}
	r.client = nil
}

// progressFor returns a progress bar on w when w is a terminal, and nil
// (no bar) otherwise; total -1 is a spinner.
func progressFor(cmd *cobra.Command, total int, what string) *progressbar.ProgressBar {
	w := cmd.ErrOrStderr()
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)
}

// barProgress adapts an optional bar to reconcile.Progress.
type barProgress struct{ bar *progressbar.ProgressBar }

func (p barProgress) Add(n int) error {
	if p.bar == nil {
		return nil
	}
	return p.bar.Add(n)
}

func (p barProgress) finish(w io.Writer) {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
