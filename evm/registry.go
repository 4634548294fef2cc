package evm

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/contracts"
)

// RegistryBackend is what reading a LoanRegistry needs from a chain.
// *Client and the simulated backend's client satisfy it.
type RegistryBackend interface {
	bind.ContractCaller
	ethereum.LogFilterer
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
}

var _ RegistryBackend = (*Client)(nil)

// abiRegistry packs and unpacks LoanRegistry calls; it is stateless and safe
// for concurrent use.
var abiRegistry = contracts.NewLoanRegistry()

// StoreLoanData returns the calldata of storeLoan(loanKey, commitment,
// borrower, lender). Zero addresses stand for "none".
func StoreLoanData(loanKey, commitment common.Hash, borrower, lender common.Address) []byte {
	return abiRegistry.PackStoreLoan(loanKey, commitment, borrower, lender)
}

// MarkRepaidData returns the calldata of markRepaid(loanKey,
// repaymentCommitment).
func MarkRepaidData(loanKey, repaymentCommitment common.Hash) []byte {
	return abiRegistry.PackMarkRepaid(loanKey, repaymentCommitment)
}

// AnchorBatchData returns the calldata of anchorBatch(root, leafCount).
func AnchorBatchData(root common.Hash, leafCount uint32) []byte {
	return abiRegistry.PackAnchorBatch(root, leafCount)
}

// Loan is a directly anchored loan as the registry holds it.
type Loan struct {
	LoanKey    common.Hash
	Commitment common.Hash
	Borrower   common.Address // zero if the record has none
	Lender     common.Address // zero if the record has none
	StoredAt   time.Time      // block time of storeLoan, UTC
	RepaidAt   time.Time      // block time of markRepaid; zero if not repaid
}

// Batch is an anchored Merkle root.
type Batch struct {
	Root        common.Hash
	Seq         uint64
	AnchoredAt  time.Time // block time of anchorBatch, UTC
	BlockNumber uint64
	LeafCount   uint32
}

// Registry reads a deployed LoanRegistry. Reads go to the latest block. A
// Registry is safe for concurrent use if its backend is.
type Registry struct {
	backend  RegistryBackend
	addr     common.Address
	contract *bind.BoundContract
}

// NewRegistry returns a reader for the registry at addr. It does not touch
// the chain; CheckCode does.
func NewRegistry(backend RegistryBackend, addr common.Address) *Registry {
	return &Registry{
		backend:  backend,
		addr:     addr,
		contract: bind.NewBoundContract(addr, abiRegistry.GetABI(), backend, nil, backend),
	}
}

// Address is the registry's address.
func (r *Registry) Address() common.Address { return r.addr }

// CheckCode returns an error wrapping ErrNoCode if no contract lives at the
// registry's address, and otherwise checks that it answers as a
// LoanRegistry (its VERSION view).
func (r *Registry) CheckCode(ctx context.Context) error {
	code, err := r.backend.CodeAt(ctx, r.addr, nil)
	if err != nil {
		return fmt.Errorf("registry %s: read code: %w", r.addr, err)
	}
	if len(code) == 0 {
		return fmt.Errorf("registry %s: %w", r.addr, ErrNoCode)
	}
	if _, err := call(ctx, r, "read version", abiRegistry.PackVERSION(), abiRegistry.UnpackVERSION); err != nil {
		return fmt.Errorf("registry %s: not a LoanRegistry: %w", r.addr, err)
	}
	return nil
}

