package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

// The record parser before recordscan.go, on encoding/json's token API:
// the reference the scanner must agree with, and the "before" of
// BenchmarkReceiptCheckOfflineParsers.

var plainInteger = regexp.MustCompile(`^(0|-?[1-9][0-9]{0,14})$`)

// parseRecordDecoder is ParseRecord as it was before recordscan.go: it reads a record object as found in a proof receipt. It is
// strict: exactly the schema's keys, no duplicates, strings where strings
// belong and plain integers where numbers belong, so a record that parses
// has one canonical form. Key order and whitespace do not matter.
func parseRecordDecoder(data []byte) (Record, error) {
	fields, err := readFlatObject(data)
	if err != nil {
		return nil, err
	}
	schema, _ := fields["schema"].(string)
	var r Record
	switch schema {
	case SchemaLoan:
		var lr LoanRecord
		err = takeFields(fields, map[string]any{
			"schema": &lr.Schema, "loan_id": &lr.LoanID, "borrower": &lr.Borrower, "lender": &lr.Lender,
			"borrower_address": &lr.BorrowerAddress, "lender_address": &lr.LenderAddress,
			"principal": &lr.Principal, "currency": &lr.Currency, "interest_rate_bps": &lr.InterestRateBps,
			"term_months": &lr.TermMonths, "approved_at": &lr.ApprovedAt,
		})
		r = lr
	case SchemaRepayment:
		var rr RepaymentRecord
		err = takeFields(fields, map[string]any{
			"schema": &rr.Schema, "loan_id": &rr.LoanID, "amount_repaid": &rr.AmountRepaid,
			"currency": &rr.Currency, "repaid_at": &rr.RepaidAt,
		})
		r = rr
	default:
		return nil, Errorf(EINVALID, "record schema %q is unknown: expected %q or %q", truncate(schema, 60), SchemaLoan, SchemaRepayment)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// readFlatObject decodes a JSON object whose values are strings or numbers,
// rejecting duplicate keys, nesting and trailing data.
func readFlatObject(data []byte) (map[string]any, error) {
	invalid := func(format string, args ...any) error {
		return Errorf(EINVALID, "record is not valid: "+format, args...)
	}
	if !utf8.Valid(data) {
		return nil, invalid("it is not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, invalid("expected a JSON object")
	}
	fields := make(map[string]any)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalid("%v", err)
		}
		key := tok.(string)
		if _, dup := fields[key]; dup {
			return nil, invalid("key %q appears twice", truncate(key, 60))
		}
		val, err := dec.Token()
		if err != nil {
			return nil, invalid("%v", err)
		}
		switch v := val.(type) {
		case string, json.Number:
			fields[key] = v
		default:
			return nil, invalid("%q must be a string or an integer", truncate(key, 60))
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalid("%v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("unexpected data after the object")
	}
	return fields, nil
}

// takeFields moves decoded values into dst, insisting on exactly dst's keys.
func takeFields(fields map[string]any, dst map[string]any) error {
	for key := range fields {
		if _, ok := dst[key]; !ok {
			return Errorf(EINVALID, "record has unexpected key %q", truncate(key, 60))
		}
	}
	for key, target := range dst {
		val, ok := fields[key]
		if !ok {
			return Errorf(EINVALID, "record lacks key %q", key)
		}
		switch t := target.(type) {
		case *string:
			s, ok := val.(string)
			if !ok {
				return Errorf(EINVALID, "record key %q must be a string", key)
			}
			*t = s
		case *int64:
			n, ok := val.(json.Number)
			if !ok || !plainInteger.MatchString(n.String()) {
				return Errorf(EINVALID, "record key %q must be a plain integer", key)
			}
			*t, _ = strconv.ParseInt(n.String(), 10, 64)
		}
	}
	return nil
}

// recordInputs are records and near-records: every kind of strictness the
// parsers enforce.
func recordInputs() []string {
	good := `{"schema":"aartha.loan/v1","loan_id":"L-1","borrower":"Zo\u00eb \"Z\" \ud83d\ude00","lender":"l","borrower_address":"","lender_address":"","principal":"100","currency":"INR","interest_rate_bps":1450,"term_months":24,"approved_at":"2026-01-01T00:00:00Z"}`
	repaid := `{"schema":"aartha.repayment/v1","loan_id":"L-1","amount_repaid":"5","currency":"EUR","repaid_at":"2026-01-01T00:00:00Z"}`
	in := []string{good, repaid, " \n" + good + " \t\r\n", strings.ReplaceAll(good, ",", " , "), strings.ReplaceAll(good, ":", " : ")}
	for _, edit := range [][2]string{
		{`1450`, `1450.0`}, {`1450`, `1.45e3`}, {`1450`, `-0`}, {`1450`, `01450`}, {`1450`, `-1450`}, {`1450`, `"1450"`},
		{`1450`, `1234567890123456`}, {`1450`, `123456789012345`}, {`1450`, `null`}, {`1450`, `true`}, {`1450`, `[1]`}, {`1450`, `{}`},
		{`1450`, `1e`}, {`1450`, `-`}, {`1450`, `1.`}, {`1450`, `.5`}, {`1450`, `+1`}, {`1450`, `0x10`}, {`1450`, `NaN`},
		{`"L-1"`, `"L-1" , "loan_id":"L-2"`}, {`"l"`, `"l\u0000"`}, {`"l"`, "\"l\x01\""}, {`"l"`, `"l\x"`}, {`"l"`, `"\ud800"`},
		{`"l"`, `"\\"`}, {`"l"`, `"\/"`}, {`"l"`, "\"\xff\""}, {`"lender"`, `"lender2"`}, {`,"term_months":24`, ``},
		{`"INR"`, `1`}, {`{"schema"`, `[{"schema"`}, {`Z"}`, `Z"}x`}, {`Z"}`, `Z"}{}`}, {`Z"}`, `Z",}`}, {`Z"}`, `Z"`},
		{`"schema":"aartha.loan/v1"`, `"schema":"aartha.loan/v2"`}, {`"schema":"aartha.loan/v1",`, ``}, {`"l"`, `"l" "x"`},
		{`"lender":"l"`, `"lender":"l","extra":"x"`}, {`"lender"`, `lender`}, {`"lender":`, `"lender"`},
	} {
		in = append(in, strings.Replace(good, edit[0], edit[1], 1))
	}
	return append(in, "", "{}", "[]", "null", `{"schema":1}`, "{\"a\":\"b\"", `{"a":"b"}}`)
}

// TestScanFlatObjectMatchesDecoder: the scanner accepts exactly what the
// decoder accepted, with the same values.
func TestScanFlatObjectMatchesDecoder(t *testing.T) {
	for _, in := range recordInputs() {
		want, wantErr := parseRecordDecoder([]byte(in))
		got, err := ParseRecord([]byte(in))
		require.Equal(t, wantErr == nil, err == nil, "%s\nbefore: %v\nnow: %v", in, wantErr, err)
		require.Equal(t, want, got, in)
		if err != nil {
			require.Equal(t, EINVALID, ErrorCode(err), in)
		}
	}
}

// FuzzScanFlatObject: on any input the scanner and the decoder agree.
func FuzzScanFlatObject(f *testing.F) {
	for _, in := range recordInputs() {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want, wantErr := parseRecordDecoder(in)
		got, err := ParseRecord(in)
		if (wantErr == nil) != (err == nil) {
			t.Fatalf("%q: before %v, now %v", in, wantErr, err)
		}
		if fmt.Sprint(want) != fmt.Sprint(got) {
			t.Fatalf("%q: before %v, now %v", in, want, got)
		}
	})
}

// processProofAlloc is ProcessProof as it was: a new hasher per pair.
func processProofAlloc(leaf common.Hash, proof []common.Hash) common.Hash {
	h := leaf
	for _, p := range proof {
		h = hashPair(h, p)
	}
	return h
}

// TestProcessProofUnchanged: the fold with one hasher gives the roots the
// fold with a hasher per pair gave.
func TestProcessProofUnchanged(t *testing.T) {
	r := benchReceipt(t)
	require.Equal(t, processProofAlloc(*r.Leaf, r.Proof), ProcessProof(*r.Leaf, r.Proof))
	require.Equal(t, *r.Root, ProcessProof(*r.Leaf, r.Proof))
	require.Equal(t, *r.Leaf, ProcessProof(*r.Leaf, nil))
}

// BenchmarkReceiptCheckOfflineParsers runs the offline receipt check of a
// batch receipt in a 1,000-leaf tree three ways side by side in one run:
// "decoder", the first code (the record parsed with encoding/json's
// tokens, a hasher per proof step); "scanner", the code before keccak.go
// (recordscan.go with a field list of interfaces, go-ethereum's keccak, a
// sponge for the fingerprint and one for the fold); and "now", CheckOffline.
// Besides proofs per second of wall time it reports proofs per second of
// the process's CPU time, which a loaded machine disturbs much less.
func BenchmarkReceiptCheckOfflineParsers(b *testing.B) {
	r := benchReceipt(b)
	for _, p := range []struct {
		name  string
		check func() (Fingerprint, error)
	}{
		{"decoder", func() (Fingerprint, error) {
			return r.checkOffline(parseRecordDecoder, newFingerprintGeth, processProofAlloc)
		}},
		{"scanner", func() (Fingerprint, error) {
			return r.checkOffline(parseRecordBoxed, newFingerprintGeth, processProofGeth)
		}},
		{"now", r.CheckOffline},
	} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			cpuBefore, measured := processCPUTime()
			for b.Loop() {
				if _, err := p.check(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proofs/s")
			// Proofs per second of CPU time the process used (GC
			// included): what one core does when it is not shared.
			if cpuAfter, ok := processCPUTime(); measured && ok && cpuAfter > cpuBefore {
				b.ReportMetric(float64(b.N)/(cpuAfter-cpuBefore).Seconds(), "proofs/cpu-s")
			}
		})
	}
}

// benchReceipt is the receipt of receipt_test.go's batchReceipt(1000).
func benchReceipt(b testing.TB) *Receipt {
	salt := bytes.Repeat([]byte{3}, SaltSize)
	var leaves []common.Hash
	var first LoanRecord
	for i := range 1000 {
		rec := LoanRecord{Schema: SchemaLoan, LoanID: fmt.Sprintf("LOAN-%d", i), Borrower: "b", Lender: "l",
			Principal: "1000", Currency: "EUR", InterestRateBps: 500, TermMonths: 12, ApprovedAt: "2026-01-01T00:00:00Z"}
		if i == 0 {
			first = rec
		}
		leaves = append(leaves, NewFingerprint(rec, salt).Leaf)
	}
	tree, err := NewMerkleTree(leaves)
	require.NoError(b, err)
	fp := NewFingerprint(first, salt)
	proof, err := tree.Proof(fp.Leaf)
	require.NoError(b, err)
	raw, err := json.Marshal(first)
	require.NoError(b, err)
	root, seq := tree.Root(), uint64(7)
	return &Receipt{Schema: SchemaReceipt, Chain: "eip155:1337", Contract: common.HexToAddress("0x1"), Mode: ModeBatch,
		Kind: KindApproved, LoanID: first.LoanID, Record: raw, Salt: salt, Commitment: fp.Commitment, LoanKey: fp.LoanKey,
		TxHash: common.Hash{9}, BlockNumber: 5, BlockHash: common.Hash{8}, Leaf: &fp.Leaf, Root: &root, Proof: proof, BatchSeq: &seq}
}
