package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// PersonalFields are the loan fields that hold personal data: erasure
// empties them (docs/privacy.md). Amounts, currency, terms, dates and the
// chain fields are kept for aggregate reports and the chain's proof.
var PersonalFields = []string{"borrower", "lender", "borrower_address", "lender_address"}

// Closed reports whether a loan's status is final, so that its personal
// data may be erased: repaid, rejected or defaulted.
func (s LoanStatus) Closed() bool {
	return s == LoanRepaid || s == LoanRejected || s == LoanDefaulted
}

// LegalHold blocks erasure of a loan until it is lifted.
type LegalHold struct {
	LoanID string    `json:"loan_id"`
	Reason string    `json:"reason"`
	SetBy  string    `json:"set_by"`
	SetAt  time.Time `json:"set_at"`
}

// Erasure is the fact that a loan's personal data was erased: what the
// erasure certificate states.
type Erasure struct {
	LoanID   string    `json:"loan_id"`
	ErasedAt time.Time `json:"erased_at"`
	ErasedBy string    `json:"erased_by"`
	Reason   string    `json:"reason"`
}

// ErasureTx is the part of a store transaction that erasure needs. The
// stores of package store implement it; a store without it cannot erase.
type ErasureTx interface {
	Tx
	// ErasePersonalData empties the loan's personal fields, deletes its
	// salts and its data key, and records e. It returns ECONFLICT if the loan's personal data cannot be erased verifiably
	// (stored in the clear, before encryption was turned on).
	ErasePersonalData(ctx context.Context, e *Erasure) error
	// LegalHold returns the loan's hold, or nil if it has none.
	LegalHold(ctx context.Context, loanID string) (*LegalHold, error)
	// SetLegalHold puts a hold on the loan, replacing one it has.
	SetLegalHold(ctx context.Context, h *LegalHold) error
	// LiftLegalHold removes the loan's hold; ENOTFOUND if it has none.
	LiftLegalHold(ctx context.Context, loanID string) error
}

// ErasureService erases the personal data of closed loans and keeps legal
// holds. It is safe for concurrent use.
type ErasureService struct {
	Store Store
	Now   func() time.Time
}

func erasureTx(tx Tx) (ErasureTx, error) {
	etx, ok := tx.(ErasureTx)
	if !ok {
		return nil, Errorf(EINTERNAL, "this store cannot erase personal data")
	}
	return etx, nil
}

func requireAdmin(actor Actor, action string) error {
	if actor.Role != string(RoleAdmin) {
		return Errorf(EFORBIDDEN, "only an admin may %s", action)
	}
	return nil
}

// Erase erases the personal data of a closed loan: its borrower, lender,
// wallet addresses, record salts and data key. Its commitments, anchors,
// amounts and audit facts stay. It refuses a loan that is still open or
// under legal hold, and one already erased.
func (s *ErasureService) Erase(ctx context.Context, actor Actor, loanID, reason string) (*Erasure, error) {
	if err := requireAdmin(actor, "erase personal data"); err != nil {
		return nil, err
	}
	if err := requireReason(reason); err != nil {
		return nil, err
	}
	return s.erase(ctx, actor, loanID, reason)
}

