package http

import (
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
)

// FuzzDecoders feeds arbitrary bodies to the request decoders and the
// validation behind them: they must never panic, and every refusal must be
// an EINVALID error with a message, never an internal error.
func FuzzDecoders(f *testing.F) {
	for _, s := range []string{
		`{"loan_id":"L-1","borrower":"b","lender":"l","principal":"100","currency":"INR","interest_rate_bps":1,"term_months":1}`,
		`{"loan_id":"L-1","principal":150000}`, `{"amount_repaid":"12"}`, `{"reason":"x"}`, `{"email":"a@b.c","password":"p"}`,
		`[]`, `null`, `{"a":`, `{"loan_id":"\u0000"}`, `{} {}`, `{"term_months":1e400}`, `{"schema":"aartha.receipt/v1","salt":"0x00"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(err error) {
			if err != nil && (ledger.ErrorCode(err) != ledger.EINVALID || ledger.ErrorMessage(err) == "") {
				t.Fatalf("decoding %q: want an EINVALID error with a message, got %v", data, err)
			}
		}
		var loan loanRequest
		err := decodeStrict(data, &loan)
		check(err)
		if err == nil {
			n, err := loan.newLoan()
			check(err)
			if err == nil {
				_, err = n.Validate(time.Unix(0, 0))
				check(err)
			}
		}
		check(decodeStrict(data, &repaidRequest{}))
		check(decodeStrict(data, &rejectRequest{}))
		check(decodeStrict(data, &loginRequest{}))
		check(decodeStrict(data, &userRequest{}))
		var rc ledger.Receipt
		if decodeStrict(data, &rc) == nil {
			_, _ = rc.CheckOffline()
		}
	})
}
