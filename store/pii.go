package store

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	ledger "github.com/aartha/ledger"
)

// MasterKeySize is the size of the personal-data master key: AES-256.
const MasterKeySize = 32

// sealedPrefix marks a personal value sealed with its loan's data key
// inside an audit row's JSON.
const sealedPrefix = "pii1:"

// erasedValue stands in for a sealed audit value whose data key is gone.
const erasedValue = "(erased)"

// PersonalDataKeys protect personal data at rest (docs/privacy.md): the
// master key wraps each loan's random data key with AES-256-GCM, and a key
// derived from it makes the blind index of borrowers. During a rotation the
// previous master key still opens keys it wrapped.
type PersonalDataKeys struct {
	current  masterKey
	previous *masterKey
}

// masterKey is what one master key derives.
type masterKey struct {
	id       string // names the key in the keyring; a digest, never the key
	wrap     cipher.AEAD
	indexKey []byte
}

// NewPersonalDataKeys derives the wrapping and blind-index keys from a
// 32-byte master key.
func NewPersonalDataKeys(master []byte) (*PersonalDataKeys, error) {
	m, err := newMasterKey(master)
	if err != nil {
		return nil, err
	}
	return &PersonalDataKeys{current: m}, nil
}

// WithPrevious returns keys that also open data keys wrapped by the
// previous master key, for the time of a rotation (see DB.RotateMasterKey).
func (k *PersonalDataKeys) WithPrevious(previous []byte) (*PersonalDataKeys, error) {
	m, err := newMasterKey(previous)
	if err != nil {
		return nil, fmt.Errorf("previous key: %w", err)
	}
	if m.id == k.current.id {
		return nil, ledger.Errorf(ledger.EINVALID, "the previous personal-data master key is the current one")
	}
	return &PersonalDataKeys{current: k.current, previous: &m}, nil
}

// MasterKeyID names the current master key (a digest of it, safe to show).
func (k *PersonalDataKeys) MasterKeyID() string { return k.current.id }

func newMasterKey(master []byte) (masterKey, error) {
	if len(master) != MasterKeySize {
		return masterKey{}, ledger.Errorf(ledger.EINVALID, "the personal-data master key must be %d bytes, not %d", MasterKeySize, len(master))
	}
	wrap, err := newGCM(derive(master, "aartha personal data: wrap data keys v1"))
	if err != nil {
		return masterKey{}, err
	}
	return masterKey{
		id:       hex.EncodeToString(derive(master, "aartha personal data: key id v1")[:8]),
		wrap:     wrap,
		indexKey: derive(master, "aartha personal data: blind index v1"),
	}, nil
}

// SetPersonalDataKeys turns encryption of personal data on for loans created
// from now on (nil turns it off). Loans stored encrypted need the keys to be
// read. Call it before the store is used.
func (db *DB) SetPersonalDataKeys(k *PersonalDataKeys) { db.pii = k }

func derive(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store: personal data cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// BorrowerIndex is the blind index of a borrower reference: HMAC-SHA-256 of
// the trimmed, lower-cased value under the index key, in hex.
func (k *PersonalDataKeys) BorrowerIndex(borrower string) string {
	return k.current.borrowerIndex(borrower)
}

// borrowerIndexes are the blind indexes a borrower may be stored under:
// during a rotation, under either master key.
func (k *PersonalDataKeys) borrowerIndexes(borrower string) []string {
	if k.previous == nil {
		return []string{k.current.borrowerIndex(borrower)}
	}
	return []string{k.current.borrowerIndex(borrower), k.previous.borrowerIndex(borrower)}
}

func (m masterKey) borrowerIndex(borrower string) string {
	h := hmac.New(sha256.New, m.indexKey)
	h.Write([]byte(strings.ToLower(strings.TrimSpace(borrower))))
	return hex.EncodeToString(h.Sum(nil))
}

// newDataKey makes a loan's data key and returns it with its form wrapped
// by the current master key.
func (k *PersonalDataKeys) newDataKey(loanID string) (cipher.AEAD, []byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, fmt.Errorf("store: make data key: %w", err)
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, nil, err
	}
	return aead, seal(k.current.wrap, key, "data key "+loanID), nil
}

