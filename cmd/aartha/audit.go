package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/store"
)

func newAuditCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Check the audit trail and anchor its head on the chain"}
	var (
		rpcURL  string
		offline bool
	)
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit trail's hash chain: finds edited, deleted or removed rows",
		Long: `Read the whole trail and check its hash chain against the chain head. It
only reads: it never seals, so a row someone appended by hand is reported as
unsealed, not sealed into the chain and called proven.

The sealer of aartha serve seals rows a moment after they are written: on
PostgreSQL once they are older than the grace period (10 s), on SQLite at
once. Rows not sealed yet are reported as the unsealed tail; they are not
protected until sealed. Rows with ids the store never assigns (below 1) are
reported as tampering.

Seals are keyed with AARTHA_AUDIT_SEAL_KEY: a row sealed without it after
the cut-over is tampering. The trail is then checked against the latest
checkpoint anchored on the chain (aartha serve anchors one every
AARTHA_AUDIT_ANCHOR_INTERVAL; aartha audit anchor does it now): its receipt
is verified on the chain like a loan's, and the head recomputed at its row
must equal it, so rows rewritten, cut off or rewound below it are found
even by someone who could write the whole database.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, db, err := a.openConfiguredStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			out := cmd.OutOrStdout()
			r, err := db.VerifyAuditChain(ctx)
			if err != nil {
				return err
			}
			if r.Break == nil && r.Checkpoint != nil && !offline {
				// The store's checkpoint must be the chain's.
				_, v, err := anchoring.VerifyAuditCheckpoint(ctx, cfg, r.Checkpoint, rpcURL)
				switch {
				case err != nil:
					fmt.Fprintf(out, "WARNING: anchored checkpoint %d was not checked on the chain (%v): the trail is proven by the store's copy only\n", r.Checkpoint.Seq, err)
				case !v.Verified:
					r.Break = &ledger.AuditBreak{Reason: fmt.Sprintf("anchored checkpoint %d does not verify on the chain (%s): the store's checkpoint was edited", r.Checkpoint.Seq, failedChecks(v))}
				default:
					fmt.Fprintf(out, "anchored checkpoint %d verified on %s: transaction %s, block %d\n", r.Checkpoint.Seq, r.Checkpoint.Chain, r.Checkpoint.TxHash.Hex(), r.Checkpoint.BlockNumber)
				}
			}
			if r.Legacy > 0 {
				fmt.Fprintf(out, "%d rows from before the hash chain existed are not covered\n", r.Legacy)
			}
			if r.Break != nil {
				fmt.Fprintf(out, "audit trail is BROKEN after %d good rows: %s\n", r.Rows, r.Break.Reason)
				return errors.New("the audit trail does not hold: restore the database from a backup and investigate who changed it")
			}
			fmt.Fprintf(out, "audit trail holds: %d rows chained, head %s\n", r.Rows, r.Head)
			if cp := r.Checkpoint; cp != nil {
				fmt.Fprintf(out, "proven up to anchored checkpoint %d (row %d, taken %s); rows after it are protected by the seal key only\n", cp.Seq, cp.LastID, cp.TakenAt.UTC().Format(time.RFC3339))
			} else {
				fmt.Fprintln(out, "no checkpoint is anchored yet: the trail is protected by the seal key only (run `aartha audit anchor`)")
			}
			if r.Unkeyed > 0 {
				fmt.Fprintf(out, "%d rows were sealed before the cut-over to keyed seals; only an anchored checkpoint above them proves them\n", r.Unkeyed)
			}
			if r.Skipped > 0 {
				why := "transactions that rolled back, or rows deleted before they were sealed"
				if db.Driver() == "sqlite" {
					why = "on SQLite a rollback leaves no gap, so rows deleted before they were sealed"
				}
				fmt.Fprintf(out, "%d ids were missing when the sealer passed them and are sealed over as gaps (%s)\n", r.Skipped, why)
			}
			if r.Unsealed > 0 {
				fmt.Fprintf(out, "%d recent rows are not sealed yet, so not protected yet (the sealer of `aartha serve` seals them once settled: %s after they are written on PostgreSQL)\n",
					r.Unsealed, store.DefaultAuditSealGrace)
			}
			if r.Late > 0 {
				fmt.Fprintf(out, "ANOMALY: %d rows lie below the chain head but are not sealed (ids %v): they were committed after the sealer had passed over their ids (a transaction open longer than the grace period) or were inserted by hand; the chain does not cover them\n", r.Late, r.LateIDs)
				return errors.New("the audit trail has rows outside the chain: investigate them")
			}
			return nil
		},
	}
	// Verify never seals now; the flag stays so that scripts keep working.
	verify.Flags().Bool("no-seal", true, "ignored: verify never seals")
	verify.Flags().StringVar(&rpcURL, "rpc", "", "JSON-RPC URL to check the anchored checkpoint at (default: the configured chain)")
	verify.Flags().BoolVar(&offline, "offline", false, "do not check the anchored checkpoint on the chain")
	_ = verify.Flags().MarkDeprecated("no-seal", "verify never seals")
	cmd.AddCommand(verify, newAuditAnchorCmd(a))
	return cmd
}

func newAuditAnchorCmd(a *app) *cobra.Command {
	var (
		wait    time.Duration
		outPath string
	)
	cmd := &cobra.Command{
		Use:   "anchor",
		Short: "Anchor the audit trail's chain head on the chain now",
		Long: `Take a checkpoint of the audit trail's chain head (the last sealed row and
its keyed hash) and wait for aartha serve, the process that sends to the
chain, to anchor it as the record aartha.audit/<n>. An idle trail whose head
is already covered is not anchored again. --out writes the checkpoint's
proof receipt, which aartha verify checks like a loan's.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if !cfg.EnableBlockchain {
				return errors.New("ENABLE_BLOCKCHAIN is false: there is no chain to anchor the audit trail on")
			}
			db, err := openCurrentStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			cp, err := anchoring.RequestAuditCheckpoint(ctx, db, wait, time.Second)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch cp.Status {
			case ledger.AnchorFailed:
				return fmt.Errorf("audit checkpoint %d failed: %s", cp.Seq, cp.LastError)
			case ledger.AnchorFinal:
				fmt.Fprintf(out, "audit checkpoint %d (rows up to %d, head 0x%x) is final on %s: transaction %s, block %d\n",
					cp.Seq, cp.LastID, cp.Head, cp.Chain, cp.TxHash.Hex(), cp.BlockNumber)
			default:
				return fmt.Errorf("audit checkpoint %d (rows up to %d) is %s after %s: aartha serve anchors it once it runs and sends", cp.Seq, cp.LastID, cp.Status, wait)
			}
			if outPath != "" {
				rc, err := cp.Receipt()
				if err != nil {
					return err
				}
				b, err := json.MarshalIndent(rc, "", "  ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(outPath, append(b, '\n'), 0o644); err != nil {
					return fmt.Errorf("write the checkpoint's receipt: %w", err)
				}
				fmt.Fprintf(out, "receipt written to %s\n", outPath)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 2*time.Minute, "how long to wait for aartha serve to anchor the checkpoint")
	cmd.Flags().StringVar(&outPath, "out", "", "write the checkpoint's proof receipt to this file")
	return cmd
}

// failedChecks names the checks of v that failed.
func failedChecks(v *ledger.Verification) string {
	var names []string
	for _, c := range v.Checks {
		if !c.OK {
			names = append(names, c.Name)
		}
	}
	return strings.Join(names, ", ")
}
