package ledger

import (
	"context"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
)

// Chain is the chain anchors are written to, as the service uses it: the
// worker sends and watches through it, receipts are verified, reconcile and
// rebuild scan it, the doctor and the UI ask it how it is. The evmchain
// package implements it for the LoanRegistry on an EVM chain (through the
// transaction manager), package multichain for a MultiChain stream; the
// anchoring package picks one from the configuration. Nothing else knows
// which chain it talks to.
//
// Implementations are safe for concurrent use.
type Chain interface {
	ChainSender
	ChainWatcher
	ChainScanner

	// Network is the chain's CAIP-2 id, as receipts name it
	// (eip155:137, multichain:aartha).
	Network() string
	// Contract is what a receipt's contract field names: the LoanRegistry's
	// address, or on MultiChain the publishing address's key hash.
	Contract() common.Address
	// Target is what audit rows of chain writes name as the contract: the
	// registry's address, or the stream's name.
	Target() string
	// Stream is the MultiChain stream anchors go to; "" on a chain with a
	// registry.
	Stream() string
	// VerifyReceipt checks a receipt against this chain.
	VerifyReceipt(ctx context.Context, r *Receipt) (*Verification, error)
	// Head is the number of the chain's latest block.
	Head(ctx context.Context) (uint64, error)
	// Ping checks that the chain answers (for /ready); its error says
	// which chain did not.
	Ping(ctx context.Context) error
	// SignerBalance is the anchoring account and what it holds to pay fees
	// (wei); ErrNoBalance on a chain without fees.
	SignerBalance(ctx context.Context) (common.Address, *big.Int, error)
}

// ErrNoBalance is what Chain.SignerBalance returns on a chain where the
// anchoring account pays no fees (a MultiChain stream).
var ErrNoBalance = errors.New("the anchoring account pays no fees on this chain: there is no balance to watch")

// ChainSender drives anchor writes onto a chain. Send returns once the
// write is final, calling update at every step; update's error aborts the
// send. An error for which Permanent reports true (a revert, a signer
// refusing, a conflicting stream item) must not be retried; one for which
// Unreachable reports true is the chain being out of reach, a wait rather
// than a failure.
type ChainSender interface {
	Send(ctx context.Context, req SendRequest, update func(SendUpdate) error) error
	// Unreachable reports whether err, from Send, says the chain could not
	// be reached (no connection, no answer in time) rather than that it
	// refused the write.
	Unreachable(err error) bool
}

// SendRequest is one chain write to drive to finality: a direct-mode
// record or a batch root, exactly one of which is set.
type SendRequest struct {
	// Key makes the send idempotent: sending again under the same key finds
	// the first write instead of making a second.
	Key    string
	Record *RecordWrite
	Batch  *BatchWrite
}

// RecordWrite is what a direct-mode send anchors.
type RecordWrite struct {
	LoanID     string
	Kind       Kind
	LoanKey    common.Hash
	Commitment common.Hash
	// Borrower and Lender are the loan's addresses (zero when it has
	// none); a registry stores them with an approval.
	Borrower, Lender common.Address
}

// BatchWrite is what a batch-mode send anchors.
type BatchWrite struct {
	Root      common.Hash
	LeafCount int
}

// SendUpdate reports a step of a send: submitted (TxHash set), included
// and final (the block fields set as well): BlockNumber, BlockHash (zero
// while the write is not in a block), LogIndex (where in the transaction
// the write is: the registry event's log index, or the stream item's
// output) and, for a batch, BatchSeq. Gas is nil on chains without gas.
type SendUpdate struct {
	Status      AnchorStatus
	TxHash      common.Hash
	BlockNumber uint64
	BlockHash   common.Hash
	LogIndex    uint
	BatchSeq    uint64
	Gas         *Gas
}

// InBlock reports whether the update places the write in a block.
func (u *SendUpdate) InBlock() bool { return u.BlockHash != (common.Hash{}) }

// Gas is what a mined transaction cost.
type Gas struct {
	Used  uint64
	Price *big.Int // effective price in wei; nil if unknown
}

// ChainWatcher looks again at writes a ChainSender reported final, so that
// every "final" the service showed stays true when the chain changes its
// mind.
type ChainWatcher interface {
	// WatchFrom is the lowest block whose final writes are still watched.
	WatchFrom(ctx context.Context) (uint64, error)
	// Recheck reports whether the write sent under key, recorded final at
	// p, has left the chain; if so the sender has reopened the send, so
	// that sending key again puts the write back, and gas says what the
	// lost transaction had cost (nil if unknown).
	Recheck(ctx context.Context, key string, p Placement) (lost bool, reason string, gas *Gas, err error)
	// Heal repairs the sender's own sequence (an EVM signer's nonce gaps)
	// and returns the final sends it found lost and reopened.
	Heal(ctx context.Context) ([]LostSend, error)
}

// Placement is where a write was recorded final.
type Placement struct {
	TxHash      common.Hash
	BlockNumber uint64
	BlockHash   common.Hash
}

// LostSend is a final send that Heal found gone from the chain.
type LostSend struct {
	Key    string
	Reason string
	Gas    *Gas
}

// ChainScanner reads back every anchoring write a chain holds, for
// reconcile and rebuild.
type ChainScanner interface {
	// ScanWrites calls fn with every write from block from on (and with
	// writes not yet in a block, where the chain can see them), in chain
	// order, and returns the head the scan read up to.
	ScanWrites(ctx context.Context, from uint64, fn func(ScannedWrite) error) (head uint64, err error)
}

// ScannedWrite is one anchoring write found on a chain: a direct record
// (Record set) or a batch root (Batch set).
type ScannedWrite struct {
	TxHash      common.Hash
	BlockNumber uint64
	BlockHash   common.Hash // zero while the write is not in a block
	LogIndex    uint

	Record *ScannedRecord
	Batch  *ScannedBatch

	// Foreign marks a write in our format by an account that is not ours
	// (a MultiChain stream anyone with write permission may publish to);
	// Keys and Publishers say whose.
	Foreign    bool
	Keys       []string
	Publishers []string
}

// ScannedRecord is a directly anchored record.
type ScannedRecord struct {
	Key        RecordKey
	Commitment common.Hash
}

// ScannedBatch is an anchored batch root.
type ScannedBatch struct {
	Root      common.Hash
	Seq       uint64
	LeafCount uint32
}

// Permanent reports whether err says that retrying a send cannot help.
func Permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}
