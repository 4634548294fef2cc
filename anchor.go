package ledger

import (
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// AnchorStatus is how far one record's anchor has got (docs/finality.md):
// queued → submitted → included → final, or failed.
type AnchorStatus string

// The anchor statuses.
const (
	AnchorQueued    AnchorStatus = "queued"    // recorded, waiting to be sent
	AnchorSubmitted AnchorStatus = "submitted" // a transaction carrying it was broadcast
	AnchorIncluded  AnchorStatus = "included"  // mined, not yet deep enough
	AnchorFinal     AnchorStatus = "final"     // BLOCKCHAIN_CONFIRMATIONS deep (or finalized)
	AnchorFailed    AnchorStatus = "failed"    // given up; LastError says why
)

// ChainStatus maps an anchor status onto the per-loan
// blockchain_status values (docs/api.md, per-loan chain fields).
func (s AnchorStatus) ChainStatus() ChainStatus {
	switch s {
	case AnchorQueued:
		return ChainQueued
	case AnchorSubmitted, AnchorIncluded:
		return ChainSubmitted
	case AnchorFinal:
		return ChainConfirmed
	case AnchorFailed:
		return ChainFailed
	}
	return ChainNotStored
}

// Anchor is one record (a loan's approval or its repayment) on its way to the
// chain. There is at most one anchor per loan and kind: the store enforces
// it, which is the first of the guarantees that nothing is anchored twice.
type Anchor struct {
	ID         int64
	LoanID     string
	Kind       Kind
	Mode       string // ModeDirect or ModeBatch
	LoanKey    common.Hash
	Commitment common.Hash
	Leaf       common.Hash
	Status     AnchorStatus

	BatchID int64         // batch mode: the batch it belongs to, 0 until batched
	Proof   []common.Hash // batch mode: siblings from Leaf to the batch root

	TxHash      common.Hash // the transaction that carried it, once sent
	BlockNumber uint64
	BlockHash   common.Hash
	LogIndex    uint // index of its LoanStored/LoanRepaid/BatchAnchored log in the block

	Attempts  int
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
	FinalAt   *time.Time
}

// NewAnchor returns the queued anchor of a record with its salt.
func NewAnchor(r Record, salt []byte, mode string, now time.Time) *Anchor {
	fp := NewFingerprint(r, salt)
	now = now.UTC()
	return &Anchor{
		LoanID: r.ID(), Kind: r.Kind(), Mode: mode, LoanKey: fp.LoanKey, Commitment: fp.Commitment,
		Leaf: fp.Leaf, Status: AnchorQueued, CreatedAt: now, UpdatedAt: now,
	}
}

// BatchStatus is how far a batch has got; it moves like an anchor status.
type BatchStatus = AnchorStatus

// Batch is a set of anchors committed to the chain under one Merkle root by
// one anchorBatch transaction.
type Batch struct {
	ID        int64
	Root      common.Hash
	LeafCount int
	Status    BatchStatus

	Seq         uint64 // the registry's gap-free batch number, once included
	TxHash      common.Hash
	BlockNumber uint64
	BlockHash   common.Hash
	LogIndex    uint
	GasUsed     uint64
	GasPriceWei string // effective gas price, decimal wei

	Attempts  int
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
	FinalAt   *time.Time
}

// AnchorFilter selects anchors. Zero fields do not filter.
type AnchorFilter struct {
	ID      int64 // one anchor, if not 0
	LoanID  string
	Status  AnchorStatus
	Mode    string
	BatchID int64
	// Unbatched selects batch-mode anchors that belong to no batch yet.
	Unbatched bool
	// FromBlock, if not 0, selects anchors in that block or later.
	FromBlock uint64
	Limit     int // 0 means 100; at most 10,000
}

// AnchorProgress is one step of a transaction written onto every anchor it
// carries (see Tx.SetBatchAnchors).
type AnchorProgress struct {
	Status      AnchorStatus
	TxHash      common.Hash
	BlockNumber uint64
	BlockHash   common.Hash
	LogIndex    uint
	LastError   string
	UpdatedAt   time.Time
	FinalAt     *time.Time
}
