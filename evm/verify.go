package evm

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	ledger "github.com/aartha/ledger"
)

// VerifyBackend is what checking a receipt against a chain needs.
type VerifyBackend interface {
	RegistryBackend
	ChainID(ctx context.Context) (*big.Int, error)
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

var _ VerifyBackend = (*Client)(nil)

// VerifyReceipt checks a proof receipt against the chain, trusting nothing
// but the record and salt in it: it recomputes the commitment (and leaf and
// root in batch mode) offline, then finds the receipt's transaction in the
// stated block, the registry's event in it carrying that commitment (or
// root), and asks the registry's current state (getLoan; getBatch and the
// contract's own proof check in batch mode). A mismatch is a Verification
// with Verified false and the failing checks. No content of a receipt makes
// it fail: a read the receipt steers that the node refuses or that answers
// nonsense (a contract field naming an address without the registry's code,
// an unknown root, a proof the call rejects) is a failed check with its
// reason. An error means the chain could not be asked (IsConnectionError,
// or ctx ended).
func VerifyReceipt(ctx context.Context, b VerifyBackend, r *ledger.Receipt) (*ledger.Verification, error) {
	v := &ledger.Verification{}
	fp, err := r.CheckOffline()
	if !v.Compare("record matches commitment, loan key and proof", "consistent", okOr(err)) {
		return v.Conclude(), nil
	}
	chainID, err := b.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify receipt: chain id: %w", err)
	}
	if !v.Compare("chain", r.Chain, "eip155:"+chainID.String()) {
		return v.Conclude(), nil
	}
	receipt, err := b.TransactionReceipt(ctx, r.TxHash)
	switch {
	case errors.Is(err, ethereum.NotFound):
		v.Compare("transaction", r.TxHash.Hex(), "not found on chain")
		return v.Conclude(), nil
	case err != nil:
		if err := failedRead(ctx, v, "transaction", r.TxHash.Hex(), err); err != nil {
			return nil, err
		}
		return v.Conclude(), nil
	}
	v.Compare("transaction status", "success", map[bool]string{true: "success", false: "reverted"}[receipt.Status == types.ReceiptStatusSuccessful])
	v.Compare("block hash", r.BlockHash.Hex(), receipt.BlockHash.Hex())
	v.Compare("block number", fmt.Sprint(r.BlockNumber), receipt.BlockNumber.String())

	registry := NewRegistry(b, r.Contract)
	events, err := registry.ReceiptEvents(receipt)
	if err != nil {
		v.Compare("registry events", "events of "+r.Contract.Hex(), "undecodable: "+shortError(err))
		return v.Conclude(), nil
	}
	var found *Event
	for i := range events {
		if events[i].Log.Index == r.LogIndex {
			found = &events[i]
		}
	}
	if found == nil {
		v.Compare("registry event", fmt.Sprintf("log %d of %s", r.LogIndex, r.Contract.Hex()), "absent")
		return v.Conclude(), nil
	}
	switch r.Mode {
	case ledger.ModeDirect:
		if err := verifyDirect(ctx, v, registry, r, fp, found); err != nil {
			return nil, err
		}
	case ledger.ModeBatch:
		if err := verifyBatch(ctx, v, registry, r, fp, found); err != nil {
			return nil, err
		}
	}
	head, err := b.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("verify receipt: head block: %w", err)
	}
	if n := head.Number.Uint64(); n >= r.BlockNumber {
		v.Confirmations = n - r.BlockNumber + 1
	}
	return v.Conclude(), nil
}

func verifyDirect(ctx context.Context, v *ledger.Verification, registry *Registry, r *ledger.Receipt, fp ledger.Fingerprint, ev *Event) error {
	switch {
	case r.Kind == ledger.KindApproved && ev.Kind == EventLoanStored:
		v.Compare("event loan key", fp.LoanKey.Hex(), common.Hash(ev.Stored.LoanKey).Hex())
		v.Compare("event commitment", fp.Commitment.Hex(), common.Hash(ev.Stored.Commitment).Hex())
		onChain, err := registry.GetLoan(ctx, fp.LoanKey)
		if err != nil {
			return failedRead(ctx, v, "registry getLoan commitment", fp.Commitment.Hex(), err)
		}
		v.Compare("registry getLoan commitment", fp.Commitment.Hex(), onChain.Commitment.Hex())
	case r.Kind == ledger.KindRepaid && ev.Kind == EventLoanRepaid:
		v.Compare("event loan key", fp.LoanKey.Hex(), common.Hash(ev.Repaid.LoanKey).Hex())
		v.Compare("event repayment commitment", fp.Commitment.Hex(), common.Hash(ev.Repaid.RepaymentCommitment).Hex())
	default:
		v.Compare("registry event", eventFor(r.Kind), string(ev.Kind))
	}
	return nil
}

func verifyBatch(ctx context.Context, v *ledger.Verification, registry *Registry, r *ledger.Receipt, fp ledger.Fingerprint, ev *Event) error {
	if !v.Compare("registry event", string(EventBatchAnchored), string(ev.Kind)) {
		return nil
	}
	v.Compare("event root", r.Root.Hex(), common.Hash(ev.Batch.Root).Hex())
	v.Compare("event batch sequence", fmt.Sprint(*r.BatchSeq), fmt.Sprint(ev.Batch.Seq))
	batch, err := registry.GetBatch(ctx, *r.Root)
	if err != nil {
		if err := failedRead(ctx, v, "registry getBatch sequence", fmt.Sprint(*r.BatchSeq), err); err != nil {
			return err
		}
	} else {
		v.Compare("registry getBatch sequence", fmt.Sprint(*r.BatchSeq), fmt.Sprint(batch.Seq))
	}
	ok, err := registry.VerifyLeaf(ctx, *r.Root, fp.LoanKey, r.Kind, fp.Commitment, r.Proof)
	if err != nil {
		return failedRead(ctx, v, "registry verifyLeaf", "true", err)
	}
	v.Compare("registry verifyLeaf", "true", fmt.Sprint(ok))
	return nil
}

// failedRead records a read the receipt's content steered (a transaction,
// a registry call at the receipt's contract) that did not give an answer
// as a failed check, and returns nil — unless the chain could not be asked
// at all, which is an error.
func failedRead(ctx context.Context, v *ledger.Verification, name, expected string, err error) error {
	if ctx.Err() != nil || IsConnectionError(err) {
		return fmt.Errorf("verify receipt: %s: %w", name, err)
	}
	v.Compare(name, expected, "could not be read: "+shortError(err))
	return nil
}

// shortError is an error's message, cut for a check's Found field.
func shortError(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

func eventFor(k ledger.Kind) string {
	if k == ledger.KindRepaid {
		return string(EventLoanRepaid)
	}
	return string(EventLoanStored)
}

func okOr(err error) string {
	if err != nil {
		return ledger.ErrorMessage(err)
	}
	return "consistent"
}