// call runs a view and turns the registry's "unknown" reverts into ENOTFOUND
// errors.
func call[T any](ctx context.Context, r *Registry, what string, data []byte, unpack func([]byte) (T, error)) (T, error) {
	v, err := bind.Call(r.contract, &bind.CallOpts{Context: ctx}, data, unpack)
	if err != nil {
		if rev, ok := contracts.AsRevert(err); ok {
			switch rev.Name {
			case "LoanNotFound", "UnknownBatch", "UnknownBatchSeq":
				return v, fmt.Errorf("%s: %w: %w", what, ledger.Errorf(ledger.ENOTFOUND, "%s", FormatRevert(rev)), err)
			}
		}
		return v, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// GetLoan returns a directly anchored loan. A key never stored is an
// ENOTFOUND ledger error (wrapped); loans anchored in a batch are not visible
// here (use VerifyLeaf).
func (r *Registry) GetLoan(ctx context.Context, loanKey common.Hash) (Loan, error) {
	out, err := call(ctx, r, "get loan "+loanKey.Hex(), abiRegistry.PackGetLoan(loanKey), abiRegistry.UnpackGetLoan)
	if err != nil {
		return Loan{}, err
	}
	l := Loan{
		LoanKey:    loanKey,
		Commitment: out.Commitment,
		Borrower:   out.Borrower,
		Lender:     out.Lender,
		StoredAt:   time.Unix(int64(out.StoredAt), 0).UTC(),
	}
	if out.RepaidAt != 0 {
		l.RepaidAt = time.Unix(int64(out.RepaidAt), 0).UTC()
	}
	return l, nil
}

// GetBatch returns the batch anchored with root; an unknown root is an
// ENOTFOUND ledger error (wrapped).
func (r *Registry) GetBatch(ctx context.Context, root common.Hash) (Batch, error) {
	out, err := call(ctx, r, "get batch "+root.Hex(), abiRegistry.PackGetBatch(root), abiRegistry.UnpackGetBatch)
	if err != nil {
		return Batch{}, err
	}
	return Batch{Root: root, Seq: out.Seq, AnchoredAt: time.Unix(int64(out.AnchoredAt), 0).UTC(), BlockNumber: out.BlockNumber, LeafCount: out.LeafCount}, nil
}

// BatchBySeq returns the batch with sequence number seq (1-based); a
// number not yet used is an ENOTFOUND ledger error (wrapped).
func (r *Registry) BatchBySeq(ctx context.Context, seq uint64) (Batch, error) {
	out, err := call(ctx, r, fmt.Sprintf("get batch #%d", seq), abiRegistry.PackBatchBySeq(seq), abiRegistry.UnpackBatchBySeq)
	if err != nil {
		return Batch{}, err
	}
	return Batch{Root: out.Root, Seq: seq, AnchoredAt: time.Unix(int64(out.AnchoredAt), 0).UTC(), BlockNumber: out.BlockNumber, LeafCount: out.LeafCount}, nil
}

// BatchCount returns how many batches have been anchored.
func (r *Registry) BatchCount(ctx context.Context) (uint64, error) {
	return call(ctx, r, "count batches", abiRegistry.PackBatchCount(), abiRegistry.UnpackBatchCount)
}

// VerifyLeaf reports whether proof leads from the leaf of (loanKey, kind,
// commitment) to root, which must be anchored (an unknown root is an
// ENOTFOUND ledger error, wrapped).
func (r *Registry) VerifyLeaf(ctx context.Context, root, loanKey common.Hash, kind ledger.Kind, commitment common.Hash, proof []common.Hash) (bool, error) {
	p := make([][32]byte, len(proof))
	for i, h := range proof {
		p[i] = h
	}
	return call(ctx, r, "verify leaf", abiRegistry.PackVerifyLeaf(root, loanKey, uint8(kind), commitment, p), abiRegistry.UnpackVerifyLeaf)
}

// HasRole reports whether account holds role (e.g. AnchorerRole).
func (r *Registry) HasRole(ctx context.Context, role common.Hash, account common.Address) (bool, error) {
	return call(ctx, r, "check role", abiRegistry.PackHasRole(role, account), abiRegistry.UnpackHasRole)
}

// AnchorerRole is keccak256("ANCHORER_ROLE"), the role allowed to write.
var AnchorerRole = common.BytesToHash(crypto256("ANCHORER_ROLE"))

// EventKind names a registry event.
type EventKind string

// The registry's write events.
const (
	EventLoanStored    EventKind = "LoanStored"
	EventLoanRepaid    EventKind = "LoanRepaid"
	EventBatchAnchored EventKind = "BatchAnchored"
)

// Event is one registry write event with the log that carries it. Exactly
// the field matching Kind is set.
type Event struct {
	Kind   EventKind
	Stored *contracts.LoanRegistryLoanStored
	Repaid *contracts.LoanRegistryLoanRepaid
	Batch  *contracts.LoanRegistryBatchAnchored
	Log    types.Log
}

// EventQuery selects registry events.
type EventQuery struct {
	// From and To are inclusive block numbers; To 0 means the latest block.
	From, To uint64
	// LoanKey, if set, keeps LoanStored and LoanRepaid events of that loan
	// (and drops batch events, which are not per loan).
	LoanKey *common.Hash
	// Root, if set, keeps the BatchAnchored event of that root only.
	Root *common.Hash
	// Step is the most blocks asked for in one eth_getLogs call (providers
	// limit ranges); default 5000.
	Step uint64
}

// Events returns the registry's LoanStored, LoanRepaid and BatchAnchored
// events in chain order, scanning in steps of q.Step blocks. Removed
// (reorged) logs are skipped. Logs from other events (roles, pausing) are
// ignored.
func (r *Registry) Events(ctx context.Context, q EventQuery) ([]Event, error) {
	if q.Step == 0 {
		q.Step = 5000
	}
	to := q.To
	if to == 0 {
		h, err := r.backend.HeaderByNumber(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("scan registry events: %w", err)
		}
		to = h.Number.Uint64()
	}
	abi := abiRegistry.GetABI()
	stored, repaid, batch := abi.Events["LoanStored"].ID, abi.Events["LoanRepaid"].ID, abi.Events["BatchAnchored"].ID
	topics := [][]common.Hash{{stored, repaid, batch}}
	switch {
	case q.LoanKey != nil:
		topics = [][]common.Hash{{stored, repaid}, {*q.LoanKey}}
	case q.Root != nil:
		topics = [][]common.Hash{{batch}, {*q.Root}}
	}
	var events []Event
	for start := q.From; start <= to; start += q.Step {
		end := min(start+q.Step-1, to)
		logs, err := r.backend.FilterLogs(ctx, ethereum.FilterQuery{
			FromBlock: new(big.Int).SetUint64(start),
			ToBlock:   new(big.Int).SetUint64(end),
			Addresses: []common.Address{r.addr},
			Topics:    topics,
		})
		if err != nil {
			return nil, fmt.Errorf("scan registry events in blocks %d-%d: %w", start, end, err)
		}
		for i := range logs {
			if logs[i].Removed {
				continue
			}
			ev, err := decodeEvent(logs[i])
			if err != nil {
				return nil, fmt.Errorf("scan registry events: block %d log %d: %w", logs[i].BlockNumber, logs[i].Index, err)
			}
			events = append(events, ev)
		}
		if end == to {
			break
		}
	}
	return events, nil
}

// decodeEvent decodes one registry log. A log of another event is an error
// wrapping bind.ErrEventSignatureMismatch.
func decodeEvent(l types.Log) (Event, error) {
	ev := Event{Log: l}
	var err error
	switch {
	case len(l.Topics) == 0:
		return ev, bind.ErrNoEventSignature
	case l.Topics[0] == abiRegistry.GetABI().Events["LoanStored"].ID:
		ev.Kind = EventLoanStored
		ev.Stored, err = abiRegistry.UnpackLoanStoredEvent(&ev.Log)
	case l.Topics[0] == abiRegistry.GetABI().Events["LoanRepaid"].ID:
		ev.Kind = EventLoanRepaid
		ev.Repaid, err = abiRegistry.UnpackLoanRepaidEvent(&ev.Log)
	case l.Topics[0] == abiRegistry.GetABI().Events["BatchAnchored"].ID:
		ev.Kind = EventBatchAnchored
		ev.Batch, err = abiRegistry.UnpackBatchAnchoredEvent(&ev.Log)
	default:
		return ev, bind.ErrEventSignatureMismatch
	}
	return ev, err
}

// ReceiptEvents decodes the registry events in a transaction receipt, which
// is how a caller learns e.g. the batch sequence number and log index of an
// anchorBatch it sent. Logs of other contracts are skipped.
func (r *Registry) ReceiptEvents(receipt *types.Receipt) ([]Event, error) {
	var events []Event
	for _, l := range receipt.Logs {
		if l.Address != r.addr {
			continue
		}
		ev, err := decodeEvent(*l)
		if errors.Is(err, bind.ErrEventSignatureMismatch) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("decode registry log %d: %w", l.Index, err)
		}
		events = append(events, ev)
	}
	return events, nil
}
