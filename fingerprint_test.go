package ledger_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math/rand"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/gowebpki/jcs"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// goldenVector is one entry of testdata/fingerprints.json: a record and its
// salt, and everything a third party must derive from them.
type goldenVector struct {
	Name       string          `json:"name"`
	Record     json.RawMessage `json:"record"`
	Salt       string          `json:"salt"`
	Canonical  string          `json:"canonical"`
	Commitment string          `json:"commitment"`
	LoanKey    string          `json:"loan_key"`
	Kind       uint8           `json:"kind"`
	Leaf       string          `json:"leaf"`
}

func goldenRecords() []struct {
	name   string
	record ledger.Record
	salt   string
} {
	return []struct {
		name   string
		record ledger.Record
		salt   string
	}{
		{"approved loan with wallet addresses", ledger.LoanRecord{
			Schema: ledger.SchemaLoan, LoanID: "LOAN-2026-0001", Borrower: "cust-10442", Lender: "aartha-capital",
			BorrowerAddress: "0x52908400098527886e0f7030069857d2e4169ee7",
			LenderAddress:   "0xde709f2102306220921060314715629080e2fb77",
			Principal:       "150000000", Currency: "INR", InterestRateBps: 1450, TermMonths: 24,
			ApprovedAt: "2026-03-01T09:30:00Z",
		}, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
		{"approved loan without addresses, zero-decimal currency", ledger.LoanRecord{
			Schema: ledger.SchemaLoan, LoanID: "7f9c2ba4-e88f-4b2b-9d8c-3a1e6f0b5d21", Borrower: "B-1", Lender: "L-1",
			Principal: "5000000", Currency: "JPY", InterestRateBps: 0, TermMonths: 1,
			ApprovedAt: "2026-12-31T23:59:59Z",
		}, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
		{"names that need escaping and non-ASCII text", ledger.LoanRecord{
			Schema: ledger.SchemaLoan, LoanID: "a", Borrower: "Zoë \"Z\" Ñúñez\\back\tslash\u0001", Lender: "श्री लेंडर € 😀",
			Principal: "1", Currency: "KWD", InterestRateBps: 100000, TermMonths: 600,
			ApprovedAt: "2026-01-01T00:00:00Z",
		}, "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"},
		{"repayment", ledger.RepaymentRecord{
			Schema: ledger.SchemaRepayment, LoanID: "LOAN-2026-0001", AmountRepaid: "171750000", Currency: "INR",
			RepaidAt: "2028-03-01T10:00:00Z",
		}, "1111111111111111111111111111111111111111111111111111111111111111"},
	}
}

func hexHash(b []byte) string { return "0x" + hex.EncodeToString(b) }

func computeVector(t *testing.T, name string, rec ledger.Record, saltHex string) goldenVector {
	salt, err := hex.DecodeString(saltHex)
	require.NoError(t, err)
	fp := ledger.NewFingerprint(rec, salt)
	raw, err := json.Marshal(rec)
	require.NoError(t, err)
	return goldenVector{
		Name: name, Record: raw, Salt: "0x" + saltHex, Canonical: string(fp.Canonical),
		Commitment: fp.Commitment.Hex(), LoanKey: fp.LoanKey.Hex(), Kind: uint8(fp.Kind), Leaf: fp.Leaf.Hex(),
	}
}

// TestGoldenVectors pins the fingerprint format: any change to the output is
// a break of docs/fingerprint.md that would orphan every anchor already on chain.
func TestGoldenVectors(t *testing.T) {
	var got []goldenVector
	for _, g := range goldenRecords() {
		got = append(got, computeVector(t, g.name, g.record, g.salt))
	}
	path := "testdata/fingerprints.json"
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, append(b, '\n'), 0o644))
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var want []goldenVector
	require.NoError(t, json.Unmarshal(b, &want))
	require.Equal(t, len(want), len(got))
	for i := range want {
		require.Equal(t, want[i].Canonical, got[i].Canonical, want[i].Name)
		require.Equal(t, want[i].Commitment, got[i].Commitment, want[i].Name)
		require.Equal(t, want[i].LoanKey, got[i].LoanKey, want[i].Name)
		require.Equal(t, want[i].Leaf, got[i].Leaf, want[i].Name)
	}
}

