package ledger

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// The audit trail is hash-chained: every sealed row has the hash of the
// sealed row before it (PrevHash; 32 zero bytes for the first) and its own
//
//	Hash = SHA-256(PrevHash ‖ AuditDigest(row) ‖ id as 8 bytes big-endian)
//
// (AuditSealHash; from the cut-over on an HMAC under the seal key,
// AuditKeyedSealHash in auditkey.go), so editing, deleting or renumbering a sealed row breaks
// the chain at the next row, and cutting rows off the end breaks the
// agreement with the store's chain head. Both are found by
// `aartha audit verify`.
//
// Rows are appended unsealed, inside the transaction of the change they
// record, and a sealer chains them a moment later, in id order, in short
// transactions of its own (see store.AuditSealer); an id the sealer passes
// over is a gap in the chain that the chain itself records, since each hash
// covers the row's id. Rows written by the first chained version (before
// AuditHead.InlineUntil) were chained as they were written, with AuditHash,
// which does not cover the id.

// AuditHashSize is the size of PrevHash and Hash.
const AuditHashSize = sha256.Size

// auditSchema versions the digest's content.
const auditSchema = "aartha.audit/v1"

// AuditTime is how the trail stores a row's time: UTC, whole microseconds
// (the precision of both databases). Stores apply it before hashing.
func AuditTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// AuditDigest returns SHA-256 of the row's content in a canonical form: a
// JSON array of its fields in a fixed order, with the before, after and
// chain documents re-encoded with sorted keys and no spacing, so a
// database that re-orders JSON keys (PostgreSQL's JSONB) reads back the
// same digest. The id is not part of it: the chain fixes the order.
func AuditDigest(e *AuditEntry) ([AuditHashSize]byte, error) {
	before, err := canonicalJSON(e.Before)
	if err != nil {
		return [AuditHashSize]byte{}, fmt.Errorf("audit row %d: before: %w", e.ID, err)
	}
	after, err := canonicalJSON(e.After)
	if err != nil {
		return [AuditHashSize]byte{}, fmt.Errorf("audit row %d: after: %w", e.ID, err)
	}
	var chain string
	if e.Chain != nil {
		b, err := json.Marshal(e.Chain)
		if err != nil {
			return [AuditHashSize]byte{}, fmt.Errorf("audit row %d: chain: %w", e.ID, err)
		}
		if chain, err = canonicalJSON(b); err != nil {
			return [AuditHashSize]byte{}, fmt.Errorf("audit row %d: chain: %w", e.ID, err)
		}
	}
	content, err := json.Marshal([]string{
		auditSchema, AuditTime(e.At).Format("2006-01-02T15:04:05.000000Z"),
		e.Actor.ID, e.Actor.Role, e.Actor.Addr, e.Action, e.Entity, e.EntityID,
		before, after, chain,
	})
	if err != nil {
		return [AuditHashSize]byte{}, fmt.Errorf("audit row %d: %w", e.ID, err)
	}
	return sha256.Sum256(content), nil
}

// AuditHash returns the chained hash of a row chained as it was written
// (rows up to AuditHead.InlineUntil): SHA-256(prev ‖ digest).
func AuditHash(prev []byte, digest [AuditHashSize]byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(digest[:])
	return h.Sum(nil)
}

// AuditSealHash returns the chained hash of a sealed row:
// SHA-256(prev ‖ digest ‖ id as 8 bytes big-endian). Covering the id fixes
// the gaps between sealed rows: ids the sealer passed over cannot be
// filled in, and rows cannot be renumbered, without breaking the chain.
func AuditSealHash(prev []byte, digest [AuditHashSize]byte, id int64) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(digest[:])
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	h.Write(b[:])
	return h.Sum(nil)
}

// canonicalJSON re-encodes a JSON document with sorted object keys, no
// spacing and numbers as written; "" for an empty document.
func canonicalJSON(doc []byte) (string, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return "", nil
	}
	if s, ok := fastCanonicalJSON(doc); ok {
		return s, nil
	}
	return slowCanonicalJSON(doc)
}

// slowCanonicalJSON is canonicalJSON by decoding and re-encoding: the path
// for documents the fast scanner declines, and the reference it is tested
// against.
func slowCanonicalJSON(doc []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(out.Bytes(), []byte("\n"))), nil
}

// AuditBreak is the first place a hash-chained trail does not hold.
type AuditBreak struct {
	ID     int64  // the row where the chain breaks (0: at the chain head)
	Reason string // what does not match
}

