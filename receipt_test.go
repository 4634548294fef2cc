package ledger_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// batchReceipt anchors n approval records in one tree and returns the
// receipt of the first.
func batchReceipt(t testing.TB, n int) *ledger.Receipt {
	t.Helper()
	salt := bytes.Repeat([]byte{3}, ledger.SaltSize)
	var leaves []common.Hash
	var first ledger.LoanRecord
	for i := 0; i < n; i++ {
		rec := ledger.LoanRecord{Schema: ledger.SchemaLoan, LoanID: fmt.Sprintf("LOAN-%d", i), Borrower: "b", Lender: "l",
			Principal: "1000", Currency: "EUR", InterestRateBps: 500, TermMonths: 12, ApprovedAt: "2026-01-01T00:00:00Z"}
		if i == 0 {
			first = rec
		}
		leaves = append(leaves, ledger.NewFingerprint(rec, salt).Leaf)
	}
	tree, err := ledger.NewMerkleTree(leaves)
	require.NoError(t, err)
	fp := ledger.NewFingerprint(first, salt)
	proof, err := tree.Proof(fp.Leaf)
	require.NoError(t, err)
	raw, err := json.Marshal(first)
	require.NoError(t, err)
	root, seq := tree.Root(), uint64(7)
	return &ledger.Receipt{
		Schema: ledger.SchemaReceipt, Chain: "eip155:1337", Contract: common.HexToAddress("0x1"), Mode: ledger.ModeBatch,
		Kind: ledger.KindApproved, LoanID: first.LoanID, Record: raw, Salt: salt, Commitment: fp.Commitment,
		LoanKey: fp.LoanKey, TxHash: common.Hash{9}, BlockNumber: 5, BlockHash: common.Hash{8},
		Leaf: &fp.Leaf, Root: &root, Proof: proof, BatchSeq: &seq,
	}
}

func TestReceiptCheckOffline(t *testing.T) {
	r := batchReceipt(t, 10)
	_, err := r.CheckOffline()
	require.NoError(t, err)

	// The JSON form round-trips through the strict parser.
	b, err := json.Marshal(r)
	require.NoError(t, err)
	parsed, err := ledger.ParseReceipt(b)
	require.NoError(t, err)
	_, err = parsed.CheckOffline()
	require.NoError(t, err)

	tampered := map[string]func(r *ledger.Receipt){
		"record value": func(r *ledger.Receipt) {
			r.Record = bytes.Replace(r.Record, []byte(`"1000"`), []byte(`"1001"`), 1)
		},
		"salt":       func(r *ledger.Receipt) { r.Salt = bytes.Repeat([]byte{4}, ledger.SaltSize) },
		"short salt": func(r *ledger.Receipt) { r.Salt = r.Salt[:31] },
		"commitment": func(r *ledger.Receipt) { r.Commitment[0] ^= 1 },
		"loan key":   func(r *ledger.Receipt) { r.LoanKey[0] ^= 1 },
		"loan id":    func(r *ledger.Receipt) { r.LoanID = "LOAN-2" },
		"kind":       func(r *ledger.Receipt) { r.Kind = ledger.KindRepaid },
		"root":       func(r *ledger.Receipt) { root := *r.Root; root[0] ^= 1; r.Root = &root },
		"proof":      func(r *ledger.Receipt) { r.Proof[0][0] ^= 1 },
		"mode":       func(r *ledger.Receipt) { r.Mode = "sideways" },
		"schema":     func(r *ledger.Receipt) { r.Schema = "aartha.receipt/v0" },
	}
	for name, tamper := range tampered {
		r := batchReceipt(t, 10)
		tamper(r)
		_, err := r.CheckOffline()
		require.Error(t, err, name)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), name)
	}
}

func TestParseReceiptRejectsUnknownFields(t *testing.T) {
	_, err := ledger.ParseReceipt([]byte(`{"schema":"aartha.receipt/v1","rooot":"0x00"}`))
	require.ErrorContains(t, err, "rooot")
}

// BenchmarkReceiptCheckOffline measures the offline part of receipt
// verification for batch proofs in a tree of 1,000 leaves.
func BenchmarkReceiptCheckOffline(b *testing.B) {
	r := batchReceipt(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.CheckOffline(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proofs/s")
}

func TestReceiptTokenRoundTrip(t *testing.T) {
	r := batchReceipt(t, 10)
	token, err := ledger.ReceiptToken(r)
	require.NoError(t, err)
	require.Regexp(t, `^[A-Za-z0-9_-]+$`, token, "a token is safe in a URL as it is")
	data, err := ledger.ReceiptFromToken(token)
	require.NoError(t, err)
	want, err := json.Marshal(r)
	require.NoError(t, err)
	require.Equal(t, string(want), string(data))

	for token, msg := range map[string]string{
		"not*base64": "not base64url",
		"AAAA":       "does not unpack",
	} {
		_, err := ledger.ReceiptFromToken(token)
		require.ErrorContains(t, err, msg)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err))
	}
	// A small token that unpacks to a flood is refused at the limit.
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(bytes.Repeat([]byte{' '}, 10*ledger.MaxReceiptBytes))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	_, err = ledger.ReceiptFromToken(base64.RawURLEncoding.EncodeToString(buf.Bytes()))
	require.ErrorContains(t, err, "more than")
}
