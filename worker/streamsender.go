package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/txmgr"
)

// StreamSender is the Sender that anchors in a MultiChain stream: a
// direct-mode record as one item under its loan id, a batch root as one
// item under its batch key (see package multichain). It ignores To and
// Data. Idempotency rests on the stream itself: the adapter reads the key
// back before publishing, so a retry after a crash finds the first item
// instead of publishing a second.
type StreamSender struct {
	Adapter *multichain.Adapter
}

var _ Sender = StreamSender{}

// Send implements Sender: it publishes the request's record or batch and
// follows the item to finality, reporting submitted, included and final
// (again after a reorg). Its errors carry Permanent where retrying cannot
// help (a conflicting item, a missing approval, a refused permission).
func (s StreamSender) Send(ctx context.Context, req SendRequest, update func(SendUpdate) error) error {
	report := func(p multichain.Progress) error {
		u := SendUpdate{Status: p.Status, TxHash: p.Item.TxID}
		if p.Item.InBlock() {
			u.BlockNumber, u.BlockHash, u.LogIndex = p.Item.BlockHeight, p.Item.BlockHash, uint(p.Item.Vout)
		}
		if p.Item.Batch != nil {
			u.BatchSeq = p.Item.Batch.Seq
		}
		return update(u)
	}
	switch {
	case req.Record != nil:
		r := req.Record
		return s.Adapter.AnchorRecord(ctx, multichain.RecordRequest{LoanID: r.LoanID, Kind: r.Kind, Commitment: r.Commitment}, report)
	case req.Batch != nil:
		b := req.Batch
		return s.Adapter.AnchorBatch(ctx, multichain.BatchRequest{Root: b.Root, LeafCount: b.LeafCount}, report)
	}
	return permanent{errors.New("send request " + req.Key + " names neither a record nor a batch")}
}

// permanent marks an error that retrying cannot cure.
type permanent struct{ error }

func (p permanent) Unwrap() error   { return p.error }
func (p permanent) Permanent() bool { return true }

var _ Watcher = StreamSender{}

// WatchFrom implements Watcher: the last 128 blocks, and at least three
// confirmation depths (as txmgr.WatchFrom for the confirmations rule).
func (s StreamSender) WatchFrom(ctx context.Context) (uint64, error) {
	head, err := s.Adapter.Head(ctx)
	if err != nil {
		return 0, err
	}
	return txmgr.WatchFrom(txmgr.Policy{Confirmations: s.Adapter.Confirmations()}, head, 0), nil
}

// Recheck implements Watcher: the item is lost when the stream no longer
// has it in the recorded block (back in the mempool, or gone). Nothing
// needs reopening: sending the key again reads the stream back and follows
// the item if it is pending, or publishes it again if it is gone.
func (s StreamSender) Recheck(ctx context.Context, key string, p Placement) (bool, string, *Gas, error) {
	head, err := s.Adapter.Head(ctx)
	if err != nil || head < p.BlockNumber {
		return false, "", nil, err
	}
	it, err := s.Adapter.Item(ctx, p.TxHash)
	switch {
	case errors.Is(err, multichain.ErrItemNotFound):
		return true, fmt.Sprintf("item %s left the chain after it was final (it was in block %d); publishing it again", multichain.TxIDString(p.TxHash), p.BlockNumber), nil, nil
	case err != nil:
		return false, "", nil, err
	case it.BlockHash != p.BlockHash:
		return true, fmt.Sprintf("item %s left block %d after it was final; following it back to final", multichain.TxIDString(p.TxHash), p.BlockNumber), nil, nil
	}
	return false, "", nil, nil
}

// Heal implements Watcher: a stream has no nonces, nothing to heal.
func (StreamSender) Heal(context.Context) ([]LostSend, error) { return nil, nil }