func (s *ErasureService) erase(ctx context.Context, actor Actor, loanID, reason string) (*Erasure, error) {
	e := &Erasure{LoanID: loanID, ErasedAt: s.Now().UTC().Truncate(time.Second), ErasedBy: actor.ID, Reason: reason}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		etx, err := erasureTx(tx)
		if err != nil {
			return err
		}
		l, err := tx.LoanForUpdate(ctx, loanID)
		if err != nil {
			return err
		}
		if err := checkErasable(l); err != nil {
			return err
		}
		hold, err := etx.LegalHold(ctx, loanID)
		if err != nil {
			return err
		}
		if hold != nil {
			return Errorf(ECONFLICT, "loan %s is under legal hold (%s, set by %s): lift the hold before erasing", loanID, hold.Reason, hold.SetBy)
		}
		// The chain write of an anchor still on its way reads the loan's
		// record; erasing under it would send an empty one.
		anchors, err := tx.AnchorsForUpdate(ctx, AnchorFilter{LoanID: loanID})
		if err != nil {
			return err
		}
		for _, a := range anchors {
			if a.Status != AnchorFinal && a.Status != AnchorFailed {
				return Errorf(ECONFLICT, "loan %s has its %s record still being anchored (%s): erase it once the anchor is final", loanID, a.Kind, a.Status)
			}
		}
		if err := etx.ErasePersonalData(ctx, e); err != nil {
			return err
		}
		after, _ := json.Marshal(map[string]any{"erased_at": e.ErasedAt, "reason": reason, "fields": PersonalFields})
		return tx.AppendAudit(ctx, &AuditEntry{
			At: e.ErasedAt, Actor: actor, Action: ActionLoanErase,
			Entity: "loan", EntityID: loanID, After: after,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("erase loan %s: %w", loanID, err)
	}
	return e, nil
}

func checkErasable(l *Loan) error {
	switch {
	case l.ErasedAt != nil:
		return Errorf(ECONFLICT, "loan %s was already erased at %s", l.ID, l.ErasedAt.Format(time.RFC3339))
	case !l.Status.Closed():
		return Errorf(ECONFLICT, "loan %s is %s: only closed loans (repaid, rejected or defaulted) can be erased", l.ID, l.Status)
	}
	return nil
}

// SetLegalHold puts a legal hold on a loan, with the reason.
func (s *ErasureService) SetLegalHold(ctx context.Context, actor Actor, loanID, reason string) (*LegalHold, error) {
	if err := requireAdmin(actor, "set a legal hold"); err != nil {
		return nil, err
	}
	if err := requireReason(reason); err != nil {
		return nil, err
	}
	h := &LegalHold{LoanID: loanID, Reason: reason, SetBy: actor.ID, SetAt: s.Now().UTC().Truncate(time.Second)}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		etx, err := erasureTx(tx)
		if err != nil {
			return err
		}
		l, err := tx.LoanForUpdate(ctx, loanID)
		if err != nil {
			return err
		}
		if l.ErasedAt != nil {
			return Errorf(ECONFLICT, "loan %s was already erased: there is nothing left to hold", loanID)
		}
		if err := etx.SetLegalHold(ctx, h); err != nil {
			return err
		}
		after, _ := json.Marshal(h)
		return tx.AppendAudit(ctx, &AuditEntry{
			At: h.SetAt, Actor: actor, Action: ActionLoanHoldSet, Entity: "loan", EntityID: loanID, After: after,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("set legal hold on loan %s: %w", loanID, err)
	}
	return h, nil
}

// LiftLegalHold lifts a loan's legal hold, with the reason.
func (s *ErasureService) LiftLegalHold(ctx context.Context, actor Actor, loanID, reason string) error {
	if err := requireAdmin(actor, "lift a legal hold"); err != nil {
		return err
	}
	if err := requireReason(reason); err != nil {
		return err
	}
	at := s.Now().UTC().Truncate(time.Second)
	err := s.Store.InTx(ctx, func(tx Tx) error {
		etx, err := erasureTx(tx)
		if err != nil {
			return err
		}
		if _, err := tx.LoanForUpdate(ctx, loanID); err != nil {
			return err
		}
		old, err := etx.LegalHold(ctx, loanID)
		if err != nil {
			return err
		}
		if old == nil {
			return Errorf(ENOTFOUND, "loan %s has no legal hold", loanID)
		}
		if err := etx.LiftLegalHold(ctx, loanID); err != nil {
			return err
		}
		before, _ := json.Marshal(old)
		after, _ := json.Marshal(map[string]string{"reason": reason})
		return tx.AppendAudit(ctx, &AuditEntry{
			At: at, Actor: actor, Action: ActionLoanHoldLift, Entity: "loan", EntityID: loanID, Before: before, After: after,
		})
	})
	if err != nil {
		return fmt.Errorf("lift legal hold on loan %s: %w", loanID, err)
	}
	return nil
}

func requireReason(reason string) error {
	if reason == "" {
		return Errorf(EINVALID, "reason is required: say why, for the audit trail")
	}
	return validateReason(reason)
}

// DueForErasure lists closed loans whose retention period has passed; the
// stores of package store implement it.
type DueForErasure interface {
	// LoansDueForErasure returns the ids of closed, encrypted, not yet
	// erased loans without legal hold and without an anchor on its way,
	// that closed before closedBefore, oldest first, at most limit.
	LoansDueForErasure(ctx context.Context, closedBefore time.Time, limit int) ([]string, error)
}

// RetentionReason is the reason recorded for erasures the retention policy
// makes.
func RetentionReason(days int) string {
	return fmt.Sprintf("retention period of %d days after closing has passed (AARTHA_RETENTION_DAYS)", days)
}

// EraseDue erases, as the system, every loan closed more than days days
// ago (at most limit per call): the retention policy. With dryRun it only
// lists them. It returns the ids due and the erasures made; a loan that
// fails to erase (its hold set meanwhile, say) is skipped and reported in
// the error, the others are still erased.
func (s *ErasureService) EraseDue(ctx context.Context, days, limit int, dryRun bool) ([]string, []Erasure, error) {
	if days < 1 {
		return nil, nil, Errorf(EINVALID, "retention is off: set AARTHA_RETENTION_DAYS to a number of days")
	}
	lister, ok := s.Store.(DueForErasure)
	if !ok {
		return nil, nil, Errorf(EINTERNAL, "this store cannot list loans due for erasure")
	}
	now := s.Now().UTC()
	due, err := lister.LoansDueForErasure(ctx, now.AddDate(0, 0, -days), limit)
	if err != nil || dryRun {
		return due, nil, err
	}
	var done []Erasure
	var failed []string
	reason := RetentionReason(days)
	for _, id := range due {
		e, err := s.erase(ctx, SystemActor(), id, reason)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %s", id, ErrorMessage(err)))
			continue
		}
		done = append(done, *e)
	}
	if len(failed) > 0 {
		return due, done, fmt.Errorf("erase %d of %d loans due: %v", len(failed), len(due), failed)
	}
	return due, done, nil
}

// LegalHoldOf returns the loan's legal hold, or nil if it has none.
func (s *ErasureService) LegalHoldOf(ctx context.Context, loanID string) (*LegalHold, error) {
	var h *LegalHold
	err := s.Store.InTx(ctx, func(tx Tx) error {
		etx, err := erasureTx(tx)
		if err != nil {
			return err
		}
		h, err = etx.LegalHold(ctx, loanID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the legal hold of loan %s: %w", loanID, err)
	}
	return h, nil
}