// AuditHead is the store's chain head: where sealing has got to.
type AuditHead struct {
	Hash        []byte // hash of the last sealed row (32 zero bytes: none)
	LastID      int64  // id of the last sealed row, or where sealing starts
	LegacyUntil int64  // rows up to this id predate the chain: not covered
	InlineUntil int64  // rows in (LegacyUntil, InlineUntil] were chained as written (AuditHash)
	Skipped     int64  // ids the sealer has passed over (gaps sealed over)
	// Keyed says the trail has been cut over to keyed seals: rows after
	// KeyedFrom are sealed with AuditKeyedSealHash, and KeyedMark is
	// AuditKeyMark(key, KeyedFrom). Before the cut-over every seal is
	// unkeyed.
	Keyed     bool
	KeyedFrom int64
	KeyedMark []byte
}

// maxLateIDs is how many late rows a report lists.
const maxLateIDs = 20

// AuditChainReport is the outcome of checking the trail.
type AuditChainReport struct {
	Rows   int64 // sealed rows checked against the chain
	Legacy int64 // rows from before the chain existed, not covered
	// Unsealed counts the rows after the chain head: appended but not yet
	// sealed. The tail is normally a few seconds of appends; these rows are
	// not protected yet.
	Unsealed int64
	// Skipped counts the ids missing between sealed rows. They were missing
	// when the sealer passed them (transactions that rolled back, or rows
	// deleted before they were sealed), which the chain records: a sealed
	// row deleted later breaks the chain instead.
	Skipped int64
	// Late counts the anomalies: unsealed rows below the chain head, i.e.
	// rows that turned up after the sealer had passed over their id (a
	// transaction that stayed open longer than the sealer's grace period
	// after appending, or a row inserted by hand). They are not covered by
	// the chain. LateIDs lists the first of them.
	Late    int64
	LateIDs []int64
	Head    string      // hex hash of the last sealed row
	Break   *AuditBreak // nil when the chain holds
	// Unkeyed counts the sealed rows from before the cut-over to keyed
	// seals (KeyedFrom); anyone who can write the database could have
	// re-sealed them, so only an anchored checkpoint above them proves them.
	Unkeyed int64
	// Checkpoint is the latest anchored checkpoint the trail was checked
	// against (its head recomputed at its row); nil when none is anchored.
	// Whether the checkpoint itself is on chain is for the caller to check
	// with its receipt.
	Checkpoint *AuditCheckpoint
}

// AuditChainChecker checks rows one by one, in id order, from the first
// row after head.LegacyUntil.
type AuditChainChecker struct {
	head   AuditHead
	key    []byte
	cp     *AuditCheckpoint
	cpSeen bool
	prev   []byte
	lastID int64 // the last sealed row checked (or LegacyUntil)
	Report AuditChainReport
}

// NewAuditChainChecker starts a check against the store's chain head, with
// the audit seal key and the latest anchored checkpoint (nil: none). A
// head whose cut-over mark the key does not sign is a break at once.
func NewAuditChainChecker(head AuditHead, key []byte, checkpoint *AuditCheckpoint) *AuditChainChecker {
	c := &AuditChainChecker{head: head, key: key, cp: checkpoint, prev: make([]byte, AuditHashSize), lastID: head.LegacyUntil}
	c.Report.Checkpoint = checkpoint
	if head.Keyed && !hmac.Equal(head.KeyedMark, AuditKeyMark(key, head.KeyedFrom)) {
		c.Report.Break = &AuditBreak{Reason: fmt.Sprintf(
			"the chain head's cut-over to keyed seals (after row %d) is not signed by this seal key: the head was edited, or AARTHA_AUDIT_SEAL_KEY is not the key the trail was sealed with", head.KeyedFrom)}
	}
	if checkpoint != nil && checkpoint.LastID > head.LastID {
		c.Report.Break = &AuditBreak{Reason: fmt.Sprintf(
			"anchored checkpoint %d covers the trail up to row %d, but the chain head is at row %d: the head was rewound and rows were cut off below an anchored checkpoint",
			checkpoint.Seq, checkpoint.LastID, head.LastID)}
	}
	return c
}

