// Package demo runs the whole loan lifecycle once on the configured
// store and chain: create, approve, anchor, verify, repay, verify.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/store"
)

// Config is one demo run.
type Config struct {
	Store      *store.DB
	Chain      *anchoring.Running
	AnchorMode string
	Loans      int    // how many loans to create and approve
	ReceiptOut string // also write the first loan's receipt here, unless empty
	Out        io.Writer
}

// Run creates and approves the loans, waits until their anchors are final,
// verifies the first one's receipt against the chain, then marks it repaid
// and verifies that too, telling Out each step.
func Run(ctx context.Context, c Config) error {
	db, anch, out := c.Store, c.Chain, c.Out
	svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader, AnchorMode: c.AnchorMode}
	actor := ledger.CLIActor("demo")
	run := time.Now().UTC().Format("20060102-150405")
	ids := make([]string, c.Loans)
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
	fmt.Fprintf(out, "Created and approved %d loans (%s mode); waiting for their anchors to be final...\n", c.Loans, c.AnchorMode)
	receipt, err := waitForReceipt(ctx, db, anch, ids, ledger.KindApproved)
	if err != nil {
		return err
	}
	if err := verifyAndShow(ctx, out, anch, receipt); err != nil {
		return err
	}
	if c.ReceiptOut != "" {
		b, _ := json.MarshalIndent(receipt, "", "  ")
		if err := os.WriteFile(c.ReceiptOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write receipt: %w", err)
		}
		fmt.Fprintf(out, "Receipt written to %s; check it yourself with: aartha verify %s --rpc %s\n",
			c.ReceiptOut, filepath.Clean(c.ReceiptOut), rpcHint(anch))
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
