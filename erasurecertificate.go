package ledger

import (
	"context"
	"fmt"
	"slices"
)

// ErasureCertificateStatement is what every erasure certificate states
// about our copy once the loan's salts are gone.
const ErasureCertificateStatement = "The personal fields and the record salts of this loan were deleted from our database, " +
	"and its data key with them, so every backup copy of the encrypted fields is unreadable too. " +
	"Our copy can no longer reproduce the loan's records nor recompute their commitments. " +
	"The commitments below remain on chain and in our anchors: a receipt already handed to the borrower " +
	"(the record with its salt) keeps verifying against them."

// ErasureCertificate is the record of one erasure (docs/privacy.md): what
// was erased, when, by whom and why, the loan's commitments that remain on
// chain with their anchors, and the statement that our copy can no longer
// reproduce the records.
type ErasureCertificate struct {
	Erasure
	// Chain is the CAIP-2 id of the chain the commitments are on; empty
	// when the process does not know it (anchoring off).
	Chain string `json:"chain,omitempty"`
	// ErasedFields are the loan fields emptied (PersonalFields).
	ErasedFields []string `json:"erased_fields"`
	// ErasedSalts name the records whose salt was deleted ("approved",
	// "repaid").
	ErasedSalts []string `json:"erased_salts"`
	// Commitments are the loan's anchors, oldest first: what stays.
	Commitments []KeptCommitment `json:"commitments"`
	Statement   string           `json:"statement"`
}

// KeptCommitment is one anchored commitment of an erased loan, with where
// it is on chain as far as the store knows.
type KeptCommitment struct {
	Record      string       `json:"record"` // "approved" or "repaid"
	Mode        string       `json:"mode"`
	Status      AnchorStatus `json:"status"`
	LoanKey     string       `json:"loan_key"`
	Commitment  string       `json:"commitment"`
	Leaf        string       `json:"leaf,omitempty"` // batch mode
	TxHash      string       `json:"tx_hash,omitempty"`
	BlockNumber uint64       `json:"block_number,omitempty"`
	BlockHash   string       `json:"block_hash,omitempty"`
	BatchSeq    *uint64      `json:"batch_seq,omitempty"`
	BatchRoot   string       `json:"batch_root,omitempty"`
}

// ErasureSource is the part of the store an erasure certificate reads;
// the stores of package store satisfy it.
type ErasureSource interface {
	ReceiptSource
	// Erasure returns the recorded erasure of the loan, or ENOTFOUND if
	// it was not erased.
	Erasure(ctx context.Context, loanID string) (*Erasure, error)
}

// ErasureCertificateFor assembles the certificate of an erased loan from
// the store. chain is the CAIP-2 id of the chain, or empty. It returns
// ENOTFOUND if the loan does not exist or was not erased.
func ErasureCertificateFor(ctx context.Context, src ErasureSource, loanID, chain string) (*ErasureCertificate, error) {
	loan, err := src.Loan(ctx, loanID)
	if err != nil {
		return nil, err
	}
	if loan.ErasedAt == nil {
		return nil, Errorf(ENOTFOUND, "loan %s was not erased: there is no erasure certificate", loanID)
	}
	e, err := src.Erasure(ctx, loanID)
	if err != nil {
		return nil, err
	}
	anchors, err := src.Anchors(ctx, AnchorFilter{LoanID: loanID})
	if err != nil {
		return nil, err
	}
	c := &ErasureCertificate{Erasure: *e, Chain: chain, ErasedFields: slices.Clone(PersonalFields), Statement: ErasureCertificateStatement,
		Commitments: []KeptCommitment{}}
	// A record existed, so its salt was deleted, once the loan was
	// approved or repaid; the anchors say so too.
	salts := map[string]bool{}
	if loan.ApprovedAt != nil {
		salts[KindApproved.String()] = true
	}
	if loan.RepaidAt != nil {
		salts[KindRepaid.String()] = true
	}
	for _, a := range anchors {
		salts[a.Kind.String()] = true
		k, err := keptCommitment(ctx, src, a)
		if err != nil {
			return nil, err
		}
		c.Commitments = append(c.Commitments, k)
	}
	c.ErasedSalts = []string{}
	for _, kind := range []Kind{KindApproved, KindRepaid} {
		if salts[kind.String()] {
			c.ErasedSalts = append(c.ErasedSalts, kind.String())
		}
	}
	return c, nil
}

func keptCommitment(ctx context.Context, src ReceiptSource, a *Anchor) (KeptCommitment, error) {
	k := KeptCommitment{Record: a.Kind.String(), Mode: a.Mode, Status: a.Status,
		LoanKey: a.LoanKey.Hex(), Commitment: a.Commitment.Hex()}
	if a.Mode == ModeBatch {
		k.Leaf = a.Leaf.Hex()
	}
	tx, block, blockHash := a.TxHash, a.BlockNumber, a.BlockHash
	if a.Mode == ModeBatch && a.BatchID != 0 {
		b, err := src.Batch(ctx, a.BatchID)
		if err != nil {
			return k, err
		}
		k.BatchRoot = b.Root.Hex()
		if b.Seq != 0 {
			seq := b.Seq
			k.BatchSeq = &seq
		}
		tx, block, blockHash = b.TxHash, b.BlockNumber, b.BlockHash
	}
	if tx != ([32]byte{}) {
		k.TxHash = tx.Hex()
	}
	if block != 0 {
		k.BlockNumber, k.BlockHash = block, blockHash.Hex()
	}
	return k, nil
}

// ErasedLabel is how listings name an erased loan's missing personal data:
// "Personal data erased 2026-05-01".
func ErasedLabel(l *Loan) string {
	if l.ErasedAt == nil {
		return ""
	}
	return "Personal data erased " + l.ErasedAt.UTC().Format("2006-01-02")
}

// Certificate returns the erasure certificate of an erased loan; chain is
// the CAIP-2 id of the chain, or empty. ENOTFOUND if the loan was not
// erased.
func (s *ErasureService) Certificate(ctx context.Context, loanID, chain string) (*ErasureCertificate, error) {
	src, ok := s.Store.(ErasureSource)
	if !ok {
		return nil, Errorf(EINTERNAL, "this store cannot read erasures")
	}
	c, err := ErasureCertificateFor(ctx, src, loanID, chain)
	if err != nil {
		return nil, fmt.Errorf("erasure certificate of loan %s: %w", loanID, err)
	}
	return c, nil
}
