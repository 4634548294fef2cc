package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	ledger "github.com/aartha/ledger"
)

type auditPage struct {
	base
	Entries []ledger.AuditEntry
	LoanID  string
	Admin   string
	Action  string
	Since   string // yyyy-mm-dd
	Until   string // yyyy-mm-dd
	Next    string // URL of older rows, "" on the last page
	First   string
	Actions []string
	Report  *ledger.AuditChainReport
	// ReportError says the trail could not be read for the check.
	ReportError string
}

// auditActions are the actions offered in the filter.
var auditActions = []string{
	ledger.ActionLoanCreate, ledger.ActionLoanApprove, ledger.ActionLoanReject, ledger.ActionLoanRepaid,
	ledger.ActionLoanDefaulted, ledger.ActionLoanAnchor, ledger.ActionUserCreate,
	ledger.ActionAnchorSubmitted, ledger.ActionAnchorIncluded, ledger.ActionAnchorFinal, ledger.ActionAnchorFailed,
	ledger.ActionBatchSubmitted, ledger.ActionBatchIncluded, ledger.ActionBatchFinal, ledger.ActionBatchFailed,
}

const auditPageSize = 50

// audit lists audit rows newest first with filters, and the state of the
// trail's hash chain.
func (u *UI) audit(w http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	p := auditPage{
		base: u.base(s, "Audit log", "audit"), LoanID: strings.TrimSpace(q.Get("loan_id")),
		Admin: strings.TrimSpace(q.Get("admin")), Action: q.Get("action"), Since: q.Get("since"), Until: q.Get("until"),
		Actions: auditActions,
	}
	f := ledger.AuditFilter{EntityID: p.LoanID, ActorID: p.Admin, Action: p.Action, Limit: auditPageSize}
	if f.EntityID != "" {
		f.Entity = "loan"
	}
	for _, d := range []struct {
		name, v string
		dst     *time.Time
		add     int
	}{{"from date", p.Since, &f.Since, 0}, {"to date", p.Until, &f.Until, 1}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.v)
		if err != nil {
			return ledger.Errorf(ledger.EINVALID, "the %s %q is not a date like 2026-03-01", d.name, truncate(d.v, 20))
		}
		*d.dst = t.AddDate(0, 0, d.add) // "to" includes the whole day
	}
	if b := q.Get("before_id"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			return ledger.Errorf(ledger.EINVALID, "before_id %q is not a whole number", truncate(b, 20))
		}
		f.BeforeID = n
	}
	es, err := u.cfg.Store.AuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	p.Entries = es
	link := func(before int64) string {
		v := url.Values{}
		for k, val := range map[string]string{"loan_id": p.LoanID, "admin": p.Admin, "action": p.Action, "since": p.Since, "until": p.Until} {
			if val != "" {
				v.Set(k, val)
			}
		}
		if before > 0 {
			v.Set("before_id", strconv.FormatInt(before, 10))
		}
		return Prefix + "/audit?" + v.Encode()
	}
	if len(es) == auditPageSize {
		p.Next = link(es[len(es)-1].ID)
	}
	if f.BeforeID > 0 {
		p.First = link(0)
	}
	rep, err := u.cfg.Store.VerifyAuditChain(r.Context())
	if err != nil {
		u.cfg.Log.Error("ui: verify the audit chain", "err", err)
		p.ReportError = "the audit trail could not be read to check its hash chain: " + ledger.ErrorMessage(err)
	} else {
		p.Report = &rep
	}
	u.render(w, http.StatusOK, "audit", p)
	return nil
}
