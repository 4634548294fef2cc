package http

import (
	"bytes"
	"context"
	"fmt"
	nethttp "net/http"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/pdf"
)

// ErasureService erases personal data and keeps legal holds;
// *ledger.ErasureService satisfies it.
type ErasureService interface {
	Erase(ctx context.Context, actor ledger.Actor, loanID, reason string) (*ledger.Erasure, error)
	SetLegalHold(ctx context.Context, actor ledger.Actor, loanID, reason string) (*ledger.LegalHold, error)
	LiftLegalHold(ctx context.Context, actor ledger.Actor, loanID, reason string) error
	Certificate(ctx context.Context, loanID, chain string) (*ledger.ErasureCertificate, error)
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
	c, err := a.cfg.Erasure.Certificate(r.Context(), e.LoanID, a.chainID())
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, c)
	return nil
}

// erasureCertificate answers GET /api/admin/loans/{loan_id}/erasure: the
// erasure certificate of an erased loan, as JSON or (?format=pdf) as a PDF.
func (a *API) erasureCertificate(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if a.cfg.Erasure == nil {
		return ledger.Errorf(ledger.EUNAVAILABLE, "erasure is not available in this process")
	}
	id, err := loanID(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "pdf" {
		return ledger.Errorf(ledger.EINVALID, "format %q is not an erasure certificate format: use json or pdf", truncate(format, 20))
	}
	c, err := a.cfg.Erasure.Certificate(r.Context(), id, a.chainID())
	if err != nil {
		return err
	}
	if format == "pdf" {
		var buf bytes.Buffer
		if err := pdf.WriteErasure(&buf, c, time.Now()); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="erasure-%s.pdf"`, c.LoanID))
		_, _ = w.Write(buf.Bytes())
		return nil
	}
	writeJSON(w, nethttp.StatusOK, c)
	return nil
}

// chainID is the CAIP-2 id of the chain, or empty when anchoring is off.
func (a *API) chainID() string {
	if a.cfg.Chain == nil {
		return ""
	}
	return a.cfg.Chain.Network()
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
