package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/notify"
	"github.com/aartha/ledger/progress"
	"github.com/aartha/ledger/reconcile"
)

func newReconcileCmd(a *app) *cobra.Command {
	var (
		sample       int
		all, asJSON  bool
		fromBlock    uint64
		rpcURL       string
		contract     string
		outPath      string
		pendingGrace time.Duration
	)
	cmd := &cobra.Command{
		Use:   "reconcile (--sample N | --all)",
		Short: "Check loans in the database against the chain and report every difference",
		Long: "Recomputes each selected record's salted commitment from the loan as stored, and checks it\n" +
			"against the anchor and the chain: the LoanStored/LoanRepaid event of a direct anchor, the\n" +
			"batch root its proof leads to for a batch anchor. Every record is classified as match,\n" +
			"mismatch, missing_on_chain or pending; registry writes no anchor explains are unknown_on_chain.\n" +
			"The run is stored (the admin UI lists runs) and, when anything but matches and pending records\n" +
			"is found, alerts go out and the command exits with status 1.\n\n" +
			"--sample 100 is the weekly check of 100 random loans; --all is the monthly full audit.\n" +
			"With BLOCKCHAIN_BACKEND=multichain the stream's items take the place of the events.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all == (sample > 0) {
				return fmt.Errorf("choose one: --sample N (N ≥ 1) or --all")
			}
			ctx := cmd.Context()
			cfg, db, err := a.openConfiguredStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			scan, err := anchoring.Scan(ctx, cfg, rpcURL, contract, anchoring.FirstBlock(cfg, rpcURL, contract, fromBlock, cmd.Flags().Changed("from-block")))
			if err != nil {
				return err
			}
			total := -1
			if all {
				if total, err = db.CountAnchors(ctx); err != nil {
					return err
				}
			}
			bar := progress.On(cmd.ErrOrStderr(), total, "reconciling")
			run, err := reconcile.Run(ctx, db, scan.Index, reconcile.Options{
				Sample: sample, PendingGrace: pendingGrace, Chain: scan.Network, Contract: scan.Contract, Progress: bar,
			})
			bar.Finish()
			if err != nil {
				return err
			}
			if err := db.SaveReconcileRun(ctx, run); err != nil {
				return err
			}
			if outPath != "" {
				if err := reconcile.SaveRun(outPath, run); err != nil {
					return err
				}
			}
			if err := reconcile.PrintRun(cmd.OutOrStdout(), run, asJSON); err != nil {
				return err
			}
			problems := reconcile.ProblemsError(run)
			if problems == nil {
				return nil
			}
			if err := notify.Configured(cfg).ReconcileProblems(ctx, run); err != nil {
				// The run's own error says what matters.
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: reconciliation alert not delivered: %v\n", err)
			}
			return problems
		},
	}
	cmd.Flags().IntVar(&sample, "sample", 0, "check this many loans picked at random (the weekly check: 100)")
	cmd.Flags().BoolVar(&all, "all", false, "check every anchored record (the monthly full audit)")
	cmd.Flags().Uint64Var(&fromBlock, "from-block", 0, "scan registry events (or stream items) from this block (default: BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK, the registry's deployment block, else 0)")
	cmd.Flags().StringVar(&rpcURL, "rpc", "", "chain JSON-RPC URL (default BLOCKCHAIN_RPC_URL or MULTICHAIN_RPC_URL, else the embedded chain's data directory)")
	cmd.Flags().StringVar(&contract, "contract", "", "LoanRegistry address (default BLOCKCHAIN_CONTRACT_ADDRESS)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the run as JSON instead of text")
	cmd.Flags().StringVar(&outPath, "out", "", "also write the run as JSON to this file")
	cmd.Flags().DurationVar(&pendingGrace, "pending-grace", time.Hour, "a record queued longer than this counts as missing, not pending")
	return cmd
}
