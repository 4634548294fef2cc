package txmgr

import (
	"context"
	"errors"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Phase is where one logical send is: queued → submitted → included →
// final, or failed.
type Phase string

// The phases of a send. Queued, submitted and included are unfinished;
// final and failed are terminal and never change again.
const (
	// PhaseQueued: recorded, no transaction broadcast yet (it may have a
	// nonce and even a signed attempt recorded but not yet broadcast).
	PhaseQueued Phase = "queued"
	// PhaseSubmitted: a signed transaction was broadcast and is not in a
	// canonical block (again, after a reorg).
	PhaseSubmitted Phase = "submitted"
	// PhaseIncluded: one attempt is in a canonical block, not yet deep enough.
	PhaseIncluded Phase = "included"
	// PhaseFinal: included and at least Policy.Confirmations deep (or at or
	// below the chain's finalized block).
	PhaseFinal Phase = "final"
	// PhaseFailed: given up, with the reason in Record.Reason. A send that
	// reverted is failed and never retried.
	PhaseFailed Phase = "failed"
)

// Done reports whether p is terminal (final or failed).
func (p Phase) Done() bool { return p == PhaseFinal || p == PhaseFailed }

// Attempt is one signed transaction of a send. All attempts of a send share
// its nonce; a later attempt replaces an earlier one with higher fees (or,
// if Cancel, fills the nonce with a no-op when the send itself must fail
// after its nonce was assigned).
type Attempt struct {
	Hash      common.Hash
	Raw       []byte   // the signed transaction, types.Transaction.MarshalBinary
	TipCap    *big.Int // max priority fee per gas, wei
	FeeCap    *big.Int // max fee per gas, wei
	GasLimit  uint64
	Cancel    bool      // a 0-value transfer to self, not the request
	SentAt    time.Time // when it was signed and recorded
	SentBlock uint64    // chain head number when it was signed
}

// Inclusion is where a send's transaction was mined and what it cost.
type Inclusion struct {
	TxHash            common.Hash
	BlockNumber       uint64
	BlockHash         common.Hash
	GasUsed           uint64
	EffectiveGasPrice *big.Int // wei per gas actually paid
}

// Record is the durable state of one logical send.
type Record struct {
	// Key is the caller's idempotency key, e.g. "anchor:42" or "batch:7":
	// one key, at most one transaction nonce, ever.
	Key  string
	From common.Address // the signer
	To   common.Address
	Data []byte
	// GasLimit is the gas limit the caller asked for; 0 means estimate.
	GasLimit uint64
	// Nonce is meaningful only if HasNonce.
	Nonce    uint64
	HasNonce bool
	// Attempts are the signed transactions, oldest first.
	Attempts []Attempt
	Phase    Phase
	// Inclusion is set in PhaseIncluded and PhaseFinal (and in PhaseFailed
	// if the transaction was mined and reverted).
	Inclusion *Inclusion
	// Reason is why the send failed, or in unfinished phases the last
	// transient problem (e.g. "network fee above BLOCKCHAIN_MAX_GAS_PRICE").
	Reason string
	// Tries counts failed tries before the nonce was assigned; at
	// Policy.MaxRetries the send fails.
	Tries     int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Status is the part of a Record that Journal.Update replaces.
type Status struct {
	Phase     Phase
	Inclusion *Inclusion
	Reason    string
	Tries     int
}

// ErrNotFound is wrapped by Journal.Get and the others when no send has
// the key.
var ErrNotFound = errors.New("no send with this key")

// Journal is the durable memory of the transaction manager. Its contract is
// what keeps anchoring idempotent across crashes, so implementations (the
// SQL one in package store, MemJournal here) must keep it exactly:
//
//   - Every method is durable when it returns nil: the manager broadcasts a
//     transaction only after AddAttempt has returned, so that a crash
//     between broadcasting and any later bookkeeping finds the signed
//     transaction on restart and rebroadcasts it (same hash) instead of
//     signing a different one.
//   - Create is idempotent by key: for an existing key it returns the stored
//     record and created=false and changes nothing (even if rec differs; the
//     manager checks that). Two concurrent Creates of one key must yield one
//     record (a unique key constraint is enough).
//   - AssignNonce is atomic and idempotent: if the send already has a nonce
//     it returns that nonce and changes nothing; otherwise, in one
//     transaction, it reads the signer's next nonce n (0 if the signer is
//     new), takes nonce = max(n, floor), stores it on the send and sets the
//     signer's next nonce to nonce+1. No two sends of one signer may ever get
//     the same nonce (row lock or serialisable transaction on the signer's
//     counter). Nonces handed out are never taken back.
//   - AddAttempt appends an attempt; adding an attempt whose Hash is already
//     recorded for the key is a no-op. Attempts are returned oldest first.
//   - Update replaces Phase, Inclusion, Reason and Tries and sets UpdatedAt;
//     it does not touch nonce or attempts. Once a record is final or failed,
//     Update of it is rejected with an error (terminal phases never change).
//   - Get and Unfinished return records with their attempts. Unfinished
//     returns the signer's records in queued, submitted or included phase,
//     ordered by nonce (records without a nonce last, by creation).
//   - Reopen is the one way back from a terminal phase, for a final send
//     whose transaction left the chain: it sets phase submitted, clears the
//     inclusion and sets Reason, keeping nonce and attempts. Reopening an
//     unfinished send changes nothing; a failed send cannot be reopened
//     (an error).
//   - ByNonce returns the signer's send holding a nonce; NextNonce is the
//     signer's next nonce (what AssignNonce would start from; 0 if new).
//   - Methods for an unknown key return an error wrapping ErrNotFound.
//   - Raw transactions are signed data, not secrets; the key never reaches
//     the journal.
//
// Only one process may send for a signer at a time (nonces are one sequence
// per key): the caller holds a lock for the signer (e.g. River leader
// election or a PostgreSQL advisory lock) while a Manager runs. Within one
// process a Manager is safe for concurrent Sends.
type Journal interface {
	Create(ctx context.Context, rec Record) (stored Record, created bool, err error)
	Get(ctx context.Context, key string) (Record, error)
	AssignNonce(ctx context.Context, key string, floor uint64) (uint64, error)
	AddAttempt(ctx context.Context, key string, a Attempt) error
	Update(ctx context.Context, key string, st Status) error
	Unfinished(ctx context.Context, from common.Address) ([]Record, error)
	Reopen(ctx context.Context, key, reason string) error
	ByNonce(ctx context.Context, from common.Address, nonce uint64) (Record, error)
	NextNonce(ctx context.Context, from common.Address) (uint64, error)
}
