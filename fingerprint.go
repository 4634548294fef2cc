package ledger

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Record schemas (docs/fingerprint.md). A new field means a new schema version.
const (
	SchemaLoan      = "aartha.loan/v1"
	SchemaRepayment = "aartha.repayment/v1"
)

// SaltSize is the length in bytes of the random salt kept per record.
const SaltSize = 32

// RecordTimeLayout is how record timestamps are written: RFC 3339, UTC,
// whole seconds.
const RecordTimeLayout = "2006-01-02T15:04:05Z"

// Kind says which event of a loan a record fingerprints.
type Kind uint8

// The record kinds, as stored on chain.
const (
	KindApproved Kind = 1
	KindRepaid   Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindApproved:
		return "approved"
	case KindRepaid:
		return "repaid"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Record is a fingerprinted record: the approved terms of a loan or its
// repayment.
type Record interface {
	// Kind says which event the record is.
	Kind() Kind
	// ID is the loan id the record belongs to.
	ID() string
	// AppendCanonical appends the record's RFC 8785 canonical JSON to dst.
	AppendCanonical(dst []byte) []byte
}

// LoanRecord is the approved terms of a loan (schema aartha.loan/v1).
type LoanRecord struct {
	Schema          string `json:"schema"`
	LoanID          string `json:"loan_id"`
	Borrower        string `json:"borrower"`
	Lender          string `json:"lender"`
	BorrowerAddress string `json:"borrower_address"`
	LenderAddress   string `json:"lender_address"`
	Principal       string `json:"principal"`
	Currency        string `json:"currency"`
	InterestRateBps int64  `json:"interest_rate_bps"`
	TermMonths      int64  `json:"term_months"`
	ApprovedAt      string `json:"approved_at"`
}

// RepaymentRecord is the repayment of a loan (schema aartha.repayment/v1).
type RepaymentRecord struct {
	Schema       string `json:"schema"`
	LoanID       string `json:"loan_id"`
	AmountRepaid string `json:"amount_repaid"`
	Currency     string `json:"currency"`
	RepaidAt     string `json:"repaid_at"`
}

// Compile-time checks that both record types are Records.
var (
	_ Record = LoanRecord{}
	_ Record = RepaymentRecord{}
)

// Kind implements Record.
func (LoanRecord) Kind() Kind { return KindApproved }

// ID implements Record.
func (r LoanRecord) ID() string { return r.LoanID }

// AppendCanonical implements Record. Keys are written in RFC 8785 order
// (sorted by UTF-16 code units; all keys are ASCII so that is byte order).
func (r LoanRecord) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"approved_at":`...)
	dst = appendCanonicalString(dst, r.ApprovedAt)
	dst = append(dst, `,"borrower":`...)
	dst = appendCanonicalString(dst, r.Borrower)
	dst = append(dst, `,"borrower_address":`...)
	dst = appendCanonicalString(dst, r.BorrowerAddress)
	dst = append(dst, `,"currency":`...)
	dst = appendCanonicalString(dst, r.Currency)
	dst = append(dst, `,"interest_rate_bps":`...)
	dst = strconv.AppendInt(dst, r.InterestRateBps, 10)
	dst = append(dst, `,"lender":`...)
	dst = appendCanonicalString(dst, r.Lender)
	dst = append(dst, `,"lender_address":`...)
	dst = appendCanonicalString(dst, r.LenderAddress)
	dst = append(dst, `,"loan_id":`...)
	dst = appendCanonicalString(dst, r.LoanID)
	dst = append(dst, `,"principal":`...)
	dst = appendCanonicalString(dst, r.Principal)
	dst = append(dst, `,"schema":`...)
	dst = appendCanonicalString(dst, r.Schema)
	dst = append(dst, `,"term_months":`...)
	dst = strconv.AppendInt(dst, r.TermMonths, 10)
	return append(dst, '}')
}

// Kind implements Record.
func (RepaymentRecord) Kind() Kind { return KindRepaid }

// ID implements Record.
func (r RepaymentRecord) ID() string { return r.LoanID }

// AppendCanonical implements Record.
func (r RepaymentRecord) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"amount_repaid":`...)
	dst = appendCanonicalString(dst, r.AmountRepaid)
	dst = append(dst, `,"currency":`...)
	dst = appendCanonicalString(dst, r.Currency)
	dst = append(dst, `,"loan_id":`...)
	dst = appendCanonicalString(dst, r.LoanID)
	dst = append(dst, `,"repaid_at":`...)
	dst = appendCanonicalString(dst, r.RepaidAt)
	dst = append(dst, `,"schema":`...)
	dst = appendCanonicalString(dst, r.Schema)
	return append(dst, '}')
}

// appendCanonicalString writes s as RFC 8785 (ECMAScript JSON.stringify)
// does: quote, backslash and control characters escaped, the short forms
// \b \t \n \f \r where they exist and \u00xx with lower-case hex otherwise;
// every other character as its UTF-8 bytes. s must be valid UTF-8.
func appendCanonicalString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// CanonicalBytes returns the RFC 8785 canonical JSON of a record.
func CanonicalBytes(r Record) []byte { return r.AppendCanonical(make([]byte, 0, 384)) }

// Fingerprint is everything derived from a record and its salt.
type Fingerprint struct {
	Kind       Kind
	LoanKey    common.Hash // keccak256(utf8(loan_id))
	Canonical  []byte      // RFC 8785 bytes of the record
	Commitment common.Hash // keccak256(salt ‖ canonical)
	Leaf       common.Hash // StandardMerkleTree leaf of (loan_key, kind, commitment)
}