// unwrapKey opens a loan's wrapped data key with the master key named
// keyID ("" for a key kept in the loan's row before the keyring, which
// records none: either master key is tried).
func (k *PersonalDataKeys) unwrapKey(loanID, keyID string, wrapped []byte) ([]byte, error) {
	for _, m := range []*masterKey{&k.current, k.previous} {
		if m == nil || (keyID != "" && keyID != m.id) {
			continue
		}
		if key, err := open(m.wrap, wrapped, "data key "+loanID); err == nil {
			return key, nil
		}
	}
	if keyID != "" && keyID != k.current.id && (k.previous == nil || keyID != k.previous.id) {
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "the data key of loan %s is wrapped by master key %s, which is neither AARTHA_PII_MASTER_KEY nor AARTHA_PII_PREVIOUS_MASTER_KEY", loanID, keyID)
	}
	return nil, fmt.Errorf("store: unwrap the data key of loan %s (wrong AARTHA_PII_MASTER_KEY?): message authentication failed", loanID)
}

// unwrap opens a loan's wrapped data key as a cipher.
func (k *PersonalDataKeys) unwrap(loanID, keyID string, wrapped []byte) (cipher.AEAD, error) {
	key, err := k.unwrapKey(loanID, keyID, wrapped)
	if err != nil {
		return nil, err
	}
	return newGCM(key)
}

// seal encrypts plain, bound to context (the loan and field), as nonce ‖
// ciphertext.
func seal(aead cipher.AEAD, plain []byte, context string) []byte {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("store: crypto/rand failed: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return aead.Seal(nonce, nonce, plain, []byte(context))
}

func open(aead cipher.AEAD, sealed []byte, context string) ([]byte, error) {
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("sealed value too short")
	}
	n := aead.NonceSize()
	return aead.Open(nil, sealed[:n], sealed[n:], []byte(context))
}

func fieldContext(loanID, field string) string { return "loan " + loanID + " " + field }

func sealText(aead cipher.AEAD, loanID, field, v string) string {
	if v == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString(seal(aead, []byte(v), fieldContext(loanID, field)))
}

func openText(aead cipher.AEAD, loanID, field, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return "", fmt.Errorf("store: %s of loan %s is not sealed: %w", field, loanID, err)
	}
	p, err := open(aead, b, fieldContext(loanID, field))
	if err != nil {
		return "", fmt.Errorf("store: open %s of loan %s: %w", field, loanID, err)
	}
	return string(p), nil
}

func sealBytes(aead cipher.AEAD, loanID, field string, v []byte) []byte {
	if v == nil || aead == nil {
		return v
	}
	return seal(aead, v, fieldContext(loanID, field))
}

func openBytes(aead cipher.AEAD, loanID, field string, v []byte) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	p, err := open(aead, v, fieldContext(loanID, field))
	if err != nil {
		return nil, fmt.Errorf("store: open %s of loan %s: %w", field, loanID, err)
	}
	return p, nil
}

// openLoan decrypts the personal fields and salts of a loan read with its
// row's data_key and pii_encrypted, and returns the data key (nil for a
// loan in the clear or erased). gone says the keyring has no key for a loan
// not marked erased (a database restored from a backup taken before the
// erasure): its personal fields read "(erased)" and its salts nil.
func (db *DB) openLoan(ctx context.Context, l *ledger.Loan, wrapped []byte, encrypted bool) (aead cipher.AEAD, gone bool, err error) {
	if !encrypted || l.ErasedAt != nil {
		return nil, false, nil
	}
	if aead, gone, err = db.keyOf(ctx, l.ID, wrapped); err != nil || gone {
		for _, v := range []*string{&l.Borrower, &l.Lender, &l.BorrowerAddress, &l.LenderAddress} {
			if *v != "" {
				*v = erasedValue
			}
		}
		l.Salt, l.RepaymentSalt = nil, nil
		return nil, gone, err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"borrower", &l.Borrower}, {"lender", &l.Lender}, {"borrower_address", &l.BorrowerAddress}, {"lender_address", &l.LenderAddress}} {
		if *f.v, err = openText(aead, l.ID, f.name, *f.v); err != nil {
			return nil, false, err
		}
	}
	if l.Salt, err = openBytes(aead, l.ID, "salt", l.Salt); err != nil {
		return nil, false, err
	}
	if l.RepaymentSalt, err = openBytes(aead, l.ID, "repayment_salt", l.RepaymentSalt); err != nil {
		return nil, false, err
	}
	return aead, false, nil
}

