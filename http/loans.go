package http

import (
	"errors"
	nethttp "net/http"
	"strconv"
	"strings"
	"time"

	ledger "github.com/aartha/ledger"
)

// loanRequest is the body of POST /api/admin/loans (the record names of docs/fingerprint.md).
type loanRequest struct {
	LoanID          string `json:"loan_id"`
	Borrower        string `json:"borrower"`
	Lender          string `json:"lender"`
	BorrowerAddress string `json:"borrower_address"`
	LenderAddress   string `json:"lender_address"`
	Principal       string `json:"principal"` // decimal string of minor units
	Currency        string `json:"currency"`
	InterestRateBps *int64 `json:"interest_rate_bps"`
	TermMonths      *int64 `json:"term_months"`
}

// newLoan checks that the required numbers are present and returns the
// domain's NewLoan, which validates everything else.
func (q *loanRequest) newLoan() (ledger.NewLoan, error) {
	switch {
	case q.InterestRateBps == nil:
		return ledger.NewLoan{}, ledger.Errorf(ledger.EINVALID, "interest_rate_bps is required: give the yearly rate in basis points (1250 = 12.50 %%)")
	case q.TermMonths == nil:
		return ledger.NewLoan{}, ledger.Errorf(ledger.EINVALID, "term_months is required: give the term in whole months")
	}
	return ledger.NewLoan{
		ID: q.LoanID, Borrower: q.Borrower, Lender: q.Lender,
		BorrowerAddress: q.BorrowerAddress, LenderAddress: q.LenderAddress,
		Principal: q.Principal, Currency: q.Currency,
		InterestRateBps: *q.InterestRateBps, TermMonths: *q.TermMonths,
	}, nil
}

// rejectRequest is the body of POST .../reject.
type rejectRequest struct {
	Reason string `json:"reason"`
}

// repaidRequest is the body of POST .../blockchain/mark-repaid.
type repaidRequest struct {
	AmountRepaid string `json:"amount_repaid"` // decimal string of minor units
}