// Next checks the next row and reports false once the chain is broken.
// PrevHash and Hash of e are its seal (empty while it is unsealed).
func (c *AuditChainChecker) Next(e *AuditEntry) bool {
	if c.Report.Break != nil {
		return false
	}
	fail := func(format string, args ...any) bool {
		c.Report.Break = &AuditBreak{ID: e.ID, Reason: fmt.Sprintf(format, args...)}
		return false
	}
	if e.ID > c.head.LastID {
		if len(e.Hash) > 0 || len(e.PrevHash) > 0 {
			return fail("row %d is sealed but lies after the chain head (row %d): the head was moved back or the seal was written outside the store", e.ID, c.head.LastID)
		}
		c.Report.Unsealed++
		return true
	}
	if len(e.Hash) == 0 {
		if len(e.PrevHash) > 0 {
			return fail("row %d has no hash: it was written outside the store or its hash was removed", e.ID)
		}
		c.Report.Late++
		if len(c.Report.LateIDs) < maxLateIDs {
			c.Report.LateIDs = append(c.Report.LateIDs, e.ID)
		}
		return true
	}
	if !bytes.Equal(e.PrevHash, c.prev) {
		return fail("row %d does not follow row %d: its prev_hash %x is not the hash %x of the row before it (a row was deleted, inserted or edited)", e.ID, c.lastID, []byte(e.PrevHash), c.prev)
	}
	d, err := AuditDigest(e)
	if err != nil {
		return fail("row %d cannot be read: %v", e.ID, err)
	}
	if c.cp != nil && !c.cpSeen && e.ID > c.cp.LastID && c.cp.LastID > c.lastID {
		return fail("anchored checkpoint %d covers row %d, which is gone from the trail (the next sealed row is %d): rows were cut below an anchored checkpoint", c.cp.Seq, c.cp.LastID, e.ID)
	}
	keyed := c.head.Keyed && e.ID > c.head.KeyedFrom
	var want []byte
	switch {
	case e.ID <= c.head.InlineUntil:
		want = AuditHash(c.prev, d)
	case keyed:
		want = AuditKeyedSealHash(c.key, c.prev, d, e.ID)
	default:
		want = AuditSealHash(c.prev, d, e.ID)
	}
	if e.ID > c.head.InlineUntil {
		c.Report.Skipped += e.ID - max(c.lastID, c.head.InlineUntil) - 1
	}
	if !bytes.Equal(want, e.Hash) {
		if keyed && bytes.Equal(AuditSealHash(c.prev, d, e.ID), e.Hash) {
			return fail("row %d was sealed without the seal key (an unkeyed seal after the cut-over to keyed seals at row %d): it was re-sealed by someone who does not hold AARTHA_AUDIT_SEAL_KEY", e.ID, c.head.KeyedFrom)
		}
		return fail("row %d was changed after it was written: its content hashes to %x, the row says %x", e.ID, want, []byte(e.Hash))
	}
	c.prev, c.lastID = e.Hash, e.ID
	c.Report.Rows++
	if !keyed && e.ID > c.head.InlineUntil {
		c.Report.Unkeyed++
	}
	c.Report.Head = fmt.Sprintf("%x", c.prev)
	if c.cp != nil && e.ID == c.cp.LastID {
		c.cpSeen = true
		if !bytes.Equal(e.Hash, c.cp.Head) {
			return fail("the trail at row %d hashes to %x, but anchored checkpoint %d says %x: rows up to it were rewritten", e.ID, []byte(e.Hash), c.cp.Seq, c.cp.Head)
		}
	}
	return true
}

// Finish compares the last sealed row with the store's chain head (its
// hash, id and count of skipped ids), which catches rows cut off the end
// of the trail.
func (c *AuditChainChecker) Finish() AuditChainReport {
	h := c.head
	switch {
	case c.Report.Break != nil:
	case !bytes.Equal(h.Hash, c.prev) || h.LastID != c.lastID:
		c.Report.Break = &AuditBreak{Reason: fmt.Sprintf(
			"the chain head says the last sealed row is %d with hash %x, but the trail ends at row %d with hash %x (rows were removed from the end)",
			h.LastID, h.Hash, c.lastID, c.prev)}
	case c.cp != nil && !c.cpSeen && c.cp.LastID > c.head.LegacyUntil:
		c.Report.Break = &AuditBreak{Reason: fmt.Sprintf(
			"anchored checkpoint %d covers the trail up to row %d, but the trail ends at row %d: rows were cut off below an anchored checkpoint",
			c.cp.Seq, c.cp.LastID, c.lastID)}
	case h.Skipped != c.Report.Skipped:
		c.Report.Break = &AuditBreak{Reason: fmt.Sprintf(
			"the chain head says the sealer passed over %d ids, but the chain has %d gaps' worth (the head was edited)",
			h.Skipped, c.Report.Skipped)}
	}
	return c.Report
}
