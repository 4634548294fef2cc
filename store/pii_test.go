package store

import (
	"bytes"
	"crypto/cipher"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
)

func testDataKey(t testing.TB) *PersonalDataKeys {
	t.Helper()
	k, err := NewPersonalDataKeys(make([]byte, MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func approvalSnapshot(t testing.TB) json.RawMessage {
	t.Helper()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	l := ledger.Loan{ID: "loan-1", Borrower: "cust-1", Lender: "bank-1", BorrowerAddress: "0x00000000000000000000000000000000000000b1",
		Principal: 150000, Currency: "INR", InterestRateBps: 1250, TermMonths: 12, Status: ledger.LoanApproved,
		CreatedAt: now, UpdatedAt: now, ApprovedAt: &now, BlockchainStatus: ledger.ChainQueued, RepaymentBlockchainStatus: ledger.ChainNotStored}
	doc, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// BenchmarkSealSnapshot measures the sealing of one approval's audit
// snapshot (two personal values set, two empty).
func BenchmarkSealSnapshot(b *testing.B) {
	aead, _, err := testDataKey(b).newDataKey("loan-1")
	if err != nil {
		b.Fatal(err)
	}
	doc := approvalSnapshot(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sealSnapshot(aead, "loan-1", doc); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSealSnapshot checks that sealing rewrites exactly the top-level
// personal values, whatever the document's layout, and that opening gives
// the document back.
func TestSealSnapshot(t *testing.T) {
	aead, _, err := testDataKey(t).newDataKey("loan-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, doc string
		sealed    []string // plain values that must be sealed
		clear     []string // raw text that must stay
	}{
		{"approval snapshot", string(approvalSnapshot(t)), []string{"cust-1", "bank-1", "0x00000000000000000000000000000000000000b1"}, []string{`"lender_address":""`, `"principal":150000`}},
		{"spaced", "{ \"borrower\" :\n \"ann\" ,\t\"n\": 1 }", []string{"ann"}, []string{`"n": 1`}},
		{"escaped key and value", `{"borrow\u0065r":"a\"b\u00e9","lender":"ünï"}`, []string{`a"bé`, "ünï"}, nil},
		{"number last", `{"lender":"bank-1","principal":150000}`, []string{"bank-1"}, []string{`"principal":150000`}},
		{"nested left alone", `{"x":{"borrower":"inner","y":[1,{"z":"]}"}]},"borrower":"outer"}`, []string{"outer"}, []string{`{"borrower":"inner","y":[1,{"z":"]}"}]}`}},
		{"duplicates all sealed", `{"borrower":"first","borrower":"second"}`, []string{"first", "second"}, nil},
		{"not strings", `{"borrower":null,"lender":5,"borrower_address":"","lender_address":{"a":"b"}}`, nil, []string{`"borrower":null`, `"lender":5`, `"borrower_address":""`, `"lender_address":{"a":"b"}`}},
		{"not an object", `["borrower","cust-1"]`, nil, []string{`["borrower","cust-1"]`}},
		{"not JSON", `{"borrower":"cust-1"`, nil, []string{`{"borrower":"cust-1"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := sealSnapshot(aead, "loan-1", json.RawMessage(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.sealed) == 0 && string(out) != tc.doc {
				t.Fatalf("nothing to seal, but the document changed:\n%s\n%s", tc.doc, out)
			}
			for _, v := range tc.sealed {
				plain, _ := json.Marshal(v)
				if bytes.Contains(out, plain) || bytes.Contains(out, []byte(v)) {
					t.Errorf("%q is still in the clear: %s", v, out)
				}
			}
			for _, c := range tc.clear {
				if !bytes.Contains(out, []byte(c)) {
					t.Errorf("%s is gone: %s", c, out)
				}
			}
			if got := strings.Count(string(out), sealedPrefix); got != len(tc.sealed) {
				t.Errorf("%d values sealed, want %d: %s", got, len(tc.sealed), out)
			}
			if !json.Valid([]byte(tc.doc)) {
				return
			}
			var want, got any
			if err := json.Unmarshal([]byte(tc.doc), &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(openSnapshot(aead, "loan-1", out), &got); err != nil {
				t.Fatalf("the sealed document does not open: %v: %s", err, out)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("opened %v, want %v", got, want)
			}
			if _, ok := want.(map[string]any); ok {
				sameAsDecodedAndReencoded(t, aead, out)
			}
		})
	}
}

// TestSealSnapshotNonces checks that sealing the same value twice gives two
// ciphertexts (fresh random nonces), each bound to its field.
func TestSealSnapshotNonces(t *testing.T) {
	aead, _, err := testDataKey(t).newDataKey("loan-1")
	if err != nil {
		t.Fatal(err)
	}
	doc := json.RawMessage(`{"borrower":"same","lender":"same"}`)
	a, _ := sealSnapshot(aead, "loan-1", doc)
	b, _ := sealSnapshot(aead, "loan-1", doc)
	var ma, mb map[string]string
	if err := json.Unmarshal(a, &ma); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mb); err != nil {
		t.Fatal(err)
	}
	if ma["borrower"] == mb["borrower"] || ma["borrower"] == ma["lender"] {
		t.Fatalf("a ciphertext repeats: %s %s", a, b)
	}
	// A value moved to another field does not open.
	swapped, _ := json.Marshal(map[string]string{"borrower": ma["lender"]})
	var opened map[string]string
	if err := json.Unmarshal(openSnapshot(aead, "loan-1", swapped), &opened); err != nil {
		t.Fatal(err)
	}
	if opened["borrower"] != erasedValue {
		t.Fatalf("the lender's sealed value opened as the borrower: %q", opened["borrower"])
	}
}

// sameAsDecodedAndReencoded checks that sealed, re-encoded with sorted keys
// (as rows were sealed before, and as PostgreSQL's JSONB returns them), has
// the same audit digest and opens the same.
func sameAsDecodedAndReencoded(t *testing.T, aead cipher.AEAD, sealed json.RawMessage) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(sealed, &m); err != nil {
		t.Fatal(err)
	}
	sorted, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	entry := func(doc json.RawMessage) *ledger.AuditEntry {
		return &ledger.AuditEntry{At: at, Actor: ledger.Actor{ID: "a"}, Action: ledger.ActionLoanApprove, Entity: "loan", EntityID: "loan-1", After: doc}
	}
	d1, err1 := ledger.AuditDigest(entry(sealed))
	d2, err2 := ledger.AuditDigest(entry(sorted))
	if err1 != nil || err2 != nil || d1 != d2 {
		t.Errorf("the digest depends on key order: %x %v, %x %v", d1, err1, d2, err2)
	}
	var a, b any
	if err := json.Unmarshal(openSnapshot(aead, "loan-1", sealed), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(openSnapshot(aead, "loan-1", sorted), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the re-encoded row opens as %v, not %v", b, a)
	}
}
