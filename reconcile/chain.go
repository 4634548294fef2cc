package reconcile

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
)

// ChainBackend is what scanning the registry needs from a chain; *evm.Client
// satisfies it.
type ChainBackend interface {
	evm.RegistryBackend
}

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

// ScanChain reads the registry's events from block from to the chain head
// and indexes them. An event seen twice for the same record or root (which
// the contract's reverts rule out) keeps the first.
func ScanChain(ctx context.Context, backend ChainBackend, registry common.Address, from uint64) (*ChainIndex, error) {
	head, err := backend.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read chain head: %w", err)
	}
	idx := &ChainIndex{
		FromBlock: from, Head: head.Number.Uint64(),
		Direct: map[ledger.RecordKey]DirectWrite{}, Batches: map[common.Hash]BatchWrite{},
	}
	if from > idx.Head {
		return idx, nil
	}
	events, err := evm.NewRegistry(backend, registry).Events(ctx, evm.EventQuery{From: from, To: idx.Head})
	if err != nil {
		return nil, err
	}
	for _, ev := range events {
		w := Write{TxHash: ev.Log.TxHash, BlockNumber: ev.Log.BlockNumber, BlockHash: ev.Log.BlockHash, LogIndex: ev.Log.Index}
		switch ev.Kind {
		case evm.EventLoanStored:
			idx.addDirect(DirectWrite{Write: w, Key: ledger.RecordKey{LoanKey: ev.Stored.LoanKey, Kind: ledger.KindApproved}, Commitment: ev.Stored.Commitment})
		case evm.EventLoanRepaid:
			idx.addDirect(DirectWrite{Write: w, Key: ledger.RecordKey{LoanKey: ev.Repaid.LoanKey, Kind: ledger.KindRepaid}, Commitment: ev.Repaid.RepaymentCommitment})
		case evm.EventBatchAnchored:
			root := common.Hash(ev.Batch.Root)
			if _, ok := idx.Batches[root]; !ok {
				idx.Batches[root] = BatchWrite{Write: w, Root: root, Seq: ev.Batch.Seq, LeafCount: ev.Batch.LeafCount}
				idx.BatchOrder = append(idx.BatchOrder, root)
			}
		}
	}
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
