package reconcile

import (
	"context"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// Write is one registry write as its event shows it: where it is, and what it
// carries.
type Write struct {
	TxHash      common.Hash
	BlockNumber uint64
	BlockHash   common.Hash
	LogIndex    uint
}

// DirectWrite is a LoanStored or LoanRepaid event: one record anchored
// directly.
type DirectWrite struct {
	Write
	Key        ledger.RecordKey
	Commitment common.Hash
}

// BatchWrite is a BatchAnchored event.
type BatchWrite struct {
	Write
	Root      common.Hash
	Seq       uint64
	LeafCount uint32
}

// ChainIndex is every registry write in a block range, indexed. It is
// read-only once built and safe for concurrent reads.
type ChainIndex struct {
	FromBlock, Head uint64
	Direct          map[ledger.RecordKey]DirectWrite
	Batches         map[common.Hash]BatchWrite
	// Order lists direct writes and batch roots in chain order, for
	// reports that must be stable.
	DirectOrder []ledger.RecordKey
	BatchOrder  []common.Hash
	// PendingBatchSeqs are the sequence numbers of batch writes sent but
	// not yet in a block (MultiChain mempool items); a gap they fill is not
	// a problem yet.
	PendingBatchSeqs map[uint64]bool
	// Foreign are the stream items of addresses not ours (MultiChain):
	// left out of Direct and Batches, and listed by Run as foreign.
	Foreign []ForeignItem
}

// Scan reads every anchoring write of the chain from block from to its
// head and indexes it, whatever the chain: the registry's events on an
// EVM chain, the stream's items on MultiChain. Writes not yet in a block
// are left out, as their anchors are submitted, so Run counts them pending
// (or missing after the grace period); a pending batch's sequence number
// is kept in PendingBatchSeqs, so that the gap it fills is not reported
// yet. Writes in our format by an account not ours are left out of the
// index too, and listed in idx.Foreign: Run reports them as foreign,
// neither as unknown writes nor as mismatches. The first write of a record
// or root wins, as the EVM registry refuses a second; a later duplicate is
// ignored here.
func Scan(ctx context.Context, chain ledger.ChainScanner, from uint64) (*ChainIndex, error) {
	idx := &ChainIndex{
		FromBlock: from,
		Direct:    map[ledger.RecordKey]DirectWrite{}, Batches: map[common.Hash]BatchWrite{},
		PendingBatchSeqs: map[uint64]bool{},
	}
	head, err := chain.ScanWrites(ctx, from, func(sw ledger.ScannedWrite) error {
		if sw.BlockHash == (common.Hash{}) {
			if sw.Batch != nil {
				idx.PendingBatchSeqs[sw.Batch.Seq] = true
			}
			return nil
		}
		if sw.BlockNumber < from {
			return nil
		}
		w := Write{TxHash: sw.TxHash, BlockNumber: sw.BlockNumber, BlockHash: sw.BlockHash, LogIndex: sw.LogIndex}
		switch {
		case sw.Foreign:
			idx.Foreign = append(idx.Foreign, ForeignItem{Write: w, Keys: sw.Keys, Publishers: sw.Publishers})
		case sw.Record != nil:
			idx.addDirect(DirectWrite{Write: w, Key: sw.Record.Key, Commitment: sw.Record.Commitment})
		case sw.Batch != nil:
			if _, ok := idx.Batches[sw.Batch.Root]; !ok {
				idx.Batches[sw.Batch.Root] = BatchWrite{Write: w, Root: sw.Batch.Root, Seq: sw.Batch.Seq, LeafCount: sw.Batch.LeafCount}
				idx.BatchOrder = append(idx.BatchOrder, sw.Batch.Root)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	idx.Head = head
	return idx, nil
}

func (idx *ChainIndex) addDirect(d DirectWrite) {
	if _, ok := idx.Direct[d.Key]; ok {
		return
	}
	idx.Direct[d.Key] = d
	idx.DirectOrder = append(idx.DirectOrder, d.Key)
}

// depth is how many blocks deep a write in block n is (1 in the head).
func (idx *ChainIndex) depth(n uint64) uint64 {
	if n > idx.Head {
		return 0
	}
	return idx.Head - n + 1
}
