package store

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// RequeueAnchor puts a failed anchor back in the queue (see ledger.Tx): it
// reads the anchor's current status under lock, refuses (ECONFLICT) unless
// it is failed, clears its batch, proof, chain fields, attempts and error,
// and calls the job hook as QueueAnchor does. a is updated to match.
func (t *tx) RequeueAnchor(ctx context.Context, a *ledger.Anchor) error {
	current, err := t.AnchorsForUpdate(ctx, ledger.AnchorFilter{LoanID: a.LoanID})
	if err != nil {
		return err
	}
	var found *ledger.Anchor
	for _, c := range current {
		if c.ID == a.ID {
			found = c
		}
	}
	switch {
	case found == nil:
		return ledger.Errorf(ledger.ENOTFOUND, "anchor %d of loan %s not found", a.ID, a.LoanID)
	case found.Status != ledger.AnchorFailed:
		return ledger.Errorf(ledger.ECONFLICT, "anchor %d of loan %s is %s: only failed anchors can be queued again", a.ID, a.LoanID, found.Status)
	}
	a.Status, a.BatchID, a.Proof = ledger.AnchorQueued, 0, nil
	a.TxHash, a.BlockNumber, a.BlockHash, a.LogIndex = common.Hash{}, 0, common.Hash{}, 0
	a.Attempts, a.LastError, a.FinalAt = 0, "", nil
	if err := t.UpdateAnchor(ctx, a); err != nil {
		return err
	}
	return t.enqueue(ctx, a)
}

// enqueue calls the job hook, if any, for a queued anchor.
func (t *tx) enqueue(ctx context.Context, a *ledger.Anchor) error {
	if h := t.db.hook; h != nil {
		if err := h.AnchorQueued(ctx, t.tx, a); err != nil {
			return fmt.Errorf("enqueue job for anchor %d: %w", a.ID, err)
		}
	}
	return nil
}

// ReopenAnchor puts a final anchor whose write left the chain back in the
// queue (see ledger.Tx): it reads the anchor under lock, refuses
// (ECONFLICT) unless it is final, clears its chain fields and final time,
// keeps its batch and proof, records reason as its last error and calls the
// job hook. a is updated to match.
func (t *tx) ReopenAnchor(ctx context.Context, a *ledger.Anchor, reason string) error {
	current, err := t.AnchorsForUpdate(ctx, ledger.AnchorFilter{ID: a.ID})
	switch {
	case err != nil:
		return err
	case len(current) == 0:
		return ledger.Errorf(ledger.ENOTFOUND, "anchor %d not found", a.ID)
	case current[0].Status != ledger.AnchorFinal:
		return ledger.Errorf(ledger.ECONFLICT, "anchor %d of loan %s is %s: only a final anchor can be reopened", a.ID, current[0].LoanID, current[0].Status)
	}
	*a = *current[0]
	a.Status, a.LastError, a.FinalAt = ledger.AnchorQueued, reason, nil
	a.TxHash, a.BlockNumber, a.BlockHash, a.LogIndex = common.Hash{}, 0, common.Hash{}, 0
	if err := t.UpdateAnchor(ctx, a); err != nil {
		return err
	}
	return t.enqueue(ctx, a)
}
