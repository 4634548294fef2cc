package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/store"
)

func newDemoCmd(a *app) *cobra.Command {
	var loans int
	var receiptOut string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole lifecycle once: create, approve, anchor, verify, repay, verify",
		Long: "Creates loans, approves them, waits until their anchors are final on the configured chain\n" +
			"(the embedded one by default), checks a proof receipt against the chain as a third party\n" +
			"would, then marks one loan repaid and checks that too. Uses the configured database.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			out := cmd.OutOrStdout()
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if !cfg.EnableBlockchain {
				return fmt.Errorf("the demo anchors on a chain: unset ENABLE_BLOCKCHAIN=false")
			}
			db, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := prepareSchema(ctx, db, cfg, log); err != nil {
				return err
			}
			anch, err := startAnchoring(ctx, cfg, db, log, out, nil)
			if err != nil {
				return err
			}
			defer anch.Stop(context.Background())

			svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader, AnchorMode: cfg.AnchorMode}
			actor := ledger.CLIActor("demo")
			run := time.Now().UTC().Format("20060102-150405")
			ids := make([]string, loans)
			for i := range ids {
				ids[i] = fmt.Sprintf("DEMO-%s-%04d", run, i+1)
				if _, err := svc.Create(ctx, actor, ledger.NewLoan{
					ID: ids[i], Borrower: fmt.Sprintf("borrower-%d", i+1), Lender: "aartha-demo",
					Principal: fmt.Sprint(100000 * (i + 1)), Currency: "INR", InterestRateBps: 1200, TermMonths: 12,
				}); err != nil {
					return err
				}
				if _, err := svc.Approve(ctx, actor, ids[i]); err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "Created and approved %d loans (%s mode); waiting for their anchors to be final...\n", loans, cfg.AnchorMode)
			receipt, err := waitForReceipt(ctx, db, anch, ids, ledger.KindApproved)
			if err != nil {
				return err
			}
			if err := verifyAndShow(ctx, out, anch, receipt); err != nil {
				return err
			}
			if receiptOut != "" {
				b, _ := json.MarshalIndent(receipt, "", "  ")
				if err := os.WriteFile(receiptOut, append(b, '\n'), 0o644); err != nil {
					return fmt.Errorf("write receipt: %w", err)
				}
				fmt.Fprintf(out, "Receipt written to %s; check it yourself with: aartha verify %s --rpc %s\n",
					receiptOut, filepath.Clean(receiptOut), rpcHint(anch))
			}

			if _, err := svc.MarkRepaid(ctx, actor, ids[0], "112000"); err != nil {
				return err
			}
			fmt.Fprintf(out, "Marked %s repaid; waiting for the repayment anchor...\n", ids[0])
			repaid, err := waitForReceipt(ctx, db, anch, ids[:1], ledger.KindRepaid)
			if err != nil {
				return err
			}
			return verifyAndShow(ctx, out, anch, repaid)
		},
	}
	cmd.Flags().IntVar(&loans, "loans", 5, "how many loans to create and approve")
	cmd.Flags().StringVar(&receiptOut, "receipt", "", "also write the first loan's proof receipt to this file")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "give up after this long")
	return cmd
}

func rpcHint(a *anchoring.Running) string {
	if url := a.RPCURL(); url != "" {
		return url
	}
	return "<your RPC URL>"
}

// waitForReceipt waits until every listed loan's anchor of the kind is final
// and returns the receipt of the first.
func waitForReceipt(ctx context.Context, db *store.DB, a *anchoring.Running, ids []string, kind ledger.Kind) (*ledger.Receipt, error) {
	for _, id := range ids {
		for {
			anchors, err := db.Anchors(ctx, ledger.AnchorFilter{LoanID: id})
			if err != nil {
				return nil, err
			}
			var anchor *ledger.Anchor
			for _, x := range anchors {
				if x.Kind == kind {
					anchor = x
				}
			}
			if anchor != nil && anchor.Status == ledger.AnchorFailed {
				return nil, fmt.Errorf("anchoring loan %s failed: %s", id, anchor.LastError)
			}
			if anchor != nil && anchor.Status == ledger.AnchorFinal {
				break
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("waiting for loan %s to be anchored: %w", id, ctx.Err())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return ledger.ReceiptFor(ctx, db, ids[0], kind, a.Network(), a.Contract())
}

func verifyAndShow(ctx context.Context, out io.Writer, a *anchoring.Running, r *ledger.Receipt) error {
	v, err := a.VerifyReceipt(ctx, r)
	if err != nil {
		return err
	}
	for _, c := range v.Checks {
		mark := "ok"
		if !c.OK {
			mark = "MISMATCH"
		}
		fmt.Fprintf(out, "  %-45s %s\n", c.Name, mark)
	}
	if !v.Verified {
		return fmt.Errorf("loan %s's %s record did NOT verify", r.LoanID, r.Kind)
	}
	fmt.Fprintf(out, "Verified loan %s (%s record, %s mode) in block %d, tx %s, %d confirmation(s)\n",
		r.LoanID, r.Kind, r.Mode, r.BlockNumber, r.TxHash.Hex(), v.Confirmations)
	return nil
}