// TestGoldenVectorsFromFirstPrinciples recomputes each committed vector the
// way a third party would: a general RFC 8785 library over the record object,
// then keccak256 by hand, without calling the package under test.
func TestGoldenVectorsFromFirstPrinciples(t *testing.T) {
	b, err := os.ReadFile("testdata/fingerprints.json")
	require.NoError(t, err)
	var vectors []goldenVector
	require.NoError(t, json.Unmarshal(b, &vectors))
	require.NotEmpty(t, vectors)
	for _, v := range vectors {
		canonical, err := jcs.Transform(v.Record)
		require.NoError(t, err)
		require.Equal(t, v.Canonical, string(canonical), v.Name)

		salt, err := hex.DecodeString(strings.TrimPrefix(v.Salt, "0x"))
		require.NoError(t, err)
		require.Len(t, salt, 32)
		require.Equal(t, v.Commitment, hexHash(crypto.Keccak256(append(salt, canonical...))), v.Name)

		var rec struct {
			LoanID string `json:"loan_id"`
		}
		require.NoError(t, json.Unmarshal(v.Record, &rec))
		key := crypto.Keccak256([]byte(rec.LoanID))
		require.Equal(t, v.LoanKey, hexHash(key), v.Name)

		commitment, _ := hex.DecodeString(strings.TrimPrefix(v.Commitment, "0x"))
		encoded := make([]byte, 96) // abi.encode(bytes32, uint8, bytes32)
		copy(encoded[0:32], key)
		encoded[63] = v.Kind
		copy(encoded[64:96], commitment)
		require.Equal(t, v.Leaf, hexHash(crypto.Keccak256(crypto.Keccak256(encoded))), v.Name)
	}
}

// TestJCSLibraryAgainstRFC8785 checks the general canonicaliser used as the
// reference above against the examples published in RFC 8785 §3.2.2–3.2.3.
func TestJCSLibraryAgainstRFC8785(t *testing.T) {
	cases := []struct{ in, want string }{
		{
			`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
			  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
			  "literals": [null, true, false]}`,
			`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			`{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
			  "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
			  "\u00f6": "Latin Small Letter O With Diaeresis"}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\"," +
				"\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
		},
	}
	for _, c := range cases {
		got, err := jcs.Transform([]byte(c.in))
		require.NoError(t, err)
		require.Equal(t, c.want, string(got))
	}
}

func TestParseRecordRoundTrip(t *testing.T) {
	for _, g := range goldenRecords() {
		raw, err := json.Marshal(g.record)
		require.NoError(t, err)
		parsed, err := ledger.ParseRecord(raw)
		require.NoError(t, err)
		require.Equal(t, g.record, parsed)
	}
}

func TestParseRecordRejects(t *testing.T) {
	valid := `"schema":"aartha.repayment/v1","loan_id":"L1","amount_repaid":"10","currency":"USD"`
	cases := map[string]string{
		"not an object":    `[1]`,
		"unknown schema":   `{"schema":"aartha.loan/v9"}`,
		"missing key":      `{` + valid + `}`,
		"extra key":        `{` + valid + `,"repaid_at":"2026-01-01T00:00:00Z","x":"y"}`,
		"duplicate key":    `{` + valid + `,"repaid_at":"2026-01-01T00:00:00Z","loan_id":"L2"}`,
		"wrong type":       `{` + valid + `,"repaid_at":1}`,
		"nested value":     `{` + valid + `,"repaid_at":{"a":1}}`,
		"trailing data":    `{` + valid + `,"repaid_at":"2026-01-01T00:00:00Z"} {}`,
		"key case differs": `{"SCHEMA":"aartha.repayment/v1","loan_id":"L1","amount_repaid":"10","currency":"USD","repaid_at":"x"}`,
	}
	for name, in := range cases {
		_, err := ledger.ParseRecord([]byte(in))
		require.Error(t, err, name)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), name)
	}
}

// FuzzCanonicalMatchesRFC8785 checks the fast record encoder against a
// general RFC 8785 implementation for arbitrary field values.
func FuzzCanonicalMatchesRFC8785(f *testing.F) {
	f.Add("LOAN-1", "borrower", "lender \"q\"", "150000", int64(1450), int64(12), "2026-03-01T09:30:00Z")
	f.Add("x", "\u0000\u001f\u007f\u2028", "ü€😀", "1", int64(0), int64(600), "")
	f.Fuzz(func(t *testing.T, id, borrower, lender, principal string, rate, term int64, at string) {
		for _, s := range []string{id, borrower, lender, principal, at} {
			if !utf8.ValidString(s) {
				t.Skip("records hold valid UTF-8 only")
			}
		}
		rec := ledger.LoanRecord{Schema: ledger.SchemaLoan, LoanID: id, Borrower: borrower, Lender: lender,
			Principal: principal, Currency: "USD", InterestRateBps: rate % (1 << 53), TermMonths: term % (1 << 53), ApprovedAt: at}
		raw, err := json.Marshal(rec)
		require.NoError(t, err)
		want, err := jcs.Transform(raw)
		require.NoError(t, err)
		require.Equal(t, string(want), string(ledger.CanonicalBytes(rec)))
	})
}

