package main

import (
	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/progress"
	"github.com/aartha/ledger/reconcile"
	"github.com/aartha/ledger/service"
)

func newRebuildCmd(a *app) *cobra.Command {
	var (
		fromBlock      uint64
		rpcURL         string
		contract       string
		leavesPath     string
		dryRun, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "rebuild --from-block N",
		Short: "Rebuild the anchor index from the registry's events on chain",
		Long: "Reads the LoanRegistry's LoanStored, LoanRepaid and BatchAnchored events from block N on and\n" +
			"compares them with the database: records the database lacks (or does not know are on chain)\n" +
			"are restored and listed as missing; records whose database values the chain contradicts are\n" +
			"listed as altered and left alone; records of loans the database does not have are listed as\n" +
			"newer (than the backup the database was restored from).\n\n" +
			"What the chain holds decides what can be restored: direct-mode anchors completely; batches\n" +
			"(root, sequence number, transaction, block, leaf count) completely; but which records a\n" +
			"batch holds is not on chain. Give --leaves with a chain-log export (aartha export) to restore\n" +
			"batch members: each batch's leaf list is used only if it rebuilds the root found on chain.\n\n" +
			"With BLOCKCHAIN_BACKEND=multichain the stream's items take the place of the events.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			opts := reconcile.RebuildOptions{Confirmations: cfg.Confirmations, DryRun: dryRun}
			if leavesPath != "" {
				if opts.Leaves, err = reconcile.ReadLeavesFile(leavesPath); err != nil {
					return err
				}
			}
			db, err := service.OpenCurrentStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			scan, err := anchoring.Scan(ctx, cfg, rpcURL, contract, anchoring.FirstBlock(cfg, rpcURL, contract, fromBlock, cmd.Flags().Changed("from-block")))
			if err != nil {
				return err
			}
			idx := scan.Index
			bar := progress.On(cmd.ErrOrStderr(), len(idx.Direct)+len(idx.Batches), "rebuilding")
			opts.Progress = bar
			rep, err := reconcile.Rebuild(ctx, db, idx, opts)
			bar.Finish()
			if rep != nil {
				if perr := rep.Print(cmd.OutOrStdout(), asJSON); perr != nil && err == nil {
					err = perr
				}
			}
			return err
		},
	}
	cmd.Flags().Uint64Var(&fromBlock, "from-block", 0, "first block to read events from (default: BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK, the registry's deployment block, else 0)")
	cmd.Flags().StringVar(&rpcURL, "rpc", "", "chain JSON-RPC URL (default BLOCKCHAIN_RPC_URL or MULTICHAIN_RPC_URL, else the embedded chain's data directory)")
	cmd.Flags().StringVar(&contract, "contract", "", "LoanRegistry address (default BLOCKCHAIN_CONTRACT_ADDRESS)")
	cmd.Flags().StringVar(&leavesPath, "leaves", "", "chain-log export (aartha export) whose batch leaf lists restore batch members")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report only; write nothing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
