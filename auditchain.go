package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"
)

// The audit trail is hash-chained: every row stores the hash of the row
// before it (PrevHash; 32 zero bytes for the first) and its own
//
//	Hash = SHA-256(PrevHash ‖ AuditDigest(row))
//
// so editing or deleting a row breaks the chain at the next row, and
// cutting rows off the end breaks the agreement with the store's chain
// head. Both are found by `aartha audit verify`.

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

// AuditHash returns the chained hash of a row: SHA-256(prev ‖ digest).
func AuditHash(prev []byte, digest [AuditHashSize]byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(digest[:])
	return h.Sum(nil)
}

// canonicalJSON re-encodes a JSON document with sorted object keys, no
// spacing and numbers as written; "" for an empty document.
func canonicalJSON(doc []byte) (string, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return "", nil
	}
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

// AuditChainReport is the outcome of checking the trail.
type AuditChainReport struct {
	Rows   int64       // rows checked against the chain
	Legacy int64       // rows from before the chain existed, not covered
	Head   string      // hex hash of the last row
	Break  *AuditBreak // nil when the chain holds
}

// AuditChainChecker checks rows one by one, in id order.
type AuditChainChecker struct {
	prev   []byte
	lastID int64
	Report AuditChainReport
}

// NewAuditChainChecker starts a check at the first chained row.
func NewAuditChainChecker() *AuditChainChecker {
	return &AuditChainChecker{prev: make([]byte, AuditHashSize)}
}

// Next checks the next row and reports false once the chain is broken.
func (c *AuditChainChecker) Next(e *AuditEntry) bool {
	if c.Report.Break != nil {
		return false
	}
	fail := func(format string, args ...any) bool {
		c.Report.Break = &AuditBreak{ID: e.ID, Reason: fmt.Sprintf(format, args...)}
		return false
	}
	if len(e.Hash) == 0 {
		return fail("row %d has no hash: it was written outside the store or its hash was removed", e.ID)
	}
	if !bytes.Equal(e.PrevHash, c.prev) {
		return fail("row %d does not follow row %d: its prev_hash %x is not the hash %x of the row before it (a row was deleted, inserted or edited)", e.ID, c.lastID, []byte(e.PrevHash), c.prev)
	}
	d, err := AuditDigest(e)
	if err != nil {
		return fail("row %d cannot be read: %v", e.ID, err)
	}
	if want := AuditHash(c.prev, d); !bytes.Equal(want, e.Hash) {
		return fail("row %d was changed after it was written: its content hashes to %x, the row says %x", e.ID, want, []byte(e.Hash))
	}
	c.prev, c.lastID = e.Hash, e.ID
	c.Report.Rows++
	c.Report.Head = fmt.Sprintf("%x", c.prev)
	return true
}

// Finish compares the last row with the store's chain head (its hash and
// id), which catches rows cut off the end of the trail.
func (c *AuditChainChecker) Finish(headHash []byte, headID int64) AuditChainReport {
	if c.Report.Break == nil && (!bytes.Equal(headHash, c.prev) || headID != c.lastID) {
		c.Report.Break = &AuditBreak{Reason: fmt.Sprintf(
			"the chain head says the last row is %d with hash %x, but the trail ends at row %d with hash %x (rows were removed from the end)",
			headID, headHash, c.lastID, c.prev)}
	}
	return c.Report
}
