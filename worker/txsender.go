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

// Send implements Sender. A send that was already final (a retry after a
// crash that came between finality and its recording) still reports its
// final step, so the caller records it.
func (s TxSender) Send(ctx context.Context, req SendRequest, update func(SendUpdate) error) error {
	var updateErr error
	finalReported := false
	report := func(status ledger.AnchorStatus, txHash common.Hash, inc *txmgr.Inclusion) {
		if updateErr != nil {
			return
		}
		u := SendUpdate{Status: status, TxHash: txHash}
		if inc != nil {
			u.TxHash = inc.TxHash
			receipt, err := s.Receipts.TransactionReceipt(ctx, inc.TxHash)
			if err != nil {
				updateErr = fmt.Errorf("read receipt of %s: %w", inc.TxHash.Hex(), err)
				return
			}
			u.Receipt = receipt
		}
		updateErr = update(u)
		finalReported = finalReported || (status == ledger.AnchorFinal && updateErr == nil)
	}
	res, err := s.Manager.Send(ctx, txmgr.Request{Key: req.Key, To: req.To, Data: req.Data}, func(p txmgr.Progress) {
		switch p.Phase {
		case txmgr.PhaseSubmitted:
			report(ledger.AnchorSubmitted, p.TxHash, nil)
		case txmgr.PhaseIncluded:
			report(ledger.AnchorIncluded, p.TxHash, p.Inclusion)
		case txmgr.PhaseFinal:
			report(ledger.AnchorFinal, p.TxHash, p.Inclusion)
		}
		// queued and failed are reported by the result
	})
	switch {
	case errors.Is(err, txmgr.ErrFailed):
		return failedError{reason: res.Reason}
	case err != nil:
		return errors.Join(err, updateErr)
	}
	if !finalReported && res.Inclusion != nil {
		report(ledger.AnchorFinal, res.Inclusion.TxHash, res.Inclusion)
	}
	return updateErr
}

var _ Watcher = TxSender{}

// WatchFrom implements Watcher.
func (s TxSender) WatchFrom(ctx context.Context) (uint64, error) { return s.Manager.WatchFrom(ctx) }

// Recheck implements Watcher through the transaction manager, which reopens
// a lost send and broadcasts its transaction again (same nonce).
func (s TxSender) Recheck(ctx context.Context, key string, p Placement) (bool, string, *Gas, error) {
	l, err := s.Manager.Recheck(ctx, key, txmgr.Placement(p))
	return l.Lost, l.Reason, inclusionGas(l.Inclusion), err
}

// Heal implements Watcher: the manager's nonce-gap repair.
func (s TxSender) Heal(ctx context.Context) ([]LostSend, error) {
	rep, err := s.Manager.Heal(ctx)
	var lost []LostSend
	for key, l := range rep.Lost {
		lost = append(lost, LostSend{Key: key, Reason: l.Reason, Gas: inclusionGas(l.Inclusion)})
	}
	return lost, err
}

func inclusionGas(inc *txmgr.Inclusion) *Gas {
	if inc == nil {
		return nil
	}
	return &Gas{Used: inc.GasUsed, Price: inc.EffectiveGasPrice}
}
