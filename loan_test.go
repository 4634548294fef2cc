package ledger_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

var t0 = time.Date(2026, 3, 1, 9, 30, 0, 500, time.UTC)

func validNewLoan() ledger.NewLoan {
	return ledger.NewLoan{
		ID: "LOAN-1", Borrower: "cust-1", Lender: "aartha-capital",
		BorrowerAddress: "0x52908400098527886E0F7030069857D2E4169EE7", // EIP-55 checksummed
		Principal:       "150000", Currency: "USD", InterestRateBps: 1250, TermMonths: 12,
	}
}

func TestNewLoanValidate(t *testing.T) {
	loan, err := validNewLoan().Validate(t0)
	require.NoError(t, err)
	require.Equal(t, ledger.LoanSubmitted, loan.Status)
	require.Equal(t, int64(150000), loan.Principal)
	require.Equal(t, "0x52908400098527886e0f7030069857d2e4169ee7", loan.BorrowerAddress, "stored lower case")
	require.Equal(t, ledger.ChainNotStored, loan.BlockchainStatus)
	require.Equal(t, t0.Truncate(time.Second), loan.CreatedAt)
}

func TestNewLoanValidateRejects(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(n *ledger.NewLoan)
		mention string // what the message must name
	}{
		{"empty id", func(n *ledger.NewLoan) { n.ID = "" }, "loan_id"},
		{"id with space", func(n *ledger.NewLoan) { n.ID = "LOAN 1" }, "A-Z, a-z, 0-9 and '-'"},
		{"id with slash", func(n *ledger.NewLoan) { n.ID = "../etc" }, "loan_id"},
		{"id too long", func(n *ledger.NewLoan) { n.ID = strings.Repeat("a", 101) }, "1-100"},
		{"no borrower", func(n *ledger.NewLoan) { n.Borrower = "" }, "borrower is required"},
		{"lender with control char", func(n *ledger.NewLoan) { n.Lender = "bank\x00" }, "lender contains a control character"},
		{"padded lender", func(n *ledger.NewLoan) { n.Lender = " bank" }, "spaces"},
		{"short address", func(n *ledger.NewLoan) { n.LenderAddress = "0x1234" }, "lender_address"},
		{"bad checksum", func(n *ledger.NewLoan) { n.BorrowerAddress = "0x52908400098527886E0F7030069857D2E4169Ee7" }, "checksum"},
		{"float principal", func(n *ledger.NewLoan) { n.Principal = "1500.00" }, "principal"},
		{"negative principal", func(n *ledger.NewLoan) { n.Principal = "-5" }, "principal"},
		{"zero principal", func(n *ledger.NewLoan) { n.Principal = "0" }, "positive"},
		{"leading zero principal", func(n *ledger.NewLoan) { n.Principal = "0150" }, "leading zeros"},
		{"huge principal", func(n *ledger.NewLoan) { n.Principal = "9999999999999999999" }, "18 digits"},
		{"fake currency", func(n *ledger.NewLoan) { n.Currency = "ABC" }, "ISO 4217"},
		{"lower-case currency", func(n *ledger.NewLoan) { n.Currency = "usd" }, "ISO 4217"},
		{"withdrawn currency", func(n *ledger.NewLoan) { n.Currency = "HRK" }, "ISO 4217"},
		{"negative rate", func(n *ledger.NewLoan) { n.InterestRateBps = -1 }, "interest_rate_bps"},
		{"absurd rate", func(n *ledger.NewLoan) { n.InterestRateBps = 100_001 }, "interest_rate_bps"},
		{"zero term", func(n *ledger.NewLoan) { n.TermMonths = 0 }, "term_months"},
		{"long term", func(n *ledger.NewLoan) { n.TermMonths = 601 }, "term_months"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := validNewLoan()
			c.edit(&n)
			_, err := n.Validate(t0)
			require.Error(t, err)
			require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err))
			require.Contains(t, ledger.ErrorMessage(err), c.mention)
		})
	}
}

func TestLifecycleTransitions(t *testing.T) {
	salt := bytes.Repeat([]byte{1}, ledger.SaltSize)
	type step func(l *ledger.Loan) error
	approve := func(l *ledger.Loan) error { return l.Approve(t0, salt) }
	reject := func(l *ledger.Loan) error { return l.Reject(t0, "income not verified") }
	repay := func(l *ledger.Loan) error { return l.MarkRepaid(t0, "160000", salt) }
	deflt := func(l *ledger.Loan) error { return l.MarkDefaulted(t0, "90 days overdue") }

	cases := []struct {
		name    string
		path    []step
		final   ledger.LoanStatus
		illegal step
		message string
	}{
		{"approve twice", []step{approve}, ledger.LoanApproved, approve, "cannot approve loan LOAN-1: it is approved, and only submitted loans can be approved"},
		{"reject approved", []step{approve}, ledger.LoanApproved, reject, "cannot reject loan LOAN-1: it is approved"},
		{"repay submitted", nil, ledger.LoanSubmitted, repay, "cannot mark repaid loan LOAN-1: it is submitted, and only approved loans can be marked repaid"},
		{"repay rejected", []step{reject}, ledger.LoanRejected, repay, "it is rejected"},
		{"repay twice", []step{approve, repay}, ledger.LoanRepaid, repay, "it is repaid"},
		{"default repaid", []step{approve, repay}, ledger.LoanRepaid, deflt, "cannot mark defaulted"},
		{"approve defaulted", []step{approve, deflt}, ledger.LoanDefaulted, approve, "it is defaulted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loan, err := validNewLoan().Validate(t0)
			require.NoError(t, err)
			for _, s := range c.path {
				require.NoError(t, s(loan))
			}
			require.Equal(t, c.final, loan.Status)
			before := *loan
			err = c.illegal(loan)
			require.Equal(t, ledger.ECONFLICT, ledger.ErrorCode(err))
			require.Contains(t, ledger.ErrorMessage(err), c.message)
			require.Equal(t, before, *loan, "a refused transition changes nothing")
		})
	}
}

func TestRecordsFollowLifecycle(t *testing.T) {
	loan, err := validNewLoan().Validate(t0)
	require.NoError(t, err)
	_, err = loan.ApprovalRecord()
	require.Equal(t, ledger.ECONFLICT, ledger.ErrorCode(err))

	require.NoError(t, loan.Approve(t0, bytes.Repeat([]byte{1}, ledger.SaltSize)))
	rec, err := loan.ApprovalRecord()
	require.NoError(t, err)
	require.Equal(t, "2026-03-01T09:30:00Z", rec.ApprovedAt)
	require.Equal(t, "150000", rec.Principal)
	require.Equal(t, ledger.SchemaLoan, rec.Schema)

	require.Error(t, loan.MarkRepaid(t0, "1.5", bytes.Repeat([]byte{2}, ledger.SaltSize)))
	require.Equal(t, ledger.LoanApproved, loan.Status, "bad amount leaves the loan approved")
	require.NoError(t, loan.MarkRepaid(t0.Add(time.Hour), "160000", bytes.Repeat([]byte{2}, ledger.SaltSize)))
	rr, err := loan.RepaymentRecord()
	require.NoError(t, err)
	require.Equal(t, ledger.RepaymentRecord{Schema: ledger.SchemaRepayment, LoanID: "LOAN-1", AmountRepaid: "160000",
		Currency: "USD", RepaidAt: "2026-03-01T10:30:00Z"}, rr)
}
