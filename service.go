package ledger

import (
	"context"
	"fmt"
	"io"
	"time"
)

// LoanService runs the loan lifecycle: every change is validated by the
// domain, then written together with its audit row in one transaction.
// It is safe for concurrent use.
type LoanService struct {
	Store Store
	Now   func() time.Time
	Rand  io.Reader // source of record salts: crypto/rand.Reader in production
	// AnchorMode is ModeDirect or ModeBatch: approving or repaying a loan
	// then queues the record's anchor in the same transaction. Empty means
	// anchoring is off (ENABLE_BLOCKCHAIN=false).
	AnchorMode string
}

// Create validates and stores a new submitted loan.
func (s *LoanService) Create(ctx context.Context, actor Actor, n NewLoan) (*Loan, error) {
	loan, err := n.Validate(s.Now())
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateLoan(ctx, loan); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &AuditEntry{
			At: loan.CreatedAt, Actor: actor, Action: ActionLoanCreate,
			Entity: "loan", EntityID: loan.ID, After: snapshot(loan),
		})
	})
	if err != nil {
		return nil, fmt.Errorf("create loan: %w", err)
	}
	return loan, nil
}

// Approve approves a submitted loan, fixing its approval record and salt.
func (s *LoanService) Approve(ctx context.Context, actor Actor, id string) (*Loan, error) {
	salt, err := NewSalt(s.Rand)
	if err != nil {
		return nil, err
	}
	return s.transition(ctx, actor, id, ActionLoanApprove, func(l *Loan, now time.Time) error {
		return l.Approve(now, salt)
	}, func(l *Loan) (Record, []byte, *ChainStatus, error) {
		rec, err := l.ApprovalRecord()
		return rec, l.Salt, &l.BlockchainStatus, err
	})
}

// Reject rejects a submitted loan with a reason.
func (s *LoanService) Reject(ctx context.Context, actor Actor, id, reason string) (*Loan, error) {
	return s.transition(ctx, actor, id, ActionLoanReject, func(l *Loan, now time.Time) error {
		return l.Reject(now, reason)
	}, nil)
}

// MarkRepaid records the repayment of an approved loan; amount is a decimal
// string of minor units of the loan's currency.
func (s *LoanService) MarkRepaid(ctx context.Context, actor Actor, id, amount string) (*Loan, error) {
	salt, err := NewSalt(s.Rand)
	if err != nil {
		return nil, err
	}
	return s.transition(ctx, actor, id, ActionLoanRepaid, func(l *Loan, now time.Time) error {
		return l.MarkRepaid(now, amount, salt)
	}, func(l *Loan) (Record, []byte, *ChainStatus, error) {
		rec, err := l.RepaymentRecord()
		return rec, l.RepaymentSalt, &l.RepaymentBlockchainStatus, err
	})
}

// MarkDefaulted records that an approved loan defaulted.
func (s *LoanService) MarkDefaulted(ctx context.Context, actor Actor, id, reason string) (*Loan, error) {
	return s.transition(ctx, actor, id, ActionLoanDefaulted, func(l *Loan, now time.Time) error {
		return l.MarkDefaulted(now, reason)
	}, nil)
}

// anchorable picks the record a transition fixes, its salt and the loan
// field that mirrors its chain status.
type anchorable func(*Loan) (Record, []byte, *ChainStatus, error)

// transition locks the loan, applies step and writes the loan, the queued
// anchor of the record the step fixed (when anchoring is on and anchor is
// not nil) and the audit row (with the state before and after) in one
// transaction: all of them or none.
func (s *LoanService) transition(ctx context.Context, actor Actor, id, action string, step func(*Loan, time.Time) error, anchor anchorable) (*Loan, error) {
	if err := ValidateLoanID(id); err != nil {
		return nil, err
	}
	var after *Loan
	err := s.Store.InTx(ctx, func(tx Tx) error {
		loan, err := tx.LoanForUpdate(ctx, id)
		if err != nil {
			return err
		}
		before := snapshot(loan)
		now := s.Now().UTC().Truncate(time.Second)
		if err := step(loan, now); err != nil {
			return err
		}
		var queued *Anchor
		if anchor != nil && s.AnchorMode != "" {
			rec, salt, chainStatus, err := anchor(loan)
			if err != nil {
				return err
			}
			queued = NewAnchor(rec, salt, s.AnchorMode, now)
			*chainStatus = ChainQueued
		}
		if err := tx.UpdateLoan(ctx, loan); err != nil {
			return err
		}
		// The audit row goes right after the update: the PostgreSQL store
		// sends the two as one statement.
		if err := tx.AppendAudit(ctx, &AuditEntry{
			At: now, Actor: actor, Action: action,
			Entity: "loan", EntityID: id, Before: before, After: snapshot(loan),
		}); err != nil {
			return err
		}
		if queued != nil {
			if err := tx.QueueAnchor(ctx, queued); err != nil {
				return err
			}
		}
		after = loan
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, id, err)
	}
	return after, nil
}

// Anchor makes sure the approval record of an approved (or repaid) loan is
// on its way to the chain, for the "store on blockchain" action: it queues
// the record's anchor if it has none (the loan was approved while anchoring
// was off), puts a failed one back in the queue, and otherwise changes
// nothing. It returns the anchor as it now stands and whether this call
// queued it. Queuing writes an audit row; reporting does not. It returns
// EUNAVAILABLE when anchoring is off, ECONFLICT for a loan that was never
// approved, ENOTFOUND for an unknown loan.
func (s *LoanService) Anchor(ctx context.Context, actor Actor, id string) (*Anchor, bool, error) {
	if err := ValidateLoanID(id); err != nil {
		return nil, false, err
	}
	if s.AnchorMode == "" {
		return nil, false, Errorf(EUNAVAILABLE, "anchoring is off on this server (ENABLE_BLOCKCHAIN=false): nothing can be stored on chain")
	}
	var (
		result *Anchor
		queued bool
	)
	err := s.Store.InTx(ctx, func(tx Tx) error {
		loan, err := tx.LoanForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if loan.Status != LoanApproved && loan.Status != LoanRepaid {
			return Errorf(ECONFLICT, "cannot store loan %s on chain: it is %s, and only approved or repaid loans have an approved record to anchor", id, loan.Status)
		}
		anchors, err := tx.AnchorsForUpdate(ctx, AnchorFilter{LoanID: id})
		if err != nil {
			return err
		}
		for _, a := range anchors {
			if a.Kind == KindApproved {
				result = a
			}
		}
		if result != nil && result.Status != AnchorFailed {
			return nil // on its way or done: report it as it is
		}
		now := s.Now().UTC().Truncate(time.Second)
		before := snapshot(loan)
		if result == nil {
			rec, err := loan.ApprovalRecord()
			if err != nil {
				return err
			}
			result = NewAnchor(rec, loan.Salt, s.AnchorMode, now)
			if err := tx.QueueAnchor(ctx, result); err != nil {
				return err
			}
		} else {
			result.Status, result.UpdatedAt = AnchorQueued, now
			if err := tx.RequeueAnchor(ctx, result); err != nil {
				return err
			}
		}
		queued = true
		loan.BlockchainStatus, loan.UpdatedAt = ChainQueued, now
		if err := tx.UpdateLoan(ctx, loan); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &AuditEntry{
			At: now, Actor: actor, Action: ActionLoanAnchor,
			Entity: "loan", EntityID: id, Before: before, After: snapshot(loan),
		})
	})
	if err != nil {
		return nil, false, fmt.Errorf("anchor %s: %w", id, err)
	}
	return result, queued, nil
}
