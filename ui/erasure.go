package ui

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/pdf"
)

// ErasureService erases personal data and keeps legal holds;
// *ledger.ErasureService satisfies it.
type ErasureService interface {
	Erase(ctx context.Context, actor ledger.Actor, loanID, reason string) (*ledger.Erasure, error)
	SetLegalHold(ctx context.Context, actor ledger.Actor, loanID, reason string) (*ledger.LegalHold, error)
	LiftLegalHold(ctx context.Context, actor ledger.Actor, loanID, reason string) error
	LegalHoldOf(ctx context.Context, loanID string) (*ledger.LegalHold, error)
	Certificate(ctx context.Context, loanID, chain string) (*ledger.ErasureCertificate, error)
}

// erasureView is the loan page's personal data card.
type erasureView struct {
	Certificate *ledger.ErasureCertificate // the loan was erased
	Hold        *ledger.LegalHold
	CanErase    bool // an admin, a closed loan, no hold
	CanHold     bool // an admin, a loan not erased
}

// loadErasure fills the loan page's personal data card; nil when erasure
// is not configured.
func (u *UI) loadErasure(ctx context.Context, s *session, l *ledger.Loan) (*erasureView, error) {
	if u.cfg.Erasure == nil {
		return nil, nil
	}
	v := &erasureView{}
	if l.ErasedAt != nil {
		c, err := u.cfg.Erasure.Certificate(ctx, l.ID, u.network())
		if err != nil {
			return nil, err
		}
		v.Certificate = c
		return v, nil
	}
	h, err := u.cfg.Erasure.LegalHoldOf(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	admin := s != nil && s.Role.Allows(ledger.RoleAdmin)
	v.Hold, v.CanHold = h, admin
	v.CanErase = admin && l.Status.Closed() && h == nil
	return v, nil
}

func (u *UI) network() string {
	if u.cfg.Chain == nil {
		return ""
	}
	return u.cfg.Chain.Network()
}

// eraseLoan erases a closed loan's personal data from the loan page's
// form: a reason and the loan id typed again, so that a slip of the mouse
// erases nothing.
func (u *UI) eraseLoan(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := loanIDOf(r)
	if err != nil {
		return err
	}
	if u.cfg.Erasure == nil {
		return ledger.Errorf(ledger.EUNAVAILABLE, "erasure is not available on this server")
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	confirm := strings.TrimSpace(r.PostFormValue("confirm"))
	switch {
	case reason == "":
		err = ledger.Errorf(ledger.EINVALID, "say why the personal data is erased: the reason goes into the audit trail")
	case confirm != id:
		err = ledger.Errorf(ledger.EINVALID, "type the loan id %s to confirm the erasure: nothing was erased", id)
	default:
		_, err = u.cfg.Erasure.Erase(r.Context(), actor(r, s), id, reason)
	}
	if err != nil {
		return u.loanFormError(w, r, s, id, err)
	}
	u.logAction(r, s, ledger.ActionLoanErase, id)
	http.Redirect(w, r, loanURL(id)+"?done=erased", http.StatusSeeOther)
	return nil
}

// legalHold sets (op=set) or lifts (op=lift) a loan's legal hold.
func (u *UI) legalHold(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := loanIDOf(r)
	if err != nil {
		return err
	}
	if u.cfg.Erasure == nil {
		return ledger.Errorf(ledger.EUNAVAILABLE, "legal holds are not available on this server")
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	ctx, act := r.Context(), actor(r, s)
	var done, action string
	switch op := r.PostFormValue("op"); op {
	case "set":
		_, err = u.cfg.Erasure.SetLegalHold(ctx, act, id, reason)
		done, action = "hold-set", ledger.ActionLoanHoldSet
	case "lift":
		err = u.cfg.Erasure.LiftLegalHold(ctx, act, id, reason)
		done, action = "hold-lifted", ledger.ActionLoanHoldLift
	default:
		return ledger.Errorf(ledger.EINVALID, "legal hold operation %q is unknown: use set or lift", truncate(op, 20))
	}
	if err != nil {
		return u.loanFormError(w, r, s, id, err)
	}
	u.logAction(r, s, action, id)
	http.Redirect(w, r, loanURL(id)+"?done="+done, http.StatusSeeOther)
	return nil
}

// loanFormError shows the loan page with a refused form's message.
func (u *UI) loanFormError(w http.ResponseWriter, r *http.Request, s *session, id string, err error) error {
	code := ledger.ErrorCode(err)
	if code == ledger.EINTERNAL || code == ledger.ENOTFOUND {
		return err
	}
	p, lerr := u.loadLoanPage(r.Context(), s, id)
	if lerr != nil {
		return lerr
	}
	p.Error = ledger.ErrorMessage(err)
	u.render(w, statusOf(err), "loan", p)
	return nil
}

// erasureCertificate downloads an erased loan's erasure certificate as a
// PDF (package pdf).
func (u *UI) erasureCertificate(w http.ResponseWriter, r *http.Request, s *session) error {
	id, err := loanIDOf(r)
	if err != nil {
		return err
	}
	if u.cfg.Erasure == nil {
		return ledger.Errorf(ledger.EUNAVAILABLE, "erasure is not available on this server")
	}
	c, err := u.cfg.Erasure.Certificate(r.Context(), id, u.network())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pdf.WriteErasure(&buf, c, u.cfg.Now()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="erasure-%s.pdf"`, c.LoanID))
	_, _ = w.Write(buf.Bytes())
	return nil
}
