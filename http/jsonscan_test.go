package http

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

func TestDecodeStrictRefuses(t *testing.T) {
	t.Parallel()
	const loan = `"loan_id":"L-1","borrower":"b","lender":"l","currency":"INR","interest_rate_bps":1,"term_months":1`
	for name, c := range map[string]struct{ body, want string }{
		"duplicate key":          {`{` + loan + `,"principal":"100","principal":"999999"}`, `"principal" appears twice`},
		"case-variant key":       {`{` + loan + `,"principal":"100","Principal":"777"}`, `"principal" and "Principal" differ only in case`},
		"case-variant alone":     {`{` + loan + `,"PRINCIPAL":"777"}`, `"PRINCIPAL" is not a field of this request, principal is`},
		"kelvin sign folds to k": {`{` + loan + `,"principal":"1","\u212aey":"1","key":"2"}`, `differ only in case`},
		"NUL in borrower":        {`{"loan_id":"L-1","borrower":"a\u0000b","lender":"l","principal":"1","currency":"INR","interest_rate_bps":1,"term_months":1}`, "borrower holds a NUL character"},
		"raw invalid UTF-8":      {"{\"loan_id\":\"L-1\",\"borrower\":\"a\xc0\xafb\",\"lender\":\"l\",\"principal\":\"1\",\"currency\":\"INR\",\"interest_rate_bps\":1,\"term_months\":1}", "borrower holds bytes that are not UTF-8"},
		"lone high surrogate":    {`{"loan_id":"L-1","borrower":"a\ud800b","lender":"l","principal":"1","currency":"INR","interest_rate_bps":1,"term_months":1}`, "borrower holds a lone UTF-16 surrogate"},
		"lone low surrogate":     {`{"loan_id":"L-1","borrower":"\udc00","lender":"l","principal":"1","currency":"INR","interest_rate_bps":1,"term_months":1}`, "borrower holds a lone UTF-16 surrogate"},
		"reversed pair":          {`{"loan_id":"L-1","borrower":"\udc00\ud800","lender":"l","principal":"1","currency":"INR","interest_rate_bps":1,"term_months":1}`, "lone UTF-16 surrogate"},
		"bidi override":          {`{"loan_id":"L-1","borrower":"abc\u202Efed","lender":"l","principal":"1","currency":"INR","interest_rate_bps":1,"term_months":1}`, "borrower holds the bidirectional formatting character U+202E"},
		"escape in key":          {`{"loan_id":"L-1","borr\u0000ower":"x"}`, "a key of the request body holds a NUL character"},
		"control char":           {`{"loan_id":"L-1","lender":"a\u001bb"}`, "lender holds the control character U+001B"},
	} {
		t.Run(name, func(t *testing.T) {
			var q loanRequest
			err := decodeStrict([]byte(c.body), &q)
			require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), "%v", err)
			require.Contains(t, ledger.ErrorMessage(err), c.want)
		})
	}
}

func TestDecodeStrictNested(t *testing.T) {
	t.Parallel()
	var rc ledger.Receipt
	err := decodeStrict([]byte(`{"schema":"aartha.receipt/v1","record":{"loan_id":"a","loan_id":"b"}}`), &rc)
	require.Contains(t, ledger.ErrorMessage(err), `"record.loan_id" appears twice`)
	err = decodeStrict([]byte(`{"schema":"aartha.receipt/v1","proof":["0x00","\u202e"]}`), &rc)
	require.Contains(t, ledger.ErrorMessage(err), `proof[1] holds the bidirectional formatting character`)
}

func TestDecodeStrictAccepts(t *testing.T) {
	t.Parallel()
	var q loanRequest
	body := `{"loan_id":"L-1","borrower":"Zo\u00eb \ud83d\ude42 \"q\" \\ ","lender":"l\n2","principal":"1","currency":"INR","interest_rate_bps":1,"term_months":1}`
	require.NoError(t, decodeStrict([]byte(body), &q))
	require.Equal(t, "Zoë 🙂 \"q\" \\ ", q.Borrower)
	require.Equal(t, "l\n2", q.Lender)
}

func TestLoneSurrogate(t *testing.T) {
	t.Parallel()
	for lit, want := range map[string]bool{
		`"\ud83d\ude42"`: false, `"\\ud800"`: false, `"\ud800"`: true, `"\ud800\u0041"`: true,
		`"\udfff"`: true, `"x\ud800`: true, `"\u00e9\n"`: false, `"\\\ud800"`: true,
	} {
		require.Equal(t, want, loneSurrogate([]byte(lit)), lit)
	}
}

// FuzzStrictKeys builds a body whose top-level key is repeated, first as
// sent and then in a spelling chosen by the fuzzer: when the two are equal
// under case folding (which is what encoding/json matches with), the body
// must be refused as a duplicate, whatever the values; otherwise it must
// decode or be refused only for the second key being unknown.
func FuzzStrictKeys(f *testing.F) {
	f.Add("principal", "Principal", "100", "999999")
	f.Add("principal", "principal", "1", "2")
	f.Add("reason", "REASON", "a", "b")
	f.Add("reason", "reaſon", "a", "b") // U+017F folds to s
	f.Add("email", "emaiL", "", "x")
	f.Fuzz(func(t *testing.T, key, variant, v1, v2 string) {
		if key == "" {
			return
		}
		body := `{` + quoteJSON(key) + `:` + quoteJSON(v1) + `,` + quoteJSON(variant) + `:` + quoteJSON(v2) + `}`
		var dst map[string]any
		err := decodeStrict([]byte(body), &dst)
		if strings.EqualFold(key, variant) {
			if ledger.ErrorCode(err) != ledger.EINVALID || !(strings.Contains(ledger.ErrorMessage(err), "twice") || strings.Contains(ledger.ErrorMessage(err), "only in case")) {
				// A key that CheckText refuses is refused for that first.
				if ledger.CheckText("k", key) == nil && ledger.CheckText("k", v1) == nil {
					t.Fatalf("%s: want a duplicate-key refusal, got %v", body, err)
				}
			}
			return
		}
		var rq rejectRequest
		err = decodeStrict([]byte(`{"reason":"x",`+quoteJSON(variant)+`:"y"}`), &rq)
		if strings.EqualFold(variant, "reason") && err == nil {
			t.Fatalf("variant %q of reason was accepted", variant)
		}
		if err != nil && ledger.ErrorCode(err) != ledger.EINVALID {
			t.Fatalf("want EINVALID, got %v", err)
		}
		if err == nil && rq.Reason != "x" {
			t.Fatalf("reason changed to %q by key %q", rq.Reason, variant)
		}
	})
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