// keyOf returns the data key of an encrypted loan not erased: from its row
// (wrapped: a key not yet moved to the keyring, or a store without one) or
// from the keyring. gone says the keyring has none.
func (db *DB) keyOf(ctx context.Context, loanID string, wrapped []byte) (aead cipher.AEAD, gone bool, err error) {
	switch {
	case db.pii == nil:
		return nil, false, ledger.Errorf(ledger.EUNAVAILABLE, "loan %s holds encrypted personal data: set AARTHA_PII_MASTER_KEY to read or change it", loanID)
	case wrapped != nil:
		aead, err = db.pii.unwrap(loanID, "", wrapped)
		return aead, false, err
	case db.keyring == nil:
		return nil, false, ledger.Errorf(ledger.EUNAVAILABLE, "the data key of loan %s is in the keyring, and this store has none attached", loanID)
	}
	if aead, ok := db.keyring.cached(loanID); ok {
		return aead, false, nil
	}
	w, found, err := db.keyring.get(ctx, loanID)
	if err != nil || !found {
		return nil, !found && err == nil, err
	}
	if aead, err = db.pii.unwrap(loanID, w.masterKeyID, w.wrapped); err != nil {
		return nil, false, err
	}
	db.keyring.remember(loanID, aead)
	return aead, false, nil
}

// keyGone is the error of a change to a loan whose key the keyring lacks.
func (db *DB) keyGone(loanID string) error {
	return ledger.Errorf(ledger.ECONFLICT, "the data key of loan %s is not in the %s: the loan was erased after the backup this database was restored from (erase it again with `aartha erase`), or the keyring is the wrong one", loanID, db.keyring)
}

// readKeyColumns reads what a loan's row says of its data key.
func readKeyColumns(row rowScanner) (wrapped []byte, encrypted, erased bool, err error) {
	var at nullTime
	err = row.Scan(&wrapped, &encrypted, &at)
	return wrapped, encrypted, at.valid, err
}

const keyColumnsSQL = "SELECT data_key, pii_encrypted, erased_at FROM loans WHERE id = ?"

// dataKey returns the data key of a loan in this transaction: nil if the
// loan is stored in the clear or erased.
func (t *tx) dataKey(ctx context.Context, loanID string) (cipher.AEAD, error) {
	if aead, ok := t.keys[loanID]; ok {
		return aead, nil
	}
	wrapped, encrypted, erased, err := readKeyColumns(t.queryRow(ctx, t.db.d.rebind(keyColumnsSQL), loanID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ledger.Errorf(ledger.ENOTFOUND, "loan %s not found", loanID)
	case err != nil:
		return nil, t.db.wrap("read the data key of loan "+loanID, err)
	}
	var aead cipher.AEAD
	if encrypted && !erased {
		var gone bool
		if aead, gone, err = t.db.keyOf(ctx, loanID, wrapped); err != nil {
			return nil, err
		}
		if gone {
			return nil, t.db.keyGone(loanID)
		}
	}
	t.remember(loanID, aead)
	return aead, nil
}

func (t *tx) remember(loanID string, aead cipher.AEAD) {
	if t.keys == nil {
		t.keys = map[string]cipher.AEAD{}
	}
	t.keys[loanID] = aead
}

// sealSnapshot replaces the personal fields of a loan's audit snapshot by
// values sealed with the loan's data key, so the audit row keeps no personal
// value in the clear and its digest (over the sealed text) stays valid after
// the key is erased.
//
// It runs inside every loan transaction, so it rewrites only the personal
// values of the top-level object and copies the rest of the document as it
// is, instead of decoding and re-encoding all of it (the audit digest
// re-encodes the documents canonically, so key order does not matter).
// Every member named after a personal field is sealed, duplicates included.
func sealSnapshot(aead cipher.AEAD, loanID string, doc json.RawMessage) (json.RawMessage, error) {
	if aead == nil || len(doc) == 0 {
		return doc, nil
	}
	if !json.Valid(doc) {
		return doc, nil // not JSON, which the database refuses
	}
	i := skipJSONSpace(doc, 0)
	if doc[i] != '{' {
		return doc, nil // not an object: no loan fields to seal
	}
	var out []byte // nil until a value is sealed
	copied := 0    // doc[:copied] is in out
	for i = skipJSONSpace(doc, i+1); doc[i] != '}'; i = skipJSONSpace(doc, i) {
		if doc[i] == ',' {
			i = skipJSONSpace(doc, i+1)
		}
		keyStart := i
		i = skipJSONString(doc, i)
		key := doc[keyStart:i]
		valueStart := skipJSONSpace(doc, skipJSONSpace(doc, i)+1) // past the colon
		i = skipJSONValue(doc, valueStart)
		field, ok := personalField(key)
		if !ok || doc[valueStart] != '"' {
			continue
		}
		v, err := jsonString(doc[valueStart:i])
		if err != nil || v == "" {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(doc)+256)
		}
		out = append(out, doc[copied:valueStart]...)
		out = appendSealedValue(out, aead, []byte(v), fieldContext(loanID, "audit "+field))
		copied = i
	}
	if out == nil {
		return doc, nil
	}
	return append(out, doc[copied:]...), nil
}

