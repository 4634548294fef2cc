package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// SchemaReceipt is the schema of proof receipts (docs/receipt.md).
const SchemaReceipt = "aartha.receipt/v1"

// Anchoring modes.
const (
	ModeDirect = "direct" // one storeLoan/markRepaid transaction per record
	ModeBatch  = "batch"  // many records under one Merkle root
)

// Receipt is a proof receipt: everything a borrower or auditor needs to check
// a record against the chain without our database. The JSON form is stable.
type Receipt struct {
	Schema      string          `json:"schema"`
	Chain       string          `json:"chain"`    // CAIP-2, e.g. eip155:137
	Contract    common.Address  `json:"contract"` // the LoanRegistry
	Mode        string          `json:"mode"`     // direct or batch
	Kind        Kind            `json:"kind"`     // 1 approved, 2 repaid
	LoanID      string          `json:"loan_id"`
	Record      json.RawMessage `json:"record"` // a record of docs/fingerprint.md
	Salt        hexutil.Bytes   `json:"salt"`
	Commitment  common.Hash     `json:"commitment"`
	LoanKey     common.Hash     `json:"loan_key"`
	TxHash      common.Hash     `json:"tx_hash"`
	BlockNumber uint64          `json:"block_number"`
	BlockHash   common.Hash     `json:"block_hash"`
	LogIndex    uint            `json:"log_index"`

	// Batch mode only. In JSON a batch receipt always has "proof", an
	// empty array for a batch of one leaf (see MarshalJSON).
	Leaf     *common.Hash  `json:"leaf,omitempty"`
	Root     *common.Hash  `json:"root,omitempty"`
	Proof    []common.Hash `json:"proof,omitempty"`
	BatchSeq *uint64       `json:"batch_seq,omitempty"`
}

// MarshalJSON writes the receipt's stable JSON form (docs/receipt.md): a
// batch receipt carries "proof" even when it is empty (a batch of one
// leaf, whose leaf is its root), as "proof": []; a direct receipt has no
// batch fields at all.
func (r Receipt) MarshalJSON() ([]byte, error) {
	type fields Receipt // the same fields without this method
	out := struct {
		fields
		Proof    *[]common.Hash `json:"proof,omitempty"`     // shadows fields.Proof
		BatchSeq *uint64        `json:"batch_seq,omitempty"` // shadows fields.BatchSeq, to keep it last
	}{fields: fields(r), BatchSeq: r.BatchSeq}
	if r.Mode == ModeBatch {
		proof := r.Proof
		if proof == nil {
			proof = []common.Hash{}
		}
		out.Proof = &proof
	}
	return json.Marshal(out)
}

// CheckOffline verifies everything in the receipt that needs no chain: the
// record parses, its salted commitment, loan key and (in batch mode) leaf are
// the ones stated, and the proof leads from the leaf to the stated root. It
// returns the recomputed fingerprint, or an EINVALID error saying which
// value disagrees. What remains is to find the commitment or root on chain.
func (r *Receipt) CheckOffline() (Fingerprint, error) {
	// One hasher for the fingerprint and the proof fold.
	k := newKeccakHasher()
	return r.checkOffline(ParseRecord, k.fingerprint, k.processProof)
}

// checkOffline is CheckOffline with the record parser, fingerprint and
// proof fold given, so that a benchmark can run it with the ones they
// replaced.
func (r *Receipt) checkOffline(parseRecord func([]byte) (Record, error), fingerprint func(Record, []byte) Fingerprint,
	processProof func(common.Hash, []common.Hash) common.Hash) (Fingerprint, error) {
	if r.Schema != SchemaReceipt {
		return Fingerprint{}, Errorf(EINVALID, "receipt schema %q is not %q", truncate(r.Schema, 60), SchemaReceipt)
	}
	if r.Kind != KindApproved && r.Kind != KindRepaid {
		return Fingerprint{}, Errorf(EINVALID, "receipt kind %d is neither 1 (approved) nor 2 (repaid)", r.Kind)
	}
	if len(r.Salt) != SaltSize {
		return Fingerprint{}, Errorf(EINVALID, "receipt salt has %d bytes, want %d", len(r.Salt), SaltSize)
	}
	record, err := parseRecord(r.Record)
	if err != nil {
		return Fingerprint{}, err
	}
	switch {
	case record.Kind() != r.Kind:
		return Fingerprint{}, Errorf(EINVALID, "receipt kind %d does not match its %s record", r.Kind, record.Kind())
	case record.ID() != r.LoanID:
		return Fingerprint{}, Errorf(EINVALID, "receipt loan_id %q does not match its record's %q", truncate(r.LoanID, 120), truncate(record.ID(), 120))
	}
	fp := fingerprint(record, r.Salt)
	if err := same("commitment", fp.Commitment, r.Commitment); err != nil {
		return fp, err
	}
	if err := same("loan_key", fp.LoanKey, r.LoanKey); err != nil {
		return fp, err
	}
	switch r.Mode {
	case ModeDirect:
		return fp, nil
	case ModeBatch:
		if r.Leaf == nil || r.Root == nil || r.BatchSeq == nil {
			return fp, Errorf(EINVALID, "a batch receipt needs leaf, root and batch_seq")
		}
		if err := same("leaf", fp.Leaf, *r.Leaf); err != nil {
			return fp, err
		}
		if got := processProof(fp.Leaf, r.Proof); got != *r.Root {
			return fp, Errorf(EINVALID, "proof does not lead to the stated root: it gives %s, receipt says %s", got.Hex(), r.Root.Hex())
		}
		return fp, nil
	}
	return fp, Errorf(EINVALID, "receipt mode %q is neither %q nor %q", truncate(r.Mode, 40), ModeDirect, ModeBatch)
}

