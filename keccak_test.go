package ledger

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
)

// The offline check as it was before keccak.go, for the tests below and the
// "scanner" variant of BenchmarkReceiptCheckOfflineParsers: go-ethereum's
// keccak, and ParseRecord listing its fields as interface values.

// newFingerprintGeth is NewFingerprint as it was, on go-ethereum's keccak.
func newFingerprintGeth(r Record, salt []byte) Fingerprint {
	canonical := CanonicalBytes(r)
	k := crypto.NewKeccakState()
	hash := func(out *common.Hash, parts ...[]byte) {
		k.Reset()
		for _, p := range parts {
			_, _ = k.Write(p)
		}
		_, _ = k.Read(out[:])
	}
	fp := Fingerprint{Kind: r.Kind(), Canonical: canonical}
	hash(&fp.LoanKey, []byte(r.ID()))
	hash(&fp.Commitment, salt, canonical)
	var encoded [96]byte
	copy(encoded[:32], fp.LoanKey[:])
	encoded[63] = byte(fp.Kind)
	copy(encoded[64:], fp.Commitment[:])
	var inner common.Hash
	hash(&inner, encoded[:])
	hash(&fp.Leaf, inner[:])
	return fp
}

// processProofGeth is ProcessProof as it was: one go-ethereum sponge per fold.
func processProofGeth(leaf common.Hash, proof []common.Hash) common.Hash {
	k := crypto.NewKeccakState()
	var buf [64]byte
	node := leaf
	for _, p := range proof {
		a, b := node, p
		if bytes.Compare(a[:], b[:]) > 0 {
			a, b = b, a
		}
		copy(buf[:32], a[:])
		copy(buf[32:], b[:])
		k.Reset()
		_, _ = k.Write(buf[:])
		_, _ = k.Read(node[:])
	}
	return node
}

// boxedField is a destination of takeBoxed, as recordField was: an
// interface, so that each listed field was an allocation.
type boxedField interface{ name() string }

type boxedStr struct {
	key string
	dst *string
}

type boxedInt struct {
	key string
	dst *int64
}

func (f boxedStr) name() string { return f.key }
func (f boxedInt) name() string { return f.key }

// parseRecordBoxed is ParseRecord as it was before recordField was a
// struct and the scanner kept one copy of the text.
func parseRecordBoxed(data []byte) (Record, error) {
	fields, err := scanFlatObjectBefore(data)
	if err != nil {
		return nil, err
	}
	schema, _ := fields.str("schema")
	switch schema {
	case SchemaLoan:
		var lr LoanRecord
		err = takeBoxed(fields,
			boxedStr{"schema", &lr.Schema}, boxedStr{"loan_id", &lr.LoanID}, boxedStr{"borrower", &lr.Borrower},
			boxedStr{"lender", &lr.Lender}, boxedStr{"borrower_address", &lr.BorrowerAddress},
			boxedStr{"lender_address", &lr.LenderAddress}, boxedStr{"principal", &lr.Principal},
			boxedStr{"currency", &lr.Currency}, boxedInt{"interest_rate_bps", &lr.InterestRateBps},
			boxedInt{"term_months", &lr.TermMonths}, boxedStr{"approved_at", &lr.ApprovedAt})
		if err != nil {
			return nil, err
		}
		return lr, nil
	case SchemaRepayment:
		var rr RepaymentRecord
		err = takeBoxed(fields,
			boxedStr{"schema", &rr.Schema}, boxedStr{"loan_id", &rr.LoanID}, boxedStr{"amount_repaid", &rr.AmountRepaid},
			boxedStr{"currency", &rr.Currency}, boxedStr{"repaid_at", &rr.RepaidAt})
		if err != nil {
			return nil, err
		}
		return rr, nil
	}
	return nil, Errorf(EINVALID, "record schema %q is unknown: expected %q, %q or %q", truncate(schema, 60), SchemaLoan, SchemaRepayment, SchemaAuditCheckpoint)
}

func takeBoxed(o flatObject, dst ...boxedField) error {
	for _, f := range o {
		known := false
		for _, d := range dst {
			known = known || d.name() == f.key
		}
		if !known {
			return Errorf(EINVALID, "record has unexpected key %q", truncate(f.key, 60))
		}
	}
	if len(o) != len(dst) {
		for _, d := range dst {
			if _, ok := o.index(d.name()); !ok {
				return Errorf(EINVALID, "record lacks key %q", d.name())
			}
		}
	}
	for _, d := range dst {
		i, _ := o.index(d.name())
		v := o[i]
		switch d := d.(type) {
		case boxedStr:
			if v.number {
				return Errorf(EINVALID, "record key %q must be a string", d.key)
			}
			*d.dst = v.text
		case boxedInt:
			if !v.number || !isPlainInteger(v.text) {
				return Errorf(EINVALID, "record key %q must be a plain integer", d.key)
			}
			*d.dst, _ = strconv.ParseInt(v.text, 10, 64)
		}
	}
	return nil
}

// TestKeccakHasherMatchesGoEthereum: the fingerprint, leaf and proof fold
// on x/crypto's sponge give go-ethereum's values, for loan ids shorter and
// longer than the hasher's scratch space, records spanning one to several
// keccak blocks, and proofs of every length up to a 1,000-leaf tree's.
func TestKeccakHasherMatchesGoEthereum(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 18))
	k := newKeccakHasher() // reused across cases: Reset must leave nothing behind
	for i := range 300 {
		salt := make([]byte, SaltSize)
		for j := range salt {
			salt[j] = byte(rng.Uint32())
		}
		id := strings.Repeat("L", i%150) + strconv.Itoa(i)
		var rec Record = LoanRecord{Schema: SchemaLoan, LoanID: id, Borrower: strings.Repeat("अर्थ", i%40), Lender: "l",
			Principal: strconv.Itoa(i), Currency: "INR", InterestRateBps: int64(i), TermMonths: 12, ApprovedAt: "2026-01-01T00:00:00Z"}
		if i%3 == 0 {
			rec = RepaymentRecord{Schema: SchemaRepayment, LoanID: id, AmountRepaid: "5", Currency: "EUR", RepaidAt: "2026-02-01T00:00:00Z"}
		}
		want := newFingerprintGeth(rec, salt)
		require.Equal(t, want, k.fingerprint(rec, salt), "record %d", i)
		require.Equal(t, want, NewFingerprint(rec, salt), "record %d", i)
		require.Equal(t, LoanKey(id), want.LoanKey)
		require.Equal(t, Leaf(want.LoanKey, want.Kind, want.Commitment), want.Leaf)

		proof := make([]common.Hash, i%12)
		for j := range proof {
			for b := range proof[j] {
				proof[j][b] = byte(rng.Uint32())
			}
		}
		root := processProofGeth(want.Leaf, proof)
		require.Equal(t, root, k.processProof(want.Leaf, proof), "proof %d", i)
		require.Equal(t, root, ProcessProof(want.Leaf, proof), "proof %d", i)
	}
	require.Equal(t, fmt.Sprint(crypto.Keccak256Hash(nil, nil)), fmt.Sprint(k.sum(nil, nil)), "keccak256 of nothing")
}

// TestParseRecordUnchangedByFieldStructs: listing the fields as structs
// parses and refuses exactly what the list of interfaces did.
func TestParseRecordUnchangedByFieldStructs(t *testing.T) {
	for _, in := range recordInputs() {
		want, wantErr := parseRecordBoxed([]byte(in))
		got, err := ParseRecord([]byte(in))
		require.Equal(t, want, got, in)
		require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(err), in)
	}
}
