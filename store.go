package ledger

import (
	"context"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Store is what the service needs from persistent storage. Implementations
// (package store: SQLite and PostgreSQL) share one conformance suite.
// All methods are safe for concurrent use.
type Store interface {
	// InTx runs fn in one database transaction: it commits if fn returns nil
	// and rolls back otherwise, returning fn's error unchanged.
	InTx(ctx context.Context, fn func(Tx) error) error
	// Loan returns the loan with the given id, or ENOTFOUND.
	Loan(ctx context.Context, id string) (*Loan, error)
	// Loans returns one page of loans matching the filter, newest first.
	Loans(ctx context.Context, f LoanFilter) (LoanPage, error)
	// AuditEntries returns audit rows matching the filter, newest first.
	AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// Anchors returns anchors matching the filter, oldest first.
	Anchors(ctx context.Context, f AnchorFilter) ([]*Anchor, error)
	// Batch returns the batch with the given id, or ENOTFOUND.
	Batch(ctx context.Context, id int64) (*Batch, error)
	// Batches returns batches with the given status (all if empty), newest
	// first, at most limit (0 means 100).
	Batches(ctx context.Context, status BatchStatus, limit int) ([]*Batch, error)
}

// Tx is the part of the store usable inside a transaction.
type Tx interface {
	// LoanForUpdate returns the loan and locks it until the transaction
	// ends, or ENOTFOUND.
	LoanForUpdate(ctx context.Context, id string) (*Loan, error)
	// CreateLoan inserts a new loan, or returns ECONFLICT if its id exists.
	CreateLoan(ctx context.Context, l *Loan) error
	// UpdateLoan writes every mutable field of an existing loan: all but
	// its id, creation time and personal fields (PersonalFields).
	UpdateLoan(ctx context.Context, l *Loan) error
	// AppendAudit inserts an audit row and sets its ID.
	AppendAudit(ctx context.Context, e *AuditEntry) error

	// QueueAnchor inserts a queued anchor and sets its ID; it returns
	// ECONFLICT if the loan already has an anchor of that kind. The store's
	// job hook (if set) enqueues the anchoring job in the same transaction.
	QueueAnchor(ctx context.Context, a *Anchor) error
	// RequeueAnchor puts a failed anchor back in the queue: status queued,
	// out of its batch, attempts and chain fields cleared. The store's job
	// hook (if set) enqueues a new anchoring job in the same transaction. It
	// returns ECONFLICT unless the anchor is failed, ENOTFOUND if it does
	// not exist.
	RequeueAnchor(ctx context.Context, a *Anchor) error
	// ReopenAnchor puts a final direct-mode anchor whose write left the
	// chain back in the queue: status queued, chain fields and final time
	// cleared, LastError set to reason. The store's job hook (if set)
	// enqueues a new anchoring job in the same transaction. It returns
	// ECONFLICT unless the anchor is final, ENOTFOUND if it does not exist.
	ReopenAnchor(ctx context.Context, a *Anchor, reason string) error
	// AnchorsForUpdate returns anchors matching the filter, oldest first,
	// locked until the transaction ends.
	AnchorsForUpdate(ctx context.Context, f AnchorFilter) ([]*Anchor, error)
	// UpdateAnchor writes every mutable field of an existing anchor.
	UpdateAnchor(ctx context.Context, a *Anchor) error
	// CreateBatch inserts a batch and sets its ID; ECONFLICT if its root
	// exists.
	CreateBatch(ctx context.Context, b *Batch) error
	// BatchForUpdate returns the batch, locked, or ENOTFOUND.
	BatchForUpdate(ctx context.Context, id int64) (*Batch, error)
	// UpdateBatch writes every mutable field of an existing batch.
	UpdateBatch(ctx context.Context, b *Batch) error
	// SetBatchAnchors writes p onto every anchor of the batch and mirrors it
	// onto their loans' chain fields, whatever the batch's size, and returns
	// how many anchors it changed.
	SetBatchAnchors(ctx context.Context, batchID int64, p AnchorProgress) (int64, error)
	// AssignBatch puts anchors into a batch with their proofs (proofs[i]
	// belongs to ids[i]); ENOTFOUND unless every id names an anchor.
	AssignBatch(ctx context.Context, batchID int64, ids []int64, proofs [][]common.Hash, now time.Time) error
}

// LoanFilter selects loans. Zero fields do not filter.
type LoanFilter struct {
	Status           LoanStatus
	BlockchainStatus ChainStatus
	IDPrefix         string // search by the start of the loan id
	Borrower         string // search by borrower reference (case and outer spaces ignored when encrypted)
	After            string // cursor: the Next of the previous page
	Limit            int    // 1..500; 0 means 50
}

// LoanPage is one page of loans; Next is empty on the last page.
type LoanPage struct {
	Loans []*Loan
	Next  string
}

// AuditFilter selects audit rows. Zero fields do not filter.
type AuditFilter struct {
	Entity   string
	EntityID string
	ActorID  string
	Action   string
	Since    time.Time
	Until    time.Time
	BeforeID int64 // cursor: rows with a smaller ID
	Limit    int   // 1..1000; 0 means 100
}
