package ledger

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Audit checkpoints anchor the audit trail's chain head on the same chain
// as loans (docs/security.md, docs/receipt.md). Checkpoint n is a direct
// record written with the registry's storeLoan (or as a stream item) under
// the reserved id "aartha.audit/<n>": its loan key is keccak256 of that id
// and its commitment keccak256(salt ‖ RFC 8785 of an
// aartha.audit-checkpoint/v1 record naming the last sealed row and the
// head's keyed hash there). The id cannot be a loan's ("/" and "." are not
// allowed in loan ids), and its receipt is an ordinary aartha.receipt/v1
// that `aartha verify` checks like any other.

// SchemaAuditCheckpoint is the record schema of an audit checkpoint.
const SchemaAuditCheckpoint = "aartha.audit-checkpoint/v1"

// auditCheckpointPrefix starts every checkpoint's reserved id.
const auditCheckpointPrefix = "aartha.audit/"

// AuditCheckpointID is checkpoint n's reserved record id, "aartha.audit/<n>".
func AuditCheckpointID(n int64) string { return auditCheckpointPrefix + strconv.FormatInt(n, 10) }

// ParseAuditCheckpointID returns n of "aartha.audit/<n>" (false if id is
// not a checkpoint's).
func ParseAuditCheckpointID(id string) (int64, bool) {
	s, ok := strings.CutPrefix(id, auditCheckpointPrefix)
	if !ok || s == "" || s[0] == '0' || s[0] == '+' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// AuditCheckpointRecord is what a checkpoint fingerprints (schema
// aartha.audit-checkpoint/v1): the trail is sealed up to row LastRow, and
// the head's hash there is Head (0x and 64 lower-case hex digits).
type AuditCheckpointRecord struct {
	Schema       string `json:"schema"`
	CheckpointID string `json:"checkpoint_id"`
	LastRow      int64  `json:"last_row"`
	Head         string `json:"head"`
	TakenAt      string `json:"taken_at"`
}

var _ Record = AuditCheckpointRecord{}

// Kind implements Record: a checkpoint is written as an approval (kind 1).
func (AuditCheckpointRecord) Kind() Kind { return KindApproved }

// ID implements Record.
func (r AuditCheckpointRecord) ID() string { return r.CheckpointID }

// AppendCanonical implements Record (keys in RFC 8785 order).
func (r AuditCheckpointRecord) AppendCanonical(dst []byte) []byte {
	dst = append(dst, `{"checkpoint_id":`...)
	dst = appendCanonicalString(dst, r.CheckpointID)
	dst = append(dst, `,"head":`...)
	dst = appendCanonicalString(dst, r.Head)
	dst = append(dst, `,"last_row":`...)
	dst = strconv.AppendInt(dst, r.LastRow, 10)
	dst = append(dst, `,"schema":`...)
	dst = appendCanonicalString(dst, r.Schema)
	dst = append(dst, `,"taken_at":`...)
	dst = appendCanonicalString(dst, r.TakenAt)
	return append(dst, '}')
}

// check validates a parsed checkpoint record.
func (r AuditCheckpointRecord) check() error {
	if _, ok := ParseAuditCheckpointID(r.CheckpointID); !ok {
		return Errorf(EINVALID, "checkpoint_id %q is not aartha.audit/<n> with n a positive integer", truncate(r.CheckpointID, 60))
	}
	if r.LastRow < 0 {
		return Errorf(EINVALID, "last_row %d is negative", r.LastRow)
	}
	if !lowerHex32(r.Head) {
		return Errorf(EINVALID, "head %q is not 0x and 64 lower-case hex digits", truncate(r.Head, 80))
	}
	if _, err := ParseRecordTime(r.TakenAt); err != nil {
		return err
	}
	return nil
}

// lowerHex32 reports whether s is 0x and 64 lower-case hex digits.
func lowerHex32(s string) bool {
	if len(s) != 66 || s[:2] != "0x" {
		return false
	}
	for _, c := range s[2:] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// AuditCheckpoint is one checkpoint of the audit trail on its way to the
// chain, as the store keeps it.
type AuditCheckpoint struct {
	Seq     int64  // n of "aartha.audit/<n>", gap-free from 1
	LastID  int64  // the last sealed row it covers
	Head    []byte // the head's keyed hash at LastID
	Salt    []byte
	TakenAt time.Time
	Status  AnchorStatus

	Chain       string // CAIP-2 of the chain it was sent to
	Contract    common.Address
	TxHash      common.Hash
	BlockNumber uint64
	BlockHash   common.Hash
	LogIndex    uint
	LastError   string
}

// Record returns the checkpoint's record.
func (c *AuditCheckpoint) Record() AuditCheckpointRecord {
	return AuditCheckpointRecord{
		Schema: SchemaAuditCheckpoint, CheckpointID: AuditCheckpointID(c.Seq), LastRow: c.LastID,
		Head: "0x" + fmt.Sprintf("%x", c.Head), TakenAt: c.TakenAt.UTC().Format(RecordTimeLayout),
	}
}

// Fingerprint returns the checkpoint's loan key and commitment.
func (c *AuditCheckpoint) Fingerprint() Fingerprint { return NewFingerprint(c.Record(), c.Salt) }

// Receipt returns the checkpoint's proof receipt: a direct-mode
// aartha.receipt/v1 the ordinary verifier checks. It is an ECONFLICT error
// before the checkpoint's transaction is mined.
func (c *AuditCheckpoint) Receipt() (*Receipt, error) {
	if c.Status != AnchorIncluded && c.Status != AnchorFinal {
		return nil, Errorf(ECONFLICT, "audit checkpoint %d is not on chain yet: it is %s", c.Seq, c.Status)
	}
	raw, err := json.Marshal(c.Record())
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint record: %w", err)
	}
	fp := c.Fingerprint()
	r := &Receipt{
		Schema: SchemaReceipt, Chain: c.Chain, Contract: c.Contract, Mode: ModeDirect, Kind: KindApproved,
		LoanID: AuditCheckpointID(c.Seq), Record: raw, Salt: c.Salt, Commitment: fp.Commitment, LoanKey: fp.LoanKey,
		TxHash: c.TxHash, BlockNumber: c.BlockNumber, BlockHash: c.BlockHash, LogIndex: c.LogIndex,
	}
	if _, err := r.CheckOffline(); err != nil {
		return nil, fmt.Errorf("receipt of audit checkpoint %d does not check out against its own record: %w", c.Seq, err)
	}
	return r, nil
}
