package ledger

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
)

// LoanStatus is where a loan stands in its lifecycle:
// submitted → approved → repaid, with rejected and defaulted as side exits.
type LoanStatus string

// The loan statuses.
const (
	LoanSubmitted LoanStatus = "submitted"
	LoanApproved  LoanStatus = "approved"
	LoanRejected  LoanStatus = "rejected"
	LoanRepaid    LoanStatus = "repaid"
	LoanDefaulted LoanStatus = "defaulted"
)

// Valid reports whether s is one of the loan statuses.
func (s LoanStatus) Valid() bool {
	switch s {
	case LoanSubmitted, LoanApproved, LoanRejected, LoanRepaid, LoanDefaulted:
		return true
	}
	return false
}

// ChainStatus is how far a record's anchor has got on the chain.
type ChainStatus string

// The chain statuses of an anchor: the per-loan blockchain_status values
// (docs/api.md, per-loan chain fields).
const (
	ChainNotStored ChainStatus = "not_stored"
	ChainQueued    ChainStatus = "queued"
	ChainSubmitted ChainStatus = "submitted"
	ChainConfirmed ChainStatus = "confirmed"
	ChainFailed    ChainStatus = "failed"
)

// Valid reports whether s is one of the chain statuses.
func (s ChainStatus) Valid() bool {
	switch s {
	case ChainNotStored, ChainQueued, ChainSubmitted, ChainConfirmed, ChainFailed:
		return true
	}
	return false
}

// Limits on loan terms. They bound nonsense, not business policy.
const (
	MaxInterestRateBps = 100_000 // 1000 % a year
	MaxTermMonths      = 600     // 50 years
	MaxPartyLength     = 200     // borrower/lender reference
	MaxReasonLength    = 1000
)

// Loan is one loan application and everything the service knows about it.
// Amounts are integer minor units of Currency.
type Loan struct {
	ID              string     `json:"loan_id"`
	Borrower        string     `json:"borrower"`
	Lender          string     `json:"lender"`
	BorrowerAddress string     `json:"borrower_address"`
	LenderAddress   string     `json:"lender_address"`
	Principal       int64      `json:"principal"`
	Currency        string     `json:"currency"`
	InterestRateBps int64      `json:"interest_rate_bps"`
	TermMonths      int64      `json:"term_months"`
	Status          LoanStatus `json:"status"`
	Reason          string     `json:"reason,omitempty"` // why rejected or defaulted

	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ApprovedAt   *time.Time `json:"approved_at,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"` // rejected, repaid or defaulted
	RepaidAt     *time.Time `json:"repaid_at,omitempty"`
	AmountRepaid int64      `json:"amount_repaid,omitempty"`
	// ErasedAt is set once the loan's personal fields and salts were erased
	// (docs/privacy.md): they read as empty from then on.
	ErasedAt *time.Time `json:"erased_at,omitempty"`

	// Salts of the approval and repayment records (docs/fingerprint.md). They are never
	// serialised: deleting them is how an erasure request is honoured.
	Salt          []byte `json:"-"`
	RepaymentSalt []byte `json:"-"`

	// The per-loan chain fields (docs/api.md), for the approval record and the
	// repayment record.
	BlockchainStatus            ChainStatus `json:"blockchain_status"`
	BlockchainTxHash            string      `json:"blockchain_tx_hash,omitempty"`
	BlockchainStoredAt          *time.Time  `json:"blockchain_stored_at,omitempty"`
	RepaymentBlockchainStatus   ChainStatus `json:"repayment_blockchain_status"`
	RepaymentBlockchainTxHash   string      `json:"repayment_blockchain_tx_hash,omitempty"`
	RepaymentBlockchainStoredAt *time.Time  `json:"repayment_blockchain_stored_at,omitempty"`
}

var loanIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,100}$`)

// ValidateLoanID returns an EINVALID error naming the rule unless id is 1–100
// characters of A–Z, a–z, 0–9 and '-'.
func ValidateLoanID(id string) error {
	if !loanIDPattern.MatchString(id) {
		return Errorf(EINVALID, "loan_id %q is invalid: use 1-100 characters of A-Z, a-z, 0-9 and '-'", truncate(id, 120))
	}
	return nil
}

var addressPattern = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// NormalizeAddress validates an optional EVM wallet address and returns it in
// lower case. Mixed-case input must carry a valid EIP-55 checksum, so a typo
// in a checksummed address is caught instead of silently stored.
func NormalizeAddress(field, addr string) (string, error) {
	if addr == "" {
		return "", nil
	}
	if !addressPattern.MatchString(addr) {
		return "", Errorf(EINVALID, "%s %q is not a wallet address: write 0x followed by 40 hex digits, or leave it empty", field, truncate(addr, 60))
	}
	lower := strings.ToLower(addr)
	hex := addr[2:]
	if hex != strings.ToLower(hex) && hex != strings.ToUpper(hex) && common.HexToAddress(lower).Hex() != addr {
		return "", Errorf(EINVALID, "%s %q has a wrong EIP-55 checksum: check the address for typos, or write it all in lower case", field, addr)
	}
	return lower, nil
}

// NewLoan is what a caller supplies to create a loan.
type NewLoan struct {
	ID              string
	Borrower        string
	Lender          string
	BorrowerAddress string
	LenderAddress   string
	Principal       string // decimal string of minor units
	Currency        string
	InterestRateBps int64
	TermMonths      int64
}

// Validate checks every field and returns a *Loan in status submitted, or an
// EINVALID error whose message names the first broken field and its rule.
func (n NewLoan) Validate(now time.Time) (*Loan, error) {
	if err := ValidateLoanID(n.ID); err != nil {
		return nil, err
	}
	if err := validateParty("borrower", n.Borrower); err != nil {
		return nil, err
	}
	if err := validateParty("lender", n.Lender); err != nil {
		return nil, err
	}
	borrowerAddr, err := NormalizeAddress("borrower_address", n.BorrowerAddress)
	if err != nil {
		return nil, err
	}
	lenderAddr, err := NormalizeAddress("lender_address", n.LenderAddress)
	if err != nil {
		return nil, err
	}
	principal, err := ParseMinorUnits("principal", n.Principal)
	if err != nil {
		return nil, err
	}
	if err := ValidateCurrency("currency", n.Currency); err != nil {
		return nil, err
	}
	if n.InterestRateBps < 0 || n.InterestRateBps > MaxInterestRateBps {
		return nil, Errorf(EINVALID, "interest_rate_bps %d is out of range: give the yearly rate in basis points from 0 to %d (1250 = 12.50 %%)", n.InterestRateBps, MaxInterestRateBps)
	}
	if n.TermMonths < 1 || n.TermMonths > MaxTermMonths {
		return nil, Errorf(EINVALID, "term_months %d is out of range: give a whole number of months from 1 to %d", n.TermMonths, MaxTermMonths)
	}
	now = now.UTC().Truncate(time.Second)
	return &Loan{
		ID:                        n.ID,
		Borrower:                  n.Borrower,
		Lender:                    n.Lender,
		BorrowerAddress:           borrowerAddr,
		LenderAddress:             lenderAddr,
		Principal:                 principal,
		Currency:                  n.Currency,
		InterestRateBps:           n.InterestRateBps,
		TermMonths:                n.TermMonths,
		Status:                    LoanSubmitted,
		CreatedAt:                 now,
		UpdatedAt:                 now,
		BlockchainStatus:          ChainNotStored,
		RepaymentBlockchainStatus: ChainNotStored,
	}, nil
}

func validateParty(field, v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return Errorf(EINVALID, "%s is required: give the reference of the %s (a customer or institution id)", field, field)
	case !utf8.ValidString(v):
		return Errorf(EINVALID, "%s is not valid UTF-8 text", field)
	case utf8.RuneCountInString(v) > MaxPartyLength:
		return Errorf(EINVALID, "%s is longer than %d characters", field, MaxPartyLength)
	case strings.TrimSpace(v) != v:
		return Errorf(EINVALID, "%s %q has leading or trailing spaces", field, truncate(v, 60))
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return Errorf(EINVALID, "%s contains a control character", field)
		}
	}
	return CheckText(field, v)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// transitionError explains why a loan cannot take a step from its status.
func transitionError(l *Loan, action string, allowedFrom LoanStatus) error {
	return Errorf(ECONFLICT, "cannot %s loan %s: it is %s, and only %s loans can be %s",
		action, l.ID, l.Status, allowedFrom, pastTense[action])
}

var pastTense = map[string]string{
	"approve":        "approved",
	"reject":         "rejected",
	"mark repaid":    "marked repaid",
	"mark defaulted": "marked defaulted",
}

// Approve moves a submitted loan to approved at the given time and fixes the
// salt of its approval record. The record's approved_at has whole seconds.
func (l *Loan) Approve(at time.Time, salt []byte) error {
	if l.Status != LoanSubmitted {
		return transitionError(l, "approve", LoanSubmitted)
	}
	if len(salt) != SaltSize {
		return Errorf(EINTERNAL, "approval salt must be %d bytes", SaltSize)
	}
	at = at.UTC().Truncate(time.Second)
	l.Status = LoanApproved
	l.ApprovedAt = &at
	l.UpdatedAt = at
	l.Salt = salt
	return nil
}

// Reject moves a submitted loan to rejected, recording why.
func (l *Loan) Reject(at time.Time, reason string) error {
	if l.Status != LoanSubmitted {
		return transitionError(l, "reject", LoanSubmitted)
	}
	if err := validateReason(reason); err != nil {
		return err
	}
	at = at.UTC().Truncate(time.Second)
	l.Status = LoanRejected
	l.Reason = reason
	l.ClosedAt = &at
	l.UpdatedAt = at
	return nil
}

// MarkRepaid moves an approved loan to repaid with the amount repaid in minor
// units of the loan's currency, and fixes the salt of its repayment record.
func (l *Loan) MarkRepaid(at time.Time, amount string, salt []byte) error {
	if l.Status != LoanApproved {
		return transitionError(l, "mark repaid", LoanApproved)
	}
	n, err := ParseMinorUnits("amount_repaid", amount)
	if err != nil {
		return err
	}
	if len(salt) != SaltSize {
		return Errorf(EINTERNAL, "repayment salt must be %d bytes", SaltSize)
	}
	at = at.UTC().Truncate(time.Second)
	l.Status = LoanRepaid
	l.AmountRepaid = n
	l.RepaidAt = &at
	l.ClosedAt = &at
	l.UpdatedAt = at
	l.RepaymentSalt = salt
	return nil
}

// MarkDefaulted moves an approved loan to defaulted, recording why.
func (l *Loan) MarkDefaulted(at time.Time, reason string) error {
	if l.Status != LoanApproved {
		return transitionError(l, "mark defaulted", LoanApproved)
	}
	if err := validateReason(reason); err != nil {
		return err
	}
	at = at.UTC().Truncate(time.Second)
	l.Status = LoanDefaulted
	l.Reason = reason
	l.ClosedAt = &at
	l.UpdatedAt = at
	return nil
}

func validateReason(reason string) error {
	if err := CheckText("reason", reason); err != nil {
		return err
	}
	if !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > MaxReasonLength {
		return Errorf(EINVALID, "reason must be valid UTF-8 text of at most %d characters", MaxReasonLength)
	}
	return nil
}
