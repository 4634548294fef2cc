package multichain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"syscall"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// Chain is ledger.Chain for a MultiChain stream: a direct-mode record is
// one item under its loan id, a batch root one item under its batch key.
// Idempotency rests on the stream itself: the adapter reads the key back
// before publishing, so a retry after a crash finds the first item instead
// of publishing a second.
type Chain struct {
	ad *Adapter
}

var _ ledger.Chain = (*Chain)(nil)

// NewChain returns the chain of the adapter's stream.
func NewChain(ad *Adapter) *Chain { return &Chain{ad: ad} }

// Adapter is the stream adapter the chain writes through.
func (c *Chain) Adapter() *Adapter { return c.ad }

// Network implements ledger.Chain: multichain:<chain name>.
func (c *Chain) Network() string { return c.ad.Chain() }

// Contract implements ledger.Chain: the publishing address's key hash.
func (c *Chain) Contract() common.Address { return c.ad.Publisher() }

// Target implements ledger.Chain: the stream's name.
func (c *Chain) Target() string { return c.ad.Stream() }

// Stream implements ledger.Chain.
func (c *Chain) Stream() string { return c.ad.Stream() }

// VerifyReceipt implements ledger.Chain: in the configured stream,
// accepting only items of our publishers.
func (c *Chain) VerifyReceipt(ctx context.Context, r *ledger.Receipt) (*ledger.Verification, error) {
	return Verify(ctx, c.ad.Client(), r, VerifyOptions{Stream: c.ad.Stream(), Publishers: c.ad.Publishers()})
}

// Ping implements ledger.Chain.
func (c *Chain) Ping(ctx context.Context) error {
	if _, err := c.ad.Head(ctx); err != nil {
		return fmt.Errorf("MultiChain node does not answer: %w", err)
	}
	return nil
}

// Head is the height of the node's best block.
func (c *Chain) Head(ctx context.Context) (uint64, error) { return c.ad.Head(ctx) }

// SignerBalance implements ledger.Chain: a publisher pays no fees, so it
// is the publisher and ledger.ErrNoBalance.
func (c *Chain) SignerBalance(context.Context) (common.Address, *big.Int, error) {
	return c.ad.Publisher(), nil, ledger.ErrNoBalance
}

// Send implements ledger.ChainSender: it publishes the request's record or
// batch and follows the item to finality, reporting submitted, included
// and final (again after a reorg). Its errors carry Permanent where
// retrying cannot help (a conflicting item, a missing approval, a refused
// permission).
func (c *Chain) Send(ctx context.Context, req ledger.SendRequest, update func(ledger.SendUpdate) error) error {
	report := func(p Progress) error {
		u := ledger.SendUpdate{Status: p.Status, TxHash: p.Item.TxID}
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
		return c.ad.AnchorRecord(ctx, RecordRequest{LoanID: r.LoanID, Kind: r.Kind, Commitment: r.Commitment}, report)
	case req.Batch != nil:
		b := req.Batch
		return c.ad.AnchorBatch(ctx, BatchRequest{Root: b.Root, LeafCount: b.LeafCount}, report)
	}
	return permanentError{errors.New("send request " + req.Key + " names neither a record nor a batch")}
}

// Unreachable implements ledger.ChainSender: the node gave no answer (a
// TransportError, which is also ledger.EUNAVAILABLE) or the connection
// failed.
func (c *Chain) Unreachable(err error) bool {
	var te *TransportError
	var netErr net.Error
	var urlErr *url.Error
	switch {
	case err == nil:
		return false
	case errors.As(err, &te), errors.As(err, &netErr), errors.As(err, &urlErr):
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, context.DeadlineExceeded)
}

// watchBlocks is how far below the head final items are still watched,
// at least: as the transaction manager watches an EVM chain's.
const watchBlocks = 128

// WatchFrom implements ledger.ChainWatcher: the last 128 blocks, and at
// least three confirmation depths.
func (c *Chain) WatchFrom(ctx context.Context) (uint64, error) {
	head, err := c.ad.Head(ctx)
	if err != nil {
		return 0, err
	}
	conf := c.ad.Confirmations()
	if conf == 0 {
		conf = 2
	}
	depth := max(3*conf, watchBlocks)
	if head < depth {
		return 0, nil
	}
	return head - depth + 1, nil
}

// Recheck implements ledger.ChainWatcher: the item is lost when the stream
// no longer has it in the recorded block (back in the mempool, or gone).
// Nothing needs reopening: sending the key again reads the stream back and
// follows the item if it is pending, or publishes it again if it is gone.
func (c *Chain) Recheck(ctx context.Context, key string, p ledger.Placement) (bool, string, *ledger.Gas, error) {
	head, err := c.ad.Head(ctx)
	if err != nil || head < p.BlockNumber {
		return false, "", nil, err
	}
	it, err := c.ad.Item(ctx, p.TxHash)
	switch {
	case errors.Is(err, ErrItemNotFound):
		return true, fmt.Sprintf("item %s left the chain after it was final (it was in block %d); publishing it again", TxIDString(p.TxHash), p.BlockNumber), nil, nil
	case err != nil:
		return false, "", nil, err
	case it.BlockHash != p.BlockHash:
		return true, fmt.Sprintf("item %s left block %d after it was final; following it back to final", TxIDString(p.TxHash), p.BlockNumber), nil, nil
	}
	return false, "", nil, nil
}

// Heal implements ledger.ChainWatcher: a stream has no nonces, nothing to
// heal.
func (c *Chain) Heal(context.Context) ([]ledger.LostSend, error) { return nil, nil }

// ScanWrites implements ledger.ChainScanner: every item of the stream
// mined from block from on, and those still in the mempool, in the order
// the node lists them. A direct item is a direct write (its
// txid, block, and output as the log index), a batch item a batch write
// with the sequence number its payload carries; items still in the
// mempool come with a zero block hash. Items that are not ours in format
// (another schema, a loan key that is not the hash of a key) are skipped;
// items in our format by an address not ours come marked Foreign.
func (c *Chain) ScanWrites(ctx context.Context, from uint64, fn func(ledger.ScannedWrite) error) (uint64, error) {
	head, err := c.ad.Head(ctx)
	if err != nil {
		return 0, fmt.Errorf("read chain head: %w", err)
	}
	err = c.ad.Items(ctx, func(it *Item) error {
		if it.Record == nil && it.Batch == nil {
			return nil
		}
		w := ledger.ScannedWrite{TxHash: it.TxID, LogIndex: uint(it.Vout), Foreign: it.Foreign, Keys: it.Keys, Publishers: it.Publishers}
		if it.InBlock() && it.BlockHeight <= head {
			if it.BlockHeight < from {
				return nil
			}
			w.BlockNumber, w.BlockHash = it.BlockHeight, it.BlockHash
		}
		switch {
		case it.Record != nil:
			w.Record = &ledger.ScannedRecord{Key: ledger.RecordKey{LoanKey: it.Record.LoanKey, Kind: it.Record.Kind}, Commitment: it.Record.Commitment}
		case it.Batch != nil:
			w.Batch = &ledger.ScannedBatch{Root: it.Batch.Root, Seq: it.Batch.Seq, LeafCount: it.Batch.LeafCount}
		}
		return fn(w)
	})
	if err != nil {
		return head, fmt.Errorf("read stream items: %w", err)
	}
	return head, nil
}
