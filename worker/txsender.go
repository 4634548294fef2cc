package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/txmgr"
)

// ReceiptReader fetches transaction receipts, whose logs say where an
// anchor's event landed.
type ReceiptReader interface {
	TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error)
}

// TxSender is the Sender that drives sends through the transaction
// manager.
type TxSender struct {
	Manager  *txmgr.Manager
	Receipts ReceiptReader
}

var _ Sender = TxSender{}

// failedError is a send the transaction manager gave up on for good.
type failedError struct{ reason string }

func (e failedError) Error() string   { return "transaction failed: " + e.reason }
func (e failedError) Permanent() bool { return true }

// Send implements Sender.
func (s TxSender) Send(ctx context.Context, req SendRequest, update func(SendUpdate) error) error {
	var updateErr error
	res, err := s.Manager.Send(ctx, txmgr.Request{Key: req.Key, To: req.To, Data: req.Data}, func(p txmgr.Progress) {
		if updateErr != nil {
			return
		}
		u := SendUpdate{TxHash: p.TxHash}
		switch p.Phase {
		case txmgr.PhaseSubmitted:
			u.Status = ledger.AnchorSubmitted
		case txmgr.PhaseIncluded:
			u.Status = ledger.AnchorIncluded
		case txmgr.PhaseFinal:
			u.Status = ledger.AnchorFinal
		default:
			return // queued and failed are reported by the result
		}
		if p.Inclusion != nil {
			u.TxHash = p.Inclusion.TxHash
			receipt, err := s.Receipts.TransactionReceipt(ctx, p.Inclusion.TxHash)
			if err != nil {
				updateErr = fmt.Errorf("read receipt of %s: %w", p.Inclusion.TxHash.Hex(), err)
				return
			}
			u.Receipt = receipt
		}
		updateErr = update(u)
	})
	switch {
	case errors.Is(err, txmgr.ErrFailed):
		return failedError{reason: res.Reason}
	case err != nil:
		return errors.Join(err, updateErr)
	}
	return updateErr
}
