package reconcile

import (
	"context"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/multichain"
)

// ForeignItem is a stream item in our format that an address not ours
// published.
type ForeignItem struct {
	Write
	Keys       []string
	Publishers []string
}

// foreignFindings lists the foreign items of idx in run, as foreign: they
// are not problems.
func foreignFindings(idx *ChainIndex, run *ledger.ReconcileRun) {
	for _, f := range idx.Foreign {
		run.AddFinding(ledger.ReconcileFinding{
			Outcome: ledger.OutcomeForeign, TxHash: f.TxHash.Hex(), BlockNumber: f.BlockNumber,
			Detail: fmt.Sprintf("stream item under %s published by %s, not by one of our publishers: ignored",
				strings.Join(f.Keys, ", "), strings.Join(f.Publishers, ", ")),
		})
	}
}

// StreamReader is what scanning a MultiChain stream needs;
// *multichain.Adapter satisfies it.
type StreamReader interface {
	Head(ctx context.Context) (uint64, error)
	Items(ctx context.Context, fn func(*multichain.Item) error) error
}

var _ StreamReader = (*multichain.Adapter)(nil)

// ScanMultiChain reads every item of the anchoring stream and indexes the
// ones mined in blocks from..head as ScanChain indexes the registry's
// events, so that Run and Rebuild work on a stream unchanged: a direct
// item is a direct write (its txid, block, and output as the log index), a
// batch item a batch write with the sequence number its payload carries.
//
// Items still in the mempool are left out, as the EVM scan leaves out
// unmined transactions: their anchors are submitted, so Run counts them
// pending (or missing after the grace period). Items that are not ours
// (another schema, a loan key that is not the hash of a key) are skipped:
// anyone with <stream>.write could publish them, and they anchor nothing.
// Items in our format published by an address that is not ours (the
// adapter marks them Foreign) are left out of the index too, and listed in
// idx.Foreign: Run reports them as foreign, neither as unknown writes nor
// as mismatches.
// The first item of a record or root wins, as the EVM registry refuses a
// second; a later duplicate is ignored here. Batch sequence numbers are the
// publisher's, not the chain's: Run reports a gap or a number used twice.
func ScanMultiChain(ctx context.Context, s StreamReader, from uint64) (*ChainIndex, error) {
	head, err := s.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("read chain head: %w", err)
	}
	idx := &ChainIndex{
		FromBlock: from, Head: head,
		Direct: map[ledger.RecordKey]DirectWrite{}, Batches: map[common.Hash]BatchWrite{},
		PendingBatchSeqs: map[uint64]bool{},
	}
	err = s.Items(ctx, func(it *multichain.Item) error {
		if !it.InBlock() || it.BlockHeight > head {
			if it.Batch != nil {
				idx.PendingBatchSeqs[it.Batch.Seq] = true
			}
			return nil
		}
		if it.BlockHeight < from {
			return nil
		}
		if it.Foreign {
			if it.Record != nil || it.Batch != nil {
				idx.Foreign = append(idx.Foreign, ForeignItem{Write: Write{TxHash: it.TxID, BlockNumber: it.BlockHeight, BlockHash: it.BlockHash, LogIndex: uint(it.Vout)},
					Keys: it.Keys, Publishers: it.Publishers})
			}
			return nil
		}
		w := Write{TxHash: it.TxID, BlockNumber: it.BlockHeight, BlockHash: it.BlockHash, LogIndex: uint(it.Vout)}
		switch {
		case it.Record != nil:
			idx.addDirect(DirectWrite{Write: w, Key: ledger.RecordKey{LoanKey: it.Record.LoanKey, Kind: it.Record.Kind}, Commitment: it.Record.Commitment})
		case it.Batch != nil:
			if _, ok := idx.Batches[it.Batch.Root]; !ok {
				idx.Batches[it.Batch.Root] = BatchWrite{Write: w, Root: it.Batch.Root, Seq: it.Batch.Seq, LeafCount: it.Batch.LeafCount}
				idx.BatchOrder = append(idx.BatchOrder, it.Batch.Root)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read stream items: %w", err)
	}
	return idx, nil
}
