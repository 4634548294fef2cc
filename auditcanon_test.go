package ledger

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var canonSeeds = []string{
	`{"b":1,"a":{"d":[1,2,{"z":null,"y":true}],"c":"x"}}`,
	` { "id" : "loan-1", "principal": 150000, "rate": 12.50, "e": 1e-7, "neg": -0, "big": 123456789012345678901234567890 } `,
	`[]`, `{}`, `[{}, []]`, `"s"`, `null`, `true`, `0`,
	`{"k":"<&> ünï ☃ \u00e9"}`, `{"k":"a\"b"}`, `{"k":"line\nbreak"}`, `{"a":1,"a":2}`,
	`{"k":"` + "\u2028" + `"}`, `{"k":"\xff"}`, `{"a":1} trailing`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1,}`, `[1,]`,
	`{"\u0061":1,"a":2}`, `{"a b":1,"a":2,"A":3,"~":4,"é":5}`,
}

func TestFastCanonicalJSONMatchesReference(t *testing.T) {
	for _, s := range canonSeeds {
		checkCanon(t, []byte(s))
	}
	l, err := (NewLoan{ID: "loan-1", Borrower: "cust-1", Lender: "bank-1", Principal: "150000", Currency: "INR", InterestRateBps: 1250, TermMonths: 12}).Validate(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	doc := snapshot(l)
	got, ok := fastCanonicalJSON(doc)
	require.True(t, ok, "a loan snapshot takes the fast path")
	want, err := slowCanonicalJSON(doc)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func checkCanon(t *testing.T, doc []byte) {
	t.Helper()
	got, ok := fastCanonicalJSON(doc)
	if !ok {
		return // the reference path is taken
	}
	want, err := slowCanonicalJSON(doc)
	require.NoError(t, err, "the fast path accepted %q, which the reference path rejects", doc)
	require.Equal(t, want, got, "for %q", doc)
}

func FuzzFastCanonicalJSON(f *testing.F) {
	for _, s := range canonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) { checkCanon(t, doc) })
}
