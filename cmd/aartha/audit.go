package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
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
		Long: `Read the whole trail and check its keyed hash chain (AARTHA_AUDIT_SEAL_KEY)
up to the chain head, and the trail against the latest checkpoint anchored
on the chain: its receipt is verified on the chain and the head recomputed
at its row must equal it. It only reads, never seals: rows not sealed yet
are reported as the unsealed tail. See docs/security.md#audit-trail.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, db, err := a.openConfiguredStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			return anchoring.CheckAuditTrail(cmd.Context(), cfg, db, rpcURL, offline, cmd.OutOrStdout())
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
			cfg, db, err := a.openConfiguredStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			return anchoring.AnchorAuditTrail(cmd.Context(), cfg, db, wait, outPath, cmd.OutOrStdout())
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 2*time.Minute, "how long to wait for aartha serve to anchor the checkpoint")
	cmd.Flags().StringVar(&outPath, "out", "", "write the checkpoint's proof receipt to this file")
	return cmd
}