// loanView is a loan as the API shows it: amounts as decimal strings.
type loanView struct {
	LoanID          string            `json:"loan_id"`
	Borrower        string            `json:"borrower"`
	Lender          string            `json:"lender"`
	BorrowerAddress string            `json:"borrower_address"`
	LenderAddress   string            `json:"lender_address"`
	Principal       string            `json:"principal"`
	Currency        string            `json:"currency"`
	InterestRateBps int64             `json:"interest_rate_bps"`
	TermMonths      int64             `json:"term_months"`
	Status          ledger.LoanStatus `json:"status"`
	Reason          string            `json:"reason,omitempty"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	ApprovedAt      *time.Time        `json:"approved_at,omitempty"`
	ClosedAt        *time.Time        `json:"closed_at,omitempty"`
	RepaidAt        *time.Time        `json:"repaid_at,omitempty"`
	AmountRepaid    string            `json:"amount_repaid,omitempty"`
	ErasedAt        *time.Time        `json:"erased_at,omitempty"`

	BlockchainStatus            ledger.ChainStatus `json:"blockchain_status"`
	BlockchainTxHash            string             `json:"blockchain_tx_hash,omitempty"`
	BlockchainStoredAt          *time.Time         `json:"blockchain_stored_at,omitempty"`
	RepaymentBlockchainStatus   ledger.ChainStatus `json:"repayment_blockchain_status"`
	RepaymentBlockchainTxHash   string             `json:"repayment_blockchain_tx_hash,omitempty"`
	RepaymentBlockchainStoredAt *time.Time         `json:"repayment_blockchain_stored_at,omitempty"`
}

func viewLoan(l *ledger.Loan) loanView {
	v := loanView{
		LoanID: l.ID, Borrower: l.Borrower, Lender: l.Lender,
		BorrowerAddress: l.BorrowerAddress, LenderAddress: l.LenderAddress,
		Principal: strconv.FormatInt(l.Principal, 10), Currency: l.Currency,
		InterestRateBps: l.InterestRateBps, TermMonths: l.TermMonths,
		Status: l.Status, Reason: l.Reason, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt,
		ApprovedAt: l.ApprovedAt, ClosedAt: l.ClosedAt, RepaidAt: l.RepaidAt, ErasedAt: l.ErasedAt,
		BlockchainStatus: l.BlockchainStatus, BlockchainTxHash: l.BlockchainTxHash, BlockchainStoredAt: l.BlockchainStoredAt,
		RepaymentBlockchainStatus: l.RepaymentBlockchainStatus, RepaymentBlockchainTxHash: l.RepaymentBlockchainTxHash,
		RepaymentBlockchainStoredAt: l.RepaymentBlockchainStoredAt,
	}
	if l.Status == ledger.LoanRepaid {
		v.AmountRepaid = strconv.FormatInt(l.AmountRepaid, 10)
	}
	return v
}

// loanID reads and checks the {loan_id} path value.
func loanID(r *nethttp.Request) (string, error) {
	id := r.PathValue("loan_id")
	return id, ledger.ValidateLoanID(id)
}

func (a *API) createLoan(w nethttp.ResponseWriter, r *nethttp.Request) error {
	var q loanRequest
	if err := readJSONBody(r, a.cfg.MaxBodyBytes, &q); err != nil {
		return err
	}
	n, err := q.newLoan()
	if err != nil {
		return err
	}
	l, err := a.cfg.Loans.Create(r.Context(), actor(r), n)
	if err != nil {
		return err
	}
	a.logAction(r, ledger.ActionLoanCreate, l.ID)
	w.Header().Set("Location", "/api/admin/loans/"+l.ID)
	writeJSONStatus(w, nethttp.StatusCreated, viewLoan(l))
	return nil
}

func (a *API) getLoan(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := loanID(r)
	if err != nil {
		return err
	}
	l, err := a.cfg.Store.Loan(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSONStatus(w, nethttp.StatusOK, viewLoan(l))
	return nil
}

func (a *API) listLoans(w nethttp.ResponseWriter, r *nethttp.Request) error {
	q := r.URL.Query()
	f := ledger.LoanFilter{
		Status:           ledger.LoanStatus(q.Get("status")),
		BlockchainStatus: ledger.ChainStatus(q.Get("blockchain_status")),
		IDPrefix:         q.Get("q"),
		Borrower:         strings.TrimSpace(q.Get("borrower")),
		After:            q.Get("cursor"),
	}
	if f.Status != "" && !f.Status.Valid() {
		return ledger.Errorf(ledger.EINVALID, "status %q is not a loan status: use submitted, approved, rejected, repaid or defaulted", truncate(string(f.Status), 40))
	}
	if f.BlockchainStatus != "" && !f.BlockchainStatus.Valid() {
		return ledger.Errorf(ledger.EINVALID, "blockchain_status %q is not a chain status: use not_stored, queued, submitted, confirmed or failed", truncate(string(f.BlockchainStatus), 40))
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return ledger.Errorf(ledger.EINVALID, "limit %q is not a whole number", truncate(s, 20))
		}
		f.Limit = n
	}
	page, err := a.cfg.Store.Loans(r.Context(), f)
	if err != nil {
		return err
	}
	views := make([]loanView, len(page.Loans))
	for i, l := range page.Loans {
		views[i] = viewLoan(l)
	}
	writeJSONStatus(w, nethttp.StatusOK, map[string]any{"loans": views, "next_cursor": page.Next})
	return nil
}

func (a *API) approveLoan(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := loanID(r)
	if err != nil {
		return err
	}
	l, err := a.cfg.Loans.Approve(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	a.logAction(r, ledger.ActionLoanApprove, id)
	writeJSONStatus(w, nethttp.StatusOK, viewLoan(l))
	return nil
}

func (a *API) rejectLoan(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := loanID(r)
	if err != nil {
		return err
	}
	var q rejectRequest
	if err := readJSONBody(r, a.cfg.MaxBodyBytes, &q); err != nil {
		return err
	}
	l, err := a.cfg.Loans.Reject(r.Context(), actor(r), id, q.Reason)
	if err != nil {
		return err
	}
	a.logAction(r, ledger.ActionLoanReject, id)
	writeJSONStatus(w, nethttp.StatusOK, viewLoan(l))
	return nil
}

// loginRequest is the body of POST /api/auth/login.
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (a *API) login(w nethttp.ResponseWriter, r *nethttp.Request) error {
	var q loginRequest
	if err := readJSONBody(r, a.cfg.MaxBodyBytes, &q); err != nil {
		return err
	}
	wrong := ledger.Errorf(ledger.EUNAUTHORIZED, "the email or password is wrong")
	if q.Email == "" || q.Password == "" {
		return ledger.Errorf(ledger.EINVALID, "email and password are required")
	}
	if err := a.allowLogin(r.Context(), q.Email, clientIP(r)); err != nil {
		return err
	}
	u, err := a.cfg.Store.UserByEmail(r.Context(), q.Email)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		// Spend the same time as for a real user, so timing does not tell
		// which emails exist.
		ledger.CheckPassword(a.dummyPasswordHash(), q.Password)
		a.cfg.AuditLog.Warn("login refused", "email", truncate(q.Email, 80), "ip", clientIP(r))
		return wrong
	}
	if err != nil {
		return err
	}
	if !ledger.CheckPassword(u.PasswordHash, q.Password) {
		a.cfg.AuditLog.Warn("login refused", "email", u.Email, "ip", clientIP(r))
		return wrong
	}
	tok, exp, err := a.cfg.Auth.Issue(u)
	if err != nil {
		return err
	}
	a.cfg.AuditLog.Info("login", "admin", u.Email, "role", u.Role, "ip", clientIP(r))
	writeJSONStatus(w, nethttp.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_at": exp, "role": u.Role})
	return nil
}

func (a *API) dummyPasswordHash() string {
	a.dummyOnce.Do(func() {
		h, err := ledger.HashPassword("not-a-real-password-for-timing")
		if err == nil {
			a.dummyHash = h
		}
	})
	return a.dummyHash
}

// userRequest is the body of POST /api/admin/users.
type userRequest struct {
	Email    string `json:"email"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

func (a *API) createUser(w nethttp.ResponseWriter, r *nethttp.Request) error {
	var q userRequest
	if err := readJSONBody(r, a.cfg.MaxBodyBytes, &q); err != nil {
		return err
	}
	role, err := ledger.ParseRole(q.Role)
	if err != nil {
		return err
	}
	email, err := ledger.NormalizeEmail(q.Email)
	if err != nil {
		return err
	}
	hash, err := ledger.HashPassword(q.Password)
	if err != nil {
		return err
	}
	u := &ledger.User{Email: email, Role: role, PasswordHash: hash, CreatedAt: time.Now()}
	if err := a.cfg.Store.CreateUser(r.Context(), actor(r), u); err != nil {
		return err
	}
	a.logAction(r, ledger.ActionUserCreate, "", "user", u.Email, "user_role", u.Role)
	writeJSONStatus(w, nethttp.StatusCreated, map[string]any{"email": u.Email, "role": u.Role, "created_at": u.CreatedAt})
	return nil
}

func (a *API) listAudit(w nethttp.ResponseWriter, r *nethttp.Request) error {
	q := r.URL.Query()
	f := ledger.AuditFilter{
		Entity: q.Get("entity"), EntityID: q.Get("loan_id"), ActorID: q.Get("admin"), Action: q.Get("action"),
	}
	if f.EntityID != "" && f.Entity == "" {
		f.Entity = "loan"
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return ledger.Errorf(ledger.EINVALID, "%s %q is not an RFC 3339 time like 2026-03-01T09:00:00Z", p.name, truncate(s, 40))
			}
			*p.dst = t
		}
	}
	for _, p := range []struct {
		name string
		set  func(int64)
	}{{"before_id", func(n int64) { f.BeforeID = n }}, {"limit", func(n int64) { f.Limit = int(n) }}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return ledger.Errorf(ledger.EINVALID, "%s %q is not a whole number", p.name, truncate(s, 20))
			}
			p.set(n)
		}
	}
	es, err := a.cfg.Store.AuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	var next int64
	if len(es) > 0 && (f.Limit == 0 && len(es) == 100 || len(es) == f.Limit) {
		next = es[len(es)-1].ID
	}
	writeJSONStatus(w, nethttp.StatusOK, map[string]any{"entries": es, "next_before_id": next})
	return nil
}

var errChainOff = ledger.Errorf(ledger.EUNAVAILABLE, "anchoring is off on this server (ENABLE_BLOCKCHAIN=false): blockchain endpoints are unavailable")

func isCode(err error, code string) bool { return err != nil && ledger.ErrorCode(err) == code }

var _ = errors.New
