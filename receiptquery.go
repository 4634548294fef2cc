package ledger

import (
	"context"

	"github.com/ethereum/go-ethereum/common"
)

// ReceiptSource is the part of the store that assembling a receipt reads.
// Store satisfies it.
type ReceiptSource interface {
	Loan(ctx context.Context, id string) (*Loan, error)
	Anchors(ctx context.Context, f AnchorFilter) ([]*Anchor, error)
	Batch(ctx context.Context, id int64) (*Batch, error)
}

// AnchorOf returns the loan's anchor of the given kind, or ENOTFOUND.
func AnchorOf(ctx context.Context, src ReceiptSource, id string, kind Kind) (*Anchor, error) {
	anchors, err := src.Anchors(ctx, AnchorFilter{LoanID: id})
	if err != nil {
		return nil, err
	}
	for _, a := range anchors {
		if a.Kind == kind {
			return a, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "loan %s has no %s anchor", id, kind)
}

// ReceiptFor assembles the proof receipt of a loan's anchored record of the
// given kind from the database: the loan, its anchor and, in batch mode,
// the anchor's batch. chain is the CAIP-2 id of the chain and contract the
// registry. It returns ENOTFOUND if the loan or its anchor does not exist
// and ECONFLICT (see NewReceipt) if the anchor is not on chain yet.
func ReceiptFor(ctx context.Context, src ReceiptSource, id string, kind Kind, chain string, contract common.Address) (*Receipt, error) {
	loan, err := src.Loan(ctx, id)
	if err != nil {
		return nil, err
	}
	anchor, err := AnchorOf(ctx, src, id, kind)
	if err != nil {
		return nil, err
	}
	var batch *Batch
	if anchor.Mode == ModeBatch && anchor.BatchID != 0 {
		if batch, err = src.Batch(ctx, anchor.BatchID); err != nil {
			return nil, err
		}
	}
	return NewReceipt(loan, anchor, batch, chain, contract)
}