// NewFingerprint computes the fingerprint of a record with its salt.
func NewFingerprint(r Record, salt []byte) Fingerprint {
	return newKeccakHasher().fingerprint(r, salt)
}

// LoanKey is the on-chain key of a loan: keccak256 of its id's UTF-8 bytes.
func LoanKey(loanID string) common.Hash { return crypto.Keccak256Hash([]byte(loanID)) }

// Leaf is the OpenZeppelin StandardMerkleTree leaf for the types
// ["bytes32","uint8","bytes32"]: keccak256(keccak256(abi.encode(values))).
// The double hash keeps a leaf from ever being read as an inner node.
func Leaf(loanKey common.Hash, kind Kind, commitment common.Hash) common.Hash {
	var encoded [96]byte
	copy(encoded[:32], loanKey[:])
	encoded[63] = byte(kind)
	copy(encoded[64:], commitment[:])
	inner := crypto.Keccak256(encoded[:])
	return crypto.Keccak256Hash(inner)
}

// NewSalt reads a fresh SaltSize-byte salt from r (crypto/rand.Reader in
// production; injected so tests are deterministic).
func NewSalt(r io.Reader) ([]byte, error) {
	salt := make([]byte, SaltSize)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, fmt.Errorf("read salt: %w", err)
	}
	return salt, nil
}

// ApprovalRecord returns the loan's approval record. It is an EINVALID error
// to ask for it before the loan is approved.
func (l *Loan) ApprovalRecord() (LoanRecord, error) {
	if l.ApprovedAt == nil {
		return LoanRecord{}, Errorf(ECONFLICT, "loan %s has no approval record: it is %s", l.ID, l.Status)
	}
	return LoanRecord{
		Schema:          SchemaLoan,
		LoanID:          l.ID,
		Borrower:        l.Borrower,
		Lender:          l.Lender,
		BorrowerAddress: l.BorrowerAddress,
		LenderAddress:   l.LenderAddress,
		Principal:       FormatMinorUnits(l.Principal),
		Currency:        l.Currency,
		InterestRateBps: l.InterestRateBps,
		TermMonths:      l.TermMonths,
		ApprovedAt:      l.ApprovedAt.UTC().Format(RecordTimeLayout),
	}, nil
}

// RepaymentRecord returns the loan's repayment record, or an ECONFLICT error
// if the loan has not been repaid.
func (l *Loan) RepaymentRecord() (RepaymentRecord, error) {
	if l.RepaidAt == nil {
		return RepaymentRecord{}, Errorf(ECONFLICT, "loan %s has no repayment record: it is %s", l.ID, l.Status)
	}
	return RepaymentRecord{
		Schema:       SchemaRepayment,
		LoanID:       l.ID,
		AmountRepaid: FormatMinorUnits(l.AmountRepaid),
		Currency:     l.Currency,
		RepaidAt:     l.RepaidAt.UTC().Format(RecordTimeLayout),
	}, nil
}

// ParseRecord reads a record object as found in a proof receipt. It is
// strict: exactly the schema's keys, no duplicates, strings where strings
// belong and plain integers where numbers belong, so a record that parses
// has one canonical form. Key order and whitespace do not matter.
func ParseRecord(data []byte) (Record, error) {
	var room [12]flatValue // a loan record has 11 fields
	fields, err := scanFlatObject(data, room[:0])
	if err != nil {
		return nil, err
	}
	schema, _ := fields.str("schema")
	switch schema {
	case SchemaLoan:
		var lr LoanRecord
		err = fields.take(
			strField("schema", &lr.Schema), strField("loan_id", &lr.LoanID), strField("borrower", &lr.Borrower),
			strField("lender", &lr.Lender), strField("borrower_address", &lr.BorrowerAddress),
			strField("lender_address", &lr.LenderAddress), strField("principal", &lr.Principal),
			strField("currency", &lr.Currency), intField("interest_rate_bps", &lr.InterestRateBps),
			intField("term_months", &lr.TermMonths), strField("approved_at", &lr.ApprovedAt))
		if err != nil {
			return nil, err
		}
		return lr, nil
	case SchemaRepayment:
		var rr RepaymentRecord
		err = fields.take(
			strField("schema", &rr.Schema), strField("loan_id", &rr.LoanID), strField("amount_repaid", &rr.AmountRepaid),
			strField("currency", &rr.Currency), strField("repaid_at", &rr.RepaidAt))
		if err != nil {
			return nil, err
		}
		return rr, nil
	case SchemaAuditCheckpoint:
		var cr AuditCheckpointRecord
		err = fields.take(
			strField("schema", &cr.Schema), strField("checkpoint_id", &cr.CheckpointID), intField("last_row", &cr.LastRow),
			strField("head", &cr.Head), strField("taken_at", &cr.TakenAt))
		if err != nil {
			return nil, err
		}
		if err := cr.check(); err != nil {
			return nil, err
		}
		return cr, nil
	}
	return nil, Errorf(EINVALID, "record schema %q is unknown: expected %q, %q or %q", truncate(schema, 60), SchemaLoan, SchemaRepayment, SchemaAuditCheckpoint)
}

// ParseRecordTime reads a record timestamp in RecordTimeLayout.
func ParseRecordTime(s string) (time.Time, error) {
	t, err := time.Parse(RecordTimeLayout, s)
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "time %q is not RFC 3339 UTC with whole seconds, e.g. 2026-01-31T09:30:00Z", truncate(s, 40))
	}
	return t, nil
}
