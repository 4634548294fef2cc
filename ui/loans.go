package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

var (
	loanStatuses  = []ledger.LoanStatus{ledger.LoanSubmitted, ledger.LoanApproved, ledger.LoanRejected, ledger.LoanRepaid, ledger.LoanDefaulted}
	chainStatuses = []ledger.ChainStatus{ledger.ChainNotStored, ledger.ChainQueued, ledger.ChainSubmitted, ledger.ChainConfirmed, ledger.ChainFailed}
)

// pageSizes are the page sizes the loans list offers.
var pageSizes = []int{20, 50, 100}

type loansPage struct {
	base
	Loans            []*ledger.Loan
	Status           string
	BlockchainStatus string
	Query            string
	Borrower         string
	Limit            int
	Cursor           string
	Next             string // URL of the next page, "" on the last
	First            string // URL of the first page, "" when on it
	Statuses         []ledger.LoanStatus
	ChainStatuses    []ledger.ChainStatus
	PageSizes        []int
}

func (u *UI) loans(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	p := loansPage{
		base: u.base(s, "Loans", "loans"), Status: q.Get("status"), BlockchainStatus: q.Get("blockchain_status"),
		Query: strings.TrimSpace(q.Get("q")), Borrower: strings.TrimSpace(q.Get("borrower")), Cursor: q.Get("cursor"), Limit: 20,
		Statuses: loanStatuses, ChainStatuses: chainStatuses, PageSizes: pageSizes,
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && slices.Contains(pageSizes, n) {
		p.Limit = n
	}
	f := ledger.LoanFilter{
		Status: ledger.LoanStatus(p.Status), BlockchainStatus: ledger.ChainStatus(p.BlockchainStatus),
		IDPrefix: p.Query, Borrower: p.Borrower, After: p.Cursor, Limit: p.Limit,
	}
	if f.Status != "" && !f.Status.Valid() {
		return ledger.Errorf(ledger.EINVALID, "status %q is not a loan status", truncate(p.Status, 40))
	}
	if f.BlockchainStatus != "" && !f.BlockchainStatus.Valid() {
		return ledger.Errorf(ledger.EINVALID, "blockchain status %q is not a chain status", truncate(p.BlockchainStatus, 40))
	}
	if u.cfg.Chain == nil {
		f.BlockchainStatus, p.BlockchainStatus = "", ""
	}
	page, err := u.cfg.Store.Loans(r.Context(), f)
	if err != nil {
		return err
	}
	p.Loans = page.Loans
	link := func(cursor string) string {
		v := url.Values{}
		for k, val := range map[string]string{"status": p.Status, "blockchain_status": p.BlockchainStatus, "q": p.Query, "borrower": p.Borrower, "cursor": cursor} {
			if val != "" {
				v.Set(k, val)
			}
		}
		if p.Limit != 20 {
			v.Set("limit", strconv.Itoa(p.Limit))
		}
		if len(v) == 0 {
			return Prefix + "/loans"
		}
		return Prefix + "/loans?" + v.Encode()
	}
	if page.Next != "" {
		p.Next = link(page.Next)
	}
	if p.Cursor != "" {
		p.First = link("")
	}
	switch r.URL.Query().Get("done") {
	case "created":
		p.Notice = "Loan created."
	}
	u.render(w, http.StatusOK, "loans", p)
	return nil
}

type newLoanPage struct {
	base
	Form map[string]string
}

func (u *UI) newLoanPage(w http.ResponseWriter, r *http.Request, s *session) error {
	u.render(w, http.StatusOK, "loan_new", newLoanPage{base: u.base(s, "New loan", "loans"), Form: map[string]string{"currency": "INR"}})
	return nil
}

var loanFormFields = []string{"loan_id", "borrower", "lender", "borrower_address", "lender_address", "principal", "currency", "interest_rate_bps", "term_months"}

// createLoan validates the form with the domain's rules; on an error the
// form comes back filled in, with the message.
func (u *UI) createLoan(w http.ResponseWriter, r *http.Request, s *session) error {
	form := map[string]string{}
	for _, k := range loanFormFields {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	fail := func(err error) error {
		p := newLoanPage{base: u.base(s, "New loan", "loans"), Form: form}
		p.Error = ledger.ErrorMessage(err)
		if ledger.ErrorCode(err) == ledger.EINTERNAL {
			return err
		}
		u.render(w, statusOf(err), "loan_new", p)
		return nil
	}
	rate, err := formInt("interest rate (basis points)", form["interest_rate_bps"])
	if err != nil {
		return fail(err)
	}
	term, err := formInt("term (months)", form["term_months"])
	if err != nil {
		return fail(err)
	}
	l, err := u.cfg.Loans.Create(r.Context(), actor(r, s), ledger.NewLoan{
		ID: form["loan_id"], Borrower: form["borrower"], Lender: form["lender"],
		BorrowerAddress: form["borrower_address"], LenderAddress: form["lender_address"],
		Principal: form["principal"], Currency: strings.ToUpper(form["currency"]),
		InterestRateBps: rate, TermMonths: term,
	})
	if err != nil {
		return fail(err)
	}
	u.logAction(r, s, ledger.ActionLoanCreate, l.ID)
	http.Redirect(w, r, loanURL(l.ID)+"?done=created", http.StatusSeeOther)
	return nil
}

func formInt(name, s string) (int64, error) {
	if s == "" {
		return 0, ledger.Errorf(ledger.EINVALID, "%s is required", name)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ledger.Errorf(ledger.EINVALID, "%s %q is not a whole number", name, truncate(s, 20))
	}
	return n, nil
}

func loanURL(id string) string { return Prefix + "/loans/" + url.PathEscape(id) }

// anchorRow is one record's anchor as the loan page shows it.
type anchorRow struct {
	Record        string
	A             *ledger.Anchor
	Batch         *ledger.Batch
	Confirmations uint64
	OnChain       bool // a receipt can be made
}

// historyRow is one audit row of the loan's lifecycle.
type historyRow struct {
	E       ledger.AuditEntry
	Changes []change
}

type change struct{ Field, Before, After string }

type loanPage struct {
	base
	L            *ledger.Loan
	Anchors      []anchorRow
	History      []historyRow
	Verification *verificationView
	CanApprove   bool
	CanReject    bool
	CanAnchor    bool
	CanRepay     bool
	AnchorMode   string
	Erasure      *erasureView // nil: erasure is not configured
}

// verificationView is a verification as the loan page shows it.
type verificationView struct {
	Record  string
	R       *ledger.Receipt
	V       *ledger.Verification
	Problem string // the chain could not be asked, or there is no receipt yet
}

func loanIDOf(r *http.Request) (string, error) {
	id := r.PathValue("loan_id")
	return id, ledger.ValidateLoanID(id)
}

// loadLoanPage reads everything the loan page shows.
func (u *UI) loadLoanPage(ctx context.Context, s *session, id string) (*loanPage, error) {
	l, err := u.cfg.Store.Loan(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &loanPage{base: u.base(s, "Loan "+l.ID, "loans"), L: l, AnchorMode: u.cfg.AnchorMode}
	op := s.CanOperate()
	p.CanApprove = op && l.Status == ledger.LoanSubmitted
	p.CanReject = op && l.Status == ledger.LoanSubmitted
	p.CanRepay = op && l.Status == ledger.LoanApproved
	if u.cfg.Chain != nil {
		anchors, err := u.cfg.Store.Anchors(ctx, ledger.AnchorFilter{LoanID: id})
		if err != nil {
			return nil, err
		}
		var head uint64
		if len(anchors) > 0 {
			head, _ = u.cfg.Chain.HeadBlock(ctx) // 0: confirmations unknown
		}
		var approval *ledger.Anchor
		for _, a := range anchors {
			row := anchorRow{Record: a.Kind.String(), A: a, Confirmations: confirmations(head, a.BlockNumber),
				OnChain: a.TxHash != (common.Hash{}) && a.BlockNumber > 0}
			if a.BatchID != 0 {
				row.Batch, _ = u.cfg.Store.Batch(ctx, a.BatchID)
			}
			if a.Kind == ledger.KindApproved {
				approval = a
			}
			p.Anchors = append(p.Anchors, row)
		}
		p.CanAnchor = op && (l.Status == ledger.LoanApproved || l.Status == ledger.LoanRepaid) &&
			(approval == nil || approval.Status == ledger.AnchorFailed)
	}
	if p.Erasure, err = u.loadErasure(ctx, s, l); err != nil {
		return nil, err
	}
	entries, err := u.cfg.Store.AuditEntries(ctx, ledger.AuditFilter{Entity: "loan", EntityID: id, Limit: 200})
	if err != nil {
		return nil, err
	}
	slices.Reverse(entries) // oldest first: a history reads forwards
	for _, e := range entries {
		p.History = append(p.History, historyRow{E: e, Changes: diffLoan(e.Before, e.After)})
	}
	return p, nil
}

func confirmations(head, block uint64) uint64 {
	if head == 0 || block == 0 || head < block {
		return 0
	}
	return head - block + 1
}

// diffLoan lists the fields that an audit row changed, skipping timestamps
// of the change itself.
func diffLoan(before, after json.RawMessage) []change {
	var b, a map[string]any
	_ = json.Unmarshal(before, &b)
	if json.Unmarshal(after, &a) != nil || a == nil {
		return nil
	}
	var out []change
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "updated_at" {
			continue
		}
		av, bv := fmt.Sprint(a[k]), ""
		if v, ok := b[k]; ok {
			bv = fmt.Sprint(v)
		}
		if b != nil && av == bv {
			continue
		}
		if b == nil && (k == "created_at" || av == "") {
			continue
		}
		out = append(out, change{Field: k, Before: bv, After: av})
	}
	return out
}

var doneMessages = map[string]string{
	"created":     "Loan created. An operator can approve or reject it.",
	"approve":     "Loan approved. Its approval record is queued for the chain.",
	"reject":      "Loan rejected.",
	"repaid":      "Repayment recorded.",
	"anchor":      "The approval record is queued for the chain.",
	"anchored":    "The approval record is already on its way to the chain; nothing was queued.",
	"erased":      "Personal data erased. The erasure certificate states what was erased and what remains on chain.",
	"hold-set":    "Legal hold set: the loan's personal data cannot be erased until it is lifted.",
	"hold-lifted": "Legal hold lifted.",
}

var doneMessagesChainOff = map[string]string{
	"approve": "Loan approved. Anchoring is off on this server, so nothing goes to a chain.",
}

func (u *UI) loan(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := loanIDOf(r)
	if err != nil {
		return err
	}
	p, err := u.loadLoanPage(r.Context(), s, id)
	if err != nil {
		return err
	}
	done := r.URL.Query().Get("done")
	p.Notice = doneMessages[done]
	if m, ok := doneMessagesChainOff[done]; ok && u.cfg.Chain == nil {
		p.Notice = m
	}
	if done == "repaid" && u.cfg.Chain != nil {
		p.Notice = "Repayment recorded. Its record is queued for the chain."
	}
	u.render(w, http.StatusOK, "loan", p)
	return nil
}

// recordOf reads ?record=approved|repaid.
func recordOf(r *http.Request) (ledger.Kind, error) {
	switch s := r.FormValue("record"); s {
	case "", "approved":
		return ledger.KindApproved, nil
	case "repaid":
		return ledger.KindRepaid, nil
	default:
		return 0, ledger.Errorf(ledger.EINVALID, "record %q is not a record kind: use approved or repaid", truncate(s, 20))
	}
}

var errChainOff = ledger.Errorf(ledger.ENOTFOUND, "anchoring is off on this server (ENABLE_BLOCKCHAIN=false): there is nothing on a chain to show")

func (u *UI) loanReceipt(r *http.Request) (*ledger.Receipt, ledger.Kind, error) {
	id, err := loanIDOf(r)
	if err != nil {
		return nil, 0, err
	}
	if u.cfg.Chain == nil {
		return nil, 0, errChainOff
	}
	kind, err := recordOf(r)
	if err != nil {
		return nil, 0, err
	}
	rc, err := ledger.ReceiptFor(r.Context(), u.cfg.Store, id, kind, u.cfg.Chain.Network(), u.cfg.Chain.Contract())
	return rc, kind, err
}

// verifyLoan shows the loan page with the verification of one record:
// every comparison made against the chain.
func (u *UI) verifyLoan(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := loanIDOf(r)
	if err != nil {
		return err
	}
	if u.cfg.Chain == nil {
		return errChainOff
	}
	p, err := u.loadLoanPage(r.Context(), s, id)
	if err != nil {
		return err
	}
	rc, kind, err := u.loanReceipt(r)
	v := &verificationView{Record: kind.String(), R: rc}
	switch {
	case ledger.ErrorCode(err) == ledger.EINVALID:
		return err
	case err != nil:
		v.Problem = ledger.ErrorMessage(err)
	default:
		v.V, err = u.cfg.Chain.VerifyReceipt(r.Context(), rc)
		if err != nil {
			u.cfg.Log.Warn("ui: verify against the chain", "loan_id", id, "err", err)
			v.Problem = "the chain could not be asked; try again shortly"
		}
	}
	p.Verification = v
	u.render(w, http.StatusOK, "loan", p)
	return nil
}

// receipt downloads the proof receipt of a record as a JSON file, or with
// ?format=pdf as a printable certificate.
func (u *UI) receipt(w http.ResponseWriter, r *http.Request, s *session) error {
	rc, kind, err := u.loanReceipt(r)
	if err != nil {
		return err
	}
	if r.FormValue("format") == "pdf" {
		return u.certificate(w, r, rc, kind)
	}
	b, err := json.MarshalIndent(rc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode receipt: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="receipt-%s-%s.json"`, rc.LoanID, kind))
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// loanAction runs one lifecycle step from the loan page's forms. Success
// goes back to the loan page with a message (post/redirect/get); a refused
// step shows the loan page with the reason.
func (u *UI) loanAction(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := loanIDOf(r)
	if err != nil {
		return err
	}
	ctx, act := r.Context(), actor(r, s)
	done := r.PathValue("action")
	switch done {
	case "approve":
		_, err = u.cfg.Loans.Approve(ctx, act, id)
		if err == nil {
			u.logAction(r, s, ledger.ActionLoanApprove, id)
		}
	case "reject":
		_, err = u.cfg.Loans.Reject(ctx, act, id, strings.TrimSpace(r.PostFormValue("reason")))
		if err == nil {
			u.logAction(r, s, ledger.ActionLoanReject, id)
		}
	case "repaid":
		amount := strings.TrimSpace(r.PostFormValue("amount_repaid"))
		if u.cfg.Chain != nil {
			err = u.allow(ctx, u.cfg.ChainWriteLimit, true, "chain writes", "chain:ip:"+clientIP(r), "chain:user:"+s.Email)
		}
		if err == nil {
			_, err = u.cfg.Loans.MarkRepaid(ctx, act, id, amount)
		}
		if err == nil {
			u.logAction(r, s, ledger.ActionLoanRepaid, id, "amount_repaid", amount)
		}
	case "anchor":
		if u.cfg.Chain == nil {
			return errChainOff
		}
		err = u.allow(ctx, u.cfg.ChainWriteLimit, true, "chain writes", "chain:ip:"+clientIP(r), "chain:user:"+s.Email)
		var queued bool
		if err == nil {
			_, queued, err = u.cfg.Loans.Anchor(ctx, act, id)
		}
		if err == nil {
			u.logAction(r, s, ledger.ActionLoanAnchor, id, "queued", queued, "network", u.cfg.Chain.Network(), "contract", u.cfg.Chain.Contract().Hex())
			if !queued {
				done = "anchored"
			}
		}
	default:
		return ledger.Errorf(ledger.ENOTFOUND, "there is no loan action %q", truncate(done, 40))
	}
	if err != nil {
		code := ledger.ErrorCode(err)
		if code == ledger.EINTERNAL || code == ledger.ENOTFOUND {
			return err
		}
		var re *rateError
		p, lerr := u.loadLoanPage(ctx, s, id)
		if lerr != nil {
			return lerr
		}
		p.Error = ledger.ErrorMessage(err)
		status := statusOf(err)
		if asRate(err, &re) {
			p.Error, status = re.Error(), http.StatusTooManyRequests
		}
		u.render(w, status, "loan", p)
		return nil
	}
	http.Redirect(w, r, loanURL(id)+"?done="+done, http.StatusSeeOther)
	return nil
}

// weiCost is gas used × price in wei, nil when either is unknown.
func weiCost(gasUsed uint64, priceWei string) *big.Int {
	p, ok := new(big.Int).SetString(priceWei, 10)
	if !ok || gasUsed == 0 {
		return nil
	}
	return p.Mul(p, new(big.Int).SetUint64(gasUsed))
}
