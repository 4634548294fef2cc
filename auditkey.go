package ledger

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// Keyed seals. A seal computed with SHA-256 alone can be recomputed by
// anyone who can write the database: edit a row, re-seal it and every row
// after it, move the head, and the chain holds again. From the cut-over on
// (AuditHead.KeyedFrom) every seal is an HMAC-SHA256 under the audit seal
// key (AARTHA_AUDIT_SEAL_KEY), a secret the database does not hold:
//
//	Hash = HMAC-SHA256(key, PrevHash ‖ AuditDigest(row) ‖ id as 8 bytes big-endian)
//
// Rows sealed before the cut-over keep their unkeyed seals and still
// verify. The cut-over point itself is signed with the key
// (AuditKeyMark), so that moving it up to pass re-sealed rows off as old
// unkeyed ones breaks verification too.

// DevAuditSealKey is the seal key of development mode when
// AARTHA_AUDIT_SEAL_KEY is unset: SHA-256 of the text
// "aartha development audit seal key". It is public, so it protects
// nothing; production refuses to start without a key of its own.
func DevAuditSealKey() []byte {
	k := sha256.Sum256([]byte("aartha development audit seal key"))
	return k[:]
}

// AuditKeyedSealHash returns the keyed chained hash of a row sealed after
// the cut-over: HMAC-SHA256(key, prev ‖ digest ‖ id as 8 bytes big-endian).
func AuditKeyedSealHash(key, prev []byte, digest [AuditHashSize]byte, id int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(prev)
	m.Write(digest[:])
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	m.Write(b[:])
	return m.Sum(nil)
}

// AuditKeyMark signs the cut-over to keyed seals: HMAC-SHA256(key,
// "aartha.audit.keyed-from/v1" ‖ keyedFrom as 8 bytes big-endian). The
// head stores it beside KeyedFrom; only a holder of the key can move the
// cut-over.
func AuditKeyMark(key []byte, keyedFrom int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("aartha.audit.keyed-from/v1"))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(keyedFrom))
	m.Write(b[:])
	return m.Sum(nil)
}