// appendSealedValue appends the JSON string "pii1:<base64 of the sealed
// plain>"; base64 needs no JSON escaping.
func appendSealedValue(dst []byte, aead cipher.AEAD, plain []byte, context string) []byte {
	dst = append(dst, '"')
	dst = append(dst, sealedPrefix...)
	dst = base64.StdEncoding.AppendEncode(dst, seal(aead, plain, context))
	return append(dst, '"')
}

// personalField returns the personal field that key, a JSON object key
// with its quotes, names, if it names one.
func personalField(key []byte) (string, bool) {
	name := key[1 : len(key)-1]
	if bytes.IndexByte(name, '\\') >= 0 {
		s, err := jsonString(key)
		if err != nil {
			return "", false
		}
		name = []byte(s)
	}
	for _, f := range ledger.PersonalFields {
		if string(name) == f {
			return f, true
		}
	}
	return "", false
}

// jsonString decodes the JSON string token s (with its quotes) as
// encoding/json does; a plain ASCII token needs no decoder.
func jsonString(s []byte) (string, error) {
	plain := true
	for _, c := range s[1 : len(s)-1] {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(s[1 : len(s)-1]), nil
	}
	var v string
	err := json.Unmarshal(s, &v)
	return v, err
}

// The skip functions walk a document that json.Valid accepted: each
// returns the index just past what starts at doc[i].

func skipJSONSpace(doc []byte, i int) int {
	for i < len(doc) && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\n' || doc[i] == '\r') {
		i++
	}
	return i
}

func skipJSONString(doc []byte, i int) int {
	for i++; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++ // the escaped byte
		case '"':
			return i + 1
		}
	}
	return i
}

func skipJSONValue(doc []byte, i int) int {
	depth := 0
	for i < len(doc) {
		switch doc[i] {
		case '"':
			i = skipJSONString(doc, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of a number or literal
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i // the end of a number or literal
			}
		}
		i++
	}
	return i
}

// openSnapshot reverses sealSnapshot for display; with no key (erased) the
// values read as "(erased)".
func openSnapshot(aead cipher.AEAD, loanID string, doc json.RawMessage) json.RawMessage {
	if len(doc) == 0 || !strings.Contains(string(doc), sealedPrefix) {
		return doc
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(doc, &m) != nil {
		return doc
	}
	for _, f := range ledger.PersonalFields {
		var v string
		if raw, ok := m[f]; !ok || json.Unmarshal(raw, &v) != nil || !strings.HasPrefix(v, sealedPrefix) {
			continue
		}
		plain := erasedValue
		if aead != nil {
			if b, err := base64.StdEncoding.DecodeString(v[len(sealedPrefix):]); err == nil {
				if p, err := open(aead, b, fieldContext(loanID, "audit "+f)); err == nil {
					plain = string(p)
				}
			}
		}
		m[f], _ = json.Marshal(plain)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return doc
	}
	return out
}

// readDataKey returns the data key of a loan outside a transaction (nil if
// in the clear, erased, gone from the keyring or unknown).
func (db *DB) readDataKey(ctx context.Context, loanID string) (cipher.AEAD, error) {
	wrapped, encrypted, erased, err := readKeyColumns(db.r.QueryRowContext(ctx, db.d.rebind(keyColumnsSQL), loanID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!encrypted || erased)) || db.pii == nil {
		return nil, nil
	}
	if err != nil {
		return nil, db.wrap("read the data key of loan "+loanID, err)
	}
	aead, _, err := db.keyOf(ctx, loanID, wrapped)
	return aead, err
}
