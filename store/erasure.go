package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	ledger "github.com/aartha/ledger"
)

// ErasePersonalData empties the loan's personal fields, deletes its salts and
// its data key, and records the erasure. A key in the keyring is deleted
// once the transaction commits (a crash before leaves it to SweepKeyring). It returns ECONFLICT for a loan
// whose personal data is stored in the clear (created while encryption was
// off): its audit rows hold the values, so erasing the loan row alone would
// not erase them.
func (t *tx) ErasePersonalData(ctx context.Context, e *ledger.Erasure) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	_, encrypted, erased, err := readKeyColumns(t.queryRow(ctx, t.db.d.rebind(keyColumnsSQL), e.LoanID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ledger.Errorf(ledger.ENOTFOUND, "loan %s not found", e.LoanID)
	case err != nil:
		return t.db.wrap("erase loan "+e.LoanID, err)
	case erased:
		return ledger.Errorf(ledger.ECONFLICT, "loan %s was already erased", e.LoanID)
	case !encrypted:
		return ledger.Errorf(ledger.ECONFLICT, "loan %s was stored without encryption (before AARTHA_PII_MASTER_KEY was set): its audit rows hold its personal data in the clear, so it cannot be erased verifiably", e.LoanID)
	}
	d := t.db.d
	_, err = t.exec(ctx, d.rebind(`UPDATE loans SET borrower = '', lender = '', borrower_address = '', lender_address = '',
		salt = NULL, repayment_salt = NULL, data_key = NULL, borrower_index = '', erased_at = ? WHERE id = ?`),
		d.timeArg(e.ErasedAt), e.LoanID)
	if err != nil {
		return t.db.wrap("erase loan "+e.LoanID, err)
	}
	_, err = t.exec(ctx, d.rebind(`INSERT INTO loan_erasures (loan_id, erased_at, erased_by, reason) VALUES (?, ?, ?, ?)`),
		e.LoanID, d.timeArg(e.ErasedAt), e.ErasedBy, e.Reason)
	if err != nil {
		return t.db.wrap("record the erasure of loan "+e.LoanID, err)
	}
	t.remember(e.LoanID, nil)
	t.erased = append(t.erased, e.LoanID)
	return nil
}

// LegalHold returns the loan's legal hold, or nil if it has none.
func (t *tx) LegalHold(ctx context.Context, loanID string) (*ledger.LegalHold, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	h := ledger.LegalHold{LoanID: loanID}
	var at nullTime
	err := t.queryRow(ctx, t.db.d.rebind("SELECT reason, set_by, set_at FROM legal_holds WHERE loan_id = ?"), loanID).Scan(&h.Reason, &h.SetBy, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, t.db.wrap("read the legal hold of loan "+loanID, err)
	}
	h.SetAt = at.t
	return &h, nil
}

// SetLegalHold puts h on its loan, replacing a hold the loan has.
func (t *tx) SetLegalHold(ctx context.Context, h *ledger.LegalHold) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	_, err := t.exec(ctx, t.db.d.rebind(`INSERT INTO legal_holds (loan_id, reason, set_by, set_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (loan_id) DO UPDATE SET reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at`),
		h.LoanID, h.Reason, h.SetBy, t.db.d.timeArg(h.SetAt))
	if err != nil {
		return t.db.wrap("set the legal hold of loan "+h.LoanID, err)
	}
	return nil
}

// LiftLegalHold removes the loan's legal hold; ENOTFOUND if it has none.
func (t *tx) LiftLegalHold(ctx context.Context, loanID string) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	res, err := t.exec(ctx, t.db.d.rebind("DELETE FROM legal_holds WHERE loan_id = ?"), loanID)
	if err != nil {
		return t.db.wrap("lift the legal hold of loan "+loanID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ledger.Errorf(ledger.ENOTFOUND, "loan %s has no legal hold", loanID)
	}
	return nil
}