// FuzzCanonicalInvariance shows that key order and whitespace never change
// the canonical bytes, and that changing any field always changes the
// commitment.
func FuzzCanonicalInvariance(f *testing.F) {
	f.Add(int64(1), "LOAN-1", "cust-1", "bank", "150000", int64(1450), int64(12))
	f.Add(int64(99), "a-b-c", "Zoë", "श्री", "9", int64(0), int64(1))
	f.Fuzz(func(t *testing.T, seed int64, id, borrower, lender, principal string, rate, term int64) {
		for _, s := range []string{id, borrower, lender, principal} {
			if !utf8.ValidString(s) {
				t.Skip("records hold valid UTF-8 only")
			}
		}
		rate, term = rate%(1<<53), term%(1<<53)
		rec := ledger.LoanRecord{Schema: ledger.SchemaLoan, LoanID: id, Borrower: borrower, Lender: lender,
			Principal: principal, Currency: "EUR", InterestRateBps: rate, TermMonths: term, ApprovedAt: "2026-05-05T05:05:05Z"}
		want := ledger.CanonicalBytes(rec)

		rng := rand.New(rand.NewSource(seed))
		shuffled := shuffledJSON(t, rec, rng)
		parsed, err := ledger.ParseRecord(shuffled)
		require.NoError(t, err, string(shuffled))
		require.Equal(t, string(want), string(ledger.CanonicalBytes(parsed)))

		salt := bytes.Repeat([]byte{7}, ledger.SaltSize)
		base := ledger.NewFingerprint(rec, salt).Commitment
		for _, changed := range mutations(rec) {
			require.NotEqual(t, base, ledger.NewFingerprint(changed, salt).Commitment)
		}
		otherSalt := bytes.Repeat([]byte{8}, ledger.SaltSize)
		require.NotEqual(t, base, ledger.NewFingerprint(rec, otherSalt).Commitment)
	})
}

// shuffledJSON writes rec as a JSON object with its keys in random order and
// random whitespace between tokens.
func shuffledJSON(t *testing.T, rec ledger.LoanRecord, rng *rand.Rand) []byte {
	raw, err := json.Marshal(rec)
	require.NoError(t, err)
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &fields))
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	space := func() string { return []string{"", " ", "\n", "\t", "\r\n  "}[rng.Intn(5)] }
	var b strings.Builder
	b.WriteString(space() + "{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(space() + ",")
		}
		kb, _ := json.Marshal(k)
		b.WriteString(space() + string(kb) + space() + ":" + space() + string(fields[k]) + space())
	}
	b.WriteString("}" + space())
	return []byte(b.String())
}

// mutations returns copies of rec with exactly one field changed.
func mutations(rec ledger.LoanRecord) []ledger.LoanRecord {
	var out []ledger.LoanRecord
	edit := func(f func(r *ledger.LoanRecord)) {
		c := rec
		f(&c)
		out = append(out, c)
	}
	edit(func(r *ledger.LoanRecord) { r.LoanID += "x" })
	edit(func(r *ledger.LoanRecord) { r.Borrower += "x" })
	edit(func(r *ledger.LoanRecord) { r.Lender += "x" })
	edit(func(r *ledger.LoanRecord) { r.BorrowerAddress += "0" })
	edit(func(r *ledger.LoanRecord) { r.LenderAddress += "0" })
	edit(func(r *ledger.LoanRecord) { r.Principal += "0" })
	edit(func(r *ledger.LoanRecord) { r.Currency = "USD" })
	edit(func(r *ledger.LoanRecord) { r.InterestRateBps++ })
	edit(func(r *ledger.LoanRecord) { r.TermMonths++ })
	edit(func(r *ledger.LoanRecord) { r.ApprovedAt = "2026-05-05T05:05:06Z" })
	edit(func(r *ledger.LoanRecord) { r.Schema = "aartha.loan/v2" })
	return out
}

func BenchmarkFingerprint(b *testing.B) {
	rec := ledger.LoanRecord{
		Schema: ledger.SchemaLoan, LoanID: "7f9c2ba4-e88f-4b2b-9d8c-3a1e6f0b5d21", Borrower: "cust-10442", Lender: "aartha-capital",
		BorrowerAddress: "0x52908400098527886e0f7030069857d2e4169ee7", LenderAddress: "0xde709f2102306220921060314715629080e2fb77",
		Principal: "150000000", Currency: "INR", InterestRateBps: 1450, TermMonths: 24, ApprovedAt: "2026-03-01T09:30:00Z",
	}
	salt := bytes.Repeat([]byte{1}, ledger.SaltSize)
	b.ReportAllocs()
	for b.Loop() {
		_ = ledger.NewFingerprint(rec, salt)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
