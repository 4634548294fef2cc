package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
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
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			db, err := openCurrentStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			scan, err := scanConfiguredChain(ctx, cfg, rpcURL, contract, fromBlockFlag(cmd, cfg, rpcURL, contract, fromBlock))
			if err != nil {
				return err
			}
			idx := scan.idx
			total := -1
			if all {
				if total, err = db.CountAnchors(ctx); err != nil {
					return err
				}
			}
			bar := barProgress{progressFor(cmd, total, "reconciling")}
			run, err := reconcile.Run(ctx, db, idx, reconcile.Options{
				Sample: sample, PendingGrace: pendingGrace, Chain: scan.chain, Contract: scan.contract, Progress: bar,
			})
			bar.finish(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if err := db.SaveReconcileRun(ctx, run); err != nil {
				return err
			}
			if outPath != "" {
				if err := writeJSONFile(outPath, run); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(run); err != nil {
					return err
				}
			} else {
				printRun(out, run)
			}
			if run.OK() {
				return nil
			}
			alertReconcile(ctx, cfg, run, cmd.ErrOrStderr())
			return fmt.Errorf("reconcile run %d found %d problem(s): %d mismatch, %d missing on chain, %d unknown on chain",
				run.ID, run.Counts.Problems(), run.Counts.Mismatch, run.Counts.Missing, run.Counts.Unknown)
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

// chainScan is what reconcile and rebuild read from the chain: the index of
// its writes, and the chain id and contract to name in the report.
type chainScan struct {
	idx      *reconcile.ChainIndex
	chain    string
	contract common.Address // the registry, or the MultiChain publisher's key hash
}

// scanConfiguredChain indexes the anchoring chain's writes from block from
// on: the MultiChain stream's items when BLOCKCHAIN_BACKEND=multichain
// (rpcURL, if set, in place of MULTICHAIN_RPC_URL), else the registry's
// events (see anchoring.OpenReader).
func scanConfiguredChain(ctx context.Context, cfg *config.Config, rpcURL, contract string, from uint64) (*chainScan, error) {
	chain, err := anchoring.OpenReader(ctx, cfg, rpcURL, contract)
	if err != nil {
		return nil, err
	}
	defer chain.Close()
	idx, err := reconcile.Scan(ctx, chain, from)
	if err != nil {
		return nil, err
	}
	return &chainScan{idx: idx, chain: chain.Network(), contract: chain.Contract()}, nil
}

// printRun writes a run for a person.
func printRun(w io.Writer, run *ledger.ReconcileRun) {
	c := run.Counts
	fmt.Fprintf(w, "Reconcile run %d (%s): %d loans, %d records, chain %s registry %s, blocks %d-%d\n",
		run.ID, run.Scope, run.Loans, run.Records, run.Chain, run.Contract, run.FromBlock, run.ChainHead)
	fmt.Fprintf(w, "  match %d, mismatch %d, missing on chain %d, unknown on chain %d, pending %d\n",
		c.Match, c.Mismatch, c.Missing, c.Unknown, c.Pending)
	for _, f := range run.Findings {
		who := f.LoanID
		if who == "" {
			who = firstNonEmpty(f.LoanKey, f.Root)
		}
		kind := ""
		if f.Kind != 0 {
			kind = " " + f.Kind.String()
		}
		fmt.Fprintf(w, "  %-16s %s%s: %s\n", f.Outcome, who, kind, f.Detail)
	}
	if run.Truncated {
		fmt.Fprintf(w, "  (only the first %d findings are listed)\n", ledger.MaxStoredFindings)
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// writeJSONFile writes v as indented JSON, atomically (temp file, rename).
func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
