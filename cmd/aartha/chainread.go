package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
)

// fromBlockFlag is where reconcile and rebuild start reading the chain:
// --from-block when given; else, when they read the configured registry on
// the configured chain, its deployment block (BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK,
// 0 if unknown); else 0. rpcURL and contract are the --rpc and --contract
// flags.
func fromBlockFlag(cmd *cobra.Command, cfg *config.Config, rpcURL, contract string, given uint64) uint64 {
	switch {
	case cmd.Flags().Changed("from-block"):
		return given
	case !anchoring.ReadsConfiguredChain(cfg, rpcURL, contract):
		return 0
	}
	return cfg.DeployBlock
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