func same(what string, computed, stated common.Hash) error {
	if computed != stated {
		return Errorf(EINVALID, "%s does not match the record: computed %s, receipt says %s", what, computed.Hex(), stated.Hex())
	}
	return nil
}

// ParseReceipt decodes a receipt strictly: unknown fields are an error, so
// a misspelt field is reported rather than silently ignored.
func ParseReceipt(data []byte) (*Receipt, error) {
	var r Receipt
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, Errorf(EINVALID, "receipt is not valid JSON of schema %s: %v", SchemaReceipt, err)
	}
	if dec.More() {
		return nil, Errorf(EINVALID, "receipt has data after its JSON object")
	}
	return &r, nil
}

// NewReceipt assembles the proof receipt of an anchored record from what the
// database holds: the loan (for the record and its salt), its anchor and, in
// batch mode, the anchor's batch. chain is the CAIP-2 id of the chain and
// contract the registry's address. It is an ECONFLICT error to ask before
// the anchor's transaction has been mined, or after the salt was erased.
func NewReceipt(loan *Loan, a *Anchor, b *Batch, chain string, contract common.Address) (*Receipt, error) {
	if a.Status != AnchorIncluded && a.Status != AnchorFinal {
		return nil, Errorf(ECONFLICT, "the %s record of loan %s is not on chain yet: its anchor is %s", a.Kind, loan.ID, a.Status)
	}
	var (
		record Record
		salt   []byte
		err    error
	)
	switch a.Kind {
	case KindApproved:
		record, err = loan.ApprovalRecord()
		salt = loan.Salt
	case KindRepaid:
		record, err = loan.RepaymentRecord()
		salt = loan.RepaymentSalt
	default:
		err = Errorf(EINTERNAL, "anchor %d has unknown kind %d", a.ID, a.Kind)
	}
	if err != nil {
		return nil, err
	}
	if len(salt) != SaltSize {
		return nil, Errorf(ECONFLICT, "the %s record of loan %s has no salt (erased?): no receipt can prove it", a.Kind, loan.ID)
	}
	raw, err := json.Marshal(record)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	r := &Receipt{
		Schema: SchemaReceipt, Chain: chain, Contract: contract, Mode: a.Mode, Kind: a.Kind, LoanID: loan.ID,
		Record: raw, Salt: salt, Commitment: a.Commitment, LoanKey: a.LoanKey,
		TxHash: a.TxHash, BlockNumber: a.BlockNumber, BlockHash: a.BlockHash, LogIndex: a.LogIndex,
	}
	if a.Mode == ModeBatch {
		if b == nil || b.ID != a.BatchID {
			return nil, Errorf(EINTERNAL, "batch %d of loan %s's anchor is missing", a.BatchID, loan.ID)
		}
		leaf, root, seq := a.Leaf, b.Root, b.Seq
		r.Leaf, r.Root, r.BatchSeq, r.Proof = &leaf, &root, &seq, a.Proof
		if r.Proof == nil {
			r.Proof = []common.Hash{} // a one-leaf batch has an empty proof
		}
	}
	if _, err := r.CheckOffline(); err != nil {
		return nil, fmt.Errorf("receipt of loan %s does not check out against its own record: %w", loan.ID, err)
	}
	return r, nil
}
