package http

import (
	"context"
	nethttp "net/http"

	ledger "github.com/aartha/ledger"
)

// ErasureService erases personal data and keeps legal holds;
// *ledger.ErasureService satisfies it.
type ErasureService interface {
	Erase(ctx context.Context, actor ledger.Actor, loanID, reason string) (*ledger.Erasure, error)
	SetLegalHold(ctx context.Context, actor ledger.Actor, loanID, reason string) (*ledger.LegalHold, error)
	LiftLegalHold(ctx context.Context, actor ledger.Actor, loanID, reason string) error
}

// reasonRequest is the body of the erase and legal hold endpoints.
type reasonRequest struct {
	Reason string `json:"reason"`
}

// erasureCall reads the loan id and the required reason of an erasure or
// legal hold request.
func (a *API) erasureCall(r *nethttp.Request) (string, string, error) {
	if a.cfg.Erasure == nil {
		return "", "", ledger.Errorf(ledger.EUNAVAILABLE, "erasure is not available in this process")
	}
	id, err := loanID(r)
	if err != nil {
		return "", "", err
	}
	var q reasonRequest
	if err := readJSONBody(r, a.cfg.MaxBodyBytes, &q); err != nil {
		return "", "", err
	}
	if q.Reason == "" {
		return "", "", ledger.Errorf(ledger.EINVALID, `reason is required: send {"reason": "..."}`)
	}
	return id, q.Reason, nil
}

func (a *API) eraseLoan(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, reason, err := a.erasureCall(r)
	if err != nil {
		return err
	}
	e, err := a.cfg.Erasure.Erase(r.Context(), actor(r), id, reason)
	if err != nil {
		return err
	}
	a.logAction(r, ledger.ActionLoanErase, id)
	writeJSON(w, nethttp.StatusOK, e)
	return nil
}

func (a *API) setLegalHold(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, reason, err := a.erasureCall(r)
	if err != nil {
		return err
	}
	h, err := a.cfg.Erasure.SetLegalHold(r.Context(), actor(r), id, reason)
	if err != nil {
		return err
	}
	a.logAction(r, ledger.ActionLoanHoldSet, id)
	writeJSON(w, nethttp.StatusOK, h)
	return nil
}

func (a *API) liftLegalHold(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, reason, err := a.erasureCall(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Erasure.LiftLegalHold(r.Context(), actor(r), id, reason); err != nil {
		return err
	}
	a.logAction(r, ledger.ActionLoanHoldLift, id)
	writeJSON(w, nethttp.StatusOK, map[string]string{"loan_id": id, "legal_hold": "lifted"})
	return nil
}