// Erasures returns the recorded erasures, newest first, at most limit
// (0 means 100).
func (db *DB) Erasures(ctx context.Context, limit int) ([]ledger.Erasure, error) {
	if limit <= 0 {
		limit = 100
	}
	return queryAll(ctx, db, "list erasures",
		db.d.rebind("SELECT loan_id, erased_at, erased_by, reason FROM loan_erasures ORDER BY erased_at DESC, loan_id LIMIT ?"),
		[]any{limit}, func(r rowScanner) (ledger.Erasure, error) {
			var e ledger.Erasure
			var at nullTime
			err := r.Scan(&e.LoanID, &at, &e.ErasedBy, &e.Reason)
			e.ErasedAt = at.t
			return e, err
		})
}

// LoansDueForErasure returns the ids of closed loans stored encrypted, not
// erased, not under legal hold and with no anchor on its way to the chain,
// that closed before closedBefore, oldest first, at most limit (0 means
// 1000).
func (db *DB) LoansDueForErasure(ctx context.Context, closedBefore time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 1000
	}
	return queryAll(ctx, db, "list loans due for erasure", db.d.rebind(`SELECT id FROM loans
		WHERE status IN ('repaid', 'rejected', 'defaulted') AND closed_at < ?
		  AND erased_at IS NULL AND pii_encrypted
		  AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.loan_id = loans.id)
		  AND NOT EXISTS (SELECT 1 FROM anchors a WHERE a.loan_id = loans.id AND a.status NOT IN ('final', 'failed'))
		ORDER BY closed_at, id LIMIT ?`), []any{db.d.timeArg(closedBefore), limit},
		func(r rowScanner) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
}

// Erasure returns the recorded erasure of the loan, or ENOTFOUND if it was
// not erased.
func (db *DB) Erasure(ctx context.Context, loanID string) (*ledger.Erasure, error) {
	e := ledger.Erasure{LoanID: loanID}
	var at nullTime
	err := db.r.QueryRowContext(ctx, db.d.rebind("SELECT erased_at, erased_by, reason FROM loan_erasures WHERE loan_id = ?"), loanID).
		Scan(&at, &e.ErasedBy, &e.Reason)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ledger.Errorf(ledger.ENOTFOUND, "loan %s has no recorded erasure", loanID)
	case err != nil:
		return nil, db.wrap("read the erasure of loan "+loanID, err)
	}
	e.ErasedAt = at.t
	return &e, nil
}

// ErasuresBetween returns the erasures made in [since, until), oldest
// first, at most limit (0 means 500). It returns EINVALID for an empty
// range.
func (db *DB) ErasuresBetween(ctx context.Context, since, until time.Time, limit int) ([]ledger.Erasure, error) {
	if err := checkRange(since, until); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 500
	}
	return queryAll(ctx, db, "list erasures",
		db.d.rebind("SELECT loan_id, erased_at, erased_by, reason FROM loan_erasures WHERE erased_at >= ? AND erased_at < ? ORDER BY erased_at, loan_id LIMIT ?"),
		append(db.rangeArgs(since, until, 1), limit), func(r rowScanner) (ledger.Erasure, error) {
			var e ledger.Erasure
			var at nullTime
			err := r.Scan(&e.LoanID, &at, &e.ErasedBy, &e.Reason)
			e.ErasedAt = at.t
			return e, err
		})
}

// ErasureCounts counts the erasures made in [since, until) by who made
// them, in actor order. It returns EINVALID for an empty range.
func (db *DB) ErasureCounts(ctx context.Context, since, until time.Time) ([]ledger.ErasureCount, error) {
	if err := checkRange(since, until); err != nil {
		return nil, err
	}
	return queryAll(ctx, db, "count erasures",
		db.d.rebind("SELECT erased_by, count(*) FROM loan_erasures WHERE erased_at >= ? AND erased_at < ? GROUP BY erased_by ORDER BY erased_by"),
		db.rangeArgs(since, until, 1), func(r rowScanner) (ledger.ErasureCount, error) {
			var c ledger.ErasureCount
			return c, r.Scan(&c.ErasedBy, &c.Count)
		})
}

// LegalHoldCount returns how many loans are under legal hold now.
func (db *DB) LegalHoldCount(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM legal_holds").Scan(&n); err != nil {
		return 0, db.wrap("count legal holds", err)
	}
	return n, nil
}
