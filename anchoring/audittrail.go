package anchoring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/store"
)

// CheckAuditTrail is `aartha audit verify`: it reads the whole trail and
// checks its hash chain; unless offline, it checks the latest anchored
// checkpoint on the chain (at rpc if given, see VerifyAuditCheckpoint),
// so that a checkpoint edited in the store breaks the trail. It writes
// what it found to out and returns an error when the trail does not hold.
// A chain it cannot reach is a warning: the store's copy still proves.
func CheckAuditTrail(ctx context.Context, cfg *config.Config, db *store.DB, rpc string, offline bool, out io.Writer) error {
	r, err := db.VerifyAuditChain(ctx)
	if err != nil {
		return err
	}
	if cp := r.Checkpoint; r.Break == nil && cp != nil && !offline {
		_, v, err := VerifyAuditCheckpoint(ctx, cfg, cp, rpc)
		switch {
		case err != nil:
			fmt.Fprintf(out, "WARNING: anchored checkpoint %d was not checked on the chain (%v): the trail is proven by the store's copy only\n", cp.Seq, err)
		case !v.Verified:
			r.Break = &ledger.AuditBreak{Reason: fmt.Sprintf("anchored checkpoint %d does not verify on the chain (%s): the store's checkpoint was edited", cp.Seq, v.Failed())}
		default:
			fmt.Fprintf(out, "anchored checkpoint %d verified on %s: transaction %s, block %d\n", cp.Seq, cp.Chain, cp.TxHash.Hex(), cp.BlockNumber)
		}
	}
	return store.WriteAuditReport(out, r, db.Driver())
}

// AnchorAuditTrail is `aartha audit anchor`: it requests a checkpoint of
// the trail's head (RequestAuditCheckpoint, polling every second), says
// where it got to, and writes its receipt to receiptPath when given. A
// checkpoint that failed, or is not final after wait, is an error.
func AnchorAuditTrail(ctx context.Context, cfg *config.Config, db *store.DB, wait time.Duration, receiptPath string, out io.Writer) error {
	if !cfg.EnableBlockchain {
		return errors.New("ENABLE_BLOCKCHAIN is false: there is no chain to anchor the audit trail on")
	}
	cp, err := RequestAuditCheckpoint(ctx, db, wait, time.Second)
	if err != nil {
		return err
	}
	switch cp.Status {
	case ledger.AnchorFailed:
		return fmt.Errorf("audit checkpoint %d failed: %s", cp.Seq, cp.LastError)
	case ledger.AnchorFinal:
		fmt.Fprintf(out, "audit checkpoint %d (rows up to %d, head 0x%x) is final on %s: transaction %s, block %d\n",
			cp.Seq, cp.LastID, cp.Head, cp.Chain, cp.TxHash.Hex(), cp.BlockNumber)
	default:
		return fmt.Errorf("audit checkpoint %d (rows up to %d) is %s after %s: aartha serve anchors it once it runs and sends", cp.Seq, cp.LastID, cp.Status, wait)
	}
	if receiptPath == "" {
		return nil
	}
	rc, err := cp.Receipt()
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(rc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(receiptPath, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write the checkpoint's receipt: %w", err)
	}
	fmt.Fprintf(out, "receipt written to %s\n", receiptPath)
	return nil
}
