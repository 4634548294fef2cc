package store

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"

	ledger "github.com/aartha/ledger"
)

const loanColumns = `seq, id, borrower, lender, borrower_address, lender_address,
	principal, currency, interest_rate_bps, term_months, status, reason,
	created_at, updated_at, approved_at, closed_at, repaid_at, amount_repaid,
	salt, repayment_salt,
	blockchain_status, blockchain_tx_hash, blockchain_stored_at,
	repayment_blockchain_status, repayment_blockchain_tx_hash, repayment_blockchain_stored_at,
	data_key, pii_encrypted, erased_at`

const insertLoanSQL = `INSERT INTO loans (id, borrower, lender, borrower_address, lender_address,
	principal, currency, interest_rate_bps, term_months, status, reason,
	created_at, updated_at, approved_at, closed_at, repaid_at, amount_repaid,
	salt, repayment_salt,
	blockchain_status, blockchain_tx_hash, blockchain_stored_at,
	repayment_blockchain_status, repayment_blockchain_tx_hash, repayment_blockchain_stored_at,
	data_key, borrower_index, pii_encrypted)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// updateLoanSQL writes every field but the id, seq, created_at and the
// personal fields, which never change after creation (and are emptied only
// by ErasePersonalData).
const updateLoanSQL = `UPDATE loans SET
	principal = ?, currency = ?, interest_rate_bps = ?, term_months = ?, status = ?, reason = ?,
	updated_at = ?, approved_at = ?, closed_at = ?, repaid_at = ?, amount_repaid = ?,
	salt = ?, repayment_salt = ?,
	blockchain_status = ?, blockchain_tx_hash = ?, blockchain_stored_at = ?,
	repayment_blockchain_status = ?, repayment_blockchain_tx_hash = ?, repayment_blockchain_stored_at = ?
	WHERE id = ?`

// Page sizes of Loans.
const (
	defaultLoanLimit = 50
	maxLoanLimit     = 500
)

type rowScanner interface {
	Scan(dest ...any) error
}

// loanKey is the data key of a loan read: nil for a loan in the clear or
// erased; gone for one whose key the keyring lacks (see openLoan).
type loanKey struct {
	aead cipher.AEAD
	gone bool
}

// scanLoan reads one row of loanColumns and opens its personal fields; it
// also returns the loan's data key.
func (db *DB) scanLoan(ctx context.Context, row rowScanner) (*ledger.Loan, int64, loanKey, error) {
	var (
		l                                          ledger.Loan
		seq                                        int64
		created, updated, approved, closed, repaid nullTime
		stored, repaymentStored, erased            nullTime
		wrapped                                    []byte
		encrypted                                  bool
		status, chainStatus, repaymentChainStatus  string
	)
	err := row.Scan(&seq, &l.ID, &l.Borrower, &l.Lender, &l.BorrowerAddress, &l.LenderAddress,
		&l.Principal, &l.Currency, &l.InterestRateBps, &l.TermMonths, &status, &l.Reason,
		&created, &updated, &approved, &closed, &repaid, &l.AmountRepaid,
		&l.Salt, &l.RepaymentSalt,
		&chainStatus, &l.BlockchainTxHash, &stored,
		&repaymentChainStatus, &l.RepaymentBlockchainTxHash, &repaymentStored,
		&wrapped, &encrypted, &erased)
	if err != nil {
		return nil, 0, loanKey{}, err
	}
	l.Status = ledger.LoanStatus(status)
	l.BlockchainStatus = ledger.ChainStatus(chainStatus)
	l.RepaymentBlockchainStatus = ledger.ChainStatus(repaymentChainStatus)
	l.CreatedAt, l.UpdatedAt = created.t, updated.t
	l.ApprovedAt, l.ClosedAt, l.RepaidAt = approved.ptr(), closed.ptr(), repaid.ptr()
	l.BlockchainStoredAt, l.RepaymentBlockchainStoredAt = stored.ptr(), repaymentStored.ptr()
	l.ErasedAt = erased.ptr()
	aead, gone, err := db.openLoan(ctx, &l, wrapped, encrypted)
	if err != nil {
		return nil, 0, loanKey{}, err
	}
	return &l, seq, loanKey{aead: aead, gone: gone}, nil
}

// Loan returns the loan with the given id: ENOTFOUND if there is none,
// EINVALID if id is not a valid loan id.
func (db *DB) Loan(ctx context.Context, id string) (*ledger.Loan, error) {
	if err := ledger.ValidateLoanID(id); err != nil {
		return nil, err
	}
	l, _, err := db.loan(ctx, db.r.QueryRowContext(ctx, db.q.loan, id), id)
	return l, err
}

// LoanForUpdate returns the loan and, on PostgreSQL, locks its row until the
// transaction ends (on SQLite the whole database is already locked for
// writing). It returns ENOTFOUND if there is no such loan.
func (t *tx) LoanForUpdate(ctx context.Context, id string) (*ledger.Loan, error) {
	if err := ledger.ValidateLoanID(id); err != nil {
		return nil, err
	}
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	l, key, err := t.db.loan(ctx, t.queryRow(ctx, t.db.q.loanForUpdate, id), id)
	if err != nil {
		return nil, err
	}
	if !key.gone { // a change to a loan whose key is gone fails in dataKey
		t.remember(id, key.aead)
	}
	return l, nil
}

func (db *DB) loan(ctx context.Context, row *sql.Row, id string) (*ledger.Loan, loanKey, error) {
	l, _, key, err := db.scanLoan(ctx, row)
	var le *ledger.Error
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, loanKey{}, ledger.Errorf(ledger.ENOTFOUND, "loan %s not found", id)
	case errors.As(err, &le):
		return nil, loanKey{}, err
	case err != nil:
		return nil, loanKey{}, db.wrap("get loan "+id, err)
	}
	return l, key, nil
}

// CreateLoan inserts l. It returns ECONFLICT if a loan with its id exists
// and EINVALID if l breaks a rule of the table (an invalid status, say).
func (t *tx) CreateLoan(ctx context.Context, l *ledger.Loan) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	d := t.db.d
	borrower, lender, borrowerAddr, lenderAddr := l.Borrower, l.Lender, l.BorrowerAddress, l.LenderAddress
	var aead cipher.AEAD
	var wrapped []byte
	index := ""
	if k := t.db.pii; k != nil {
		var err error
		if aead, wrapped, err = k.newDataKey(l.ID); err != nil {
			return err
		}
		// The key is in the keyring before the loan's row commits: a crash
		// in between leaves an orphan key, which a sweep deletes, or which
		// the next creation of that id replaces.
		if ring := t.db.keyring; ring != nil {
			if err := t.claimLoanID(ctx, l.ID); err != nil {
				return err
			}
			err := ring.put(ctx, wrappedKey{loanID: l.ID, masterKeyID: k.current.id, wrapped: wrapped, createdAt: l.CreatedAt})
			if err != nil {
				return err
			}
			wrapped = nil
		}
		borrower, lender = sealText(aead, l.ID, "borrower", borrower), sealText(aead, l.ID, "lender", lender)
		borrowerAddr = sealText(aead, l.ID, "borrower_address", borrowerAddr)
		lenderAddr = sealText(aead, l.ID, "lender_address", lenderAddr)
		index = k.BorrowerIndex(l.Borrower)
	}
	_, err := t.exec(ctx, t.db.q.insertLoan,
		l.ID, borrower, lender, borrowerAddr, lenderAddr,
		l.Principal, l.Currency, l.InterestRateBps, l.TermMonths, string(l.Status), l.Reason,
		d.timeArg(l.CreatedAt), d.timeArg(l.UpdatedAt), d.nullTimeArg(l.ApprovedAt), d.nullTimeArg(l.ClosedAt),
		d.nullTimeArg(l.RepaidAt), l.AmountRepaid,
		bytesArg(sealBytes(aead, l.ID, "salt", l.Salt)), bytesArg(sealBytes(aead, l.ID, "repayment_salt", l.RepaymentSalt)),
		string(l.BlockchainStatus), l.BlockchainTxHash, d.nullTimeArg(l.BlockchainStoredAt),
		string(l.RepaymentBlockchainStatus), l.RepaymentBlockchainTxHash, d.nullTimeArg(l.RepaymentBlockchainStoredAt),
		bytesArg(wrapped), index, aead != nil)
	switch classify(err) {
	case errUnique:
		return ledger.Errorf(ledger.ECONFLICT, "loan %s already exists", l.ID)
	case errCheck:
		return ledger.Errorf(ledger.EINVALID, "loan %s breaks a rule of the loans table: %v", l.ID, err)
	}
	if err != nil {
		return t.db.wrap("create loan "+l.ID, err)
	}
	t.remember(l.ID, aead)
	if ring := t.db.keyring; ring != nil && aead != nil {
		ring.remember(l.ID, aead)
	}
	return nil
}

// claimLoanID makes sure no loan has the id before CreateLoan writes its
// key to the keyring, which must never replace the key of a loan that
// exists. On PostgreSQL a lock on the id, held until the transaction ends,
// makes a concurrent creation of the same id wait and then see this one's
// row; on SQLite the transaction already holds the database's write lock.
func (t *tx) claimLoanID(ctx context.Context, id string) error {
	if t.db.d.lockLoanID != "" {
		if _, err := t.exec(ctx, t.db.d.rebind(t.db.d.lockLoanID), "aartha.loan:"+id); err != nil {
			return t.db.wrap("lock loan id "+id, err)
		}
	}
	var n int
	if err := t.queryRow(ctx, t.db.d.rebind("SELECT count(*) FROM loans WHERE id = ?"), id).Scan(&n); err != nil {
		return t.db.wrap("look up loan "+id, err)
	}
	if n > 0 {
		return ledger.Errorf(ledger.ECONFLICT, "loan %s already exists", id)
	}
	return nil
}

// UpdateLoan writes every field of l except its id and creation time. It
// returns ENOTFOUND if there is no loan with l's id.
//
// On PostgreSQL the update is held back and sent with the transaction's next
// statement (in one statement with the audit row that normally follows it)
// or before the commit, so a failure may be reported by that next call or
// by InTx. The values are copied: changing l afterwards changes nothing.
func (t *tx) UpdateLoan(ctx context.Context, l *ledger.Loan) error {
	d := t.db.d
	aead, err := t.dataKey(ctx, l.ID)
	if err != nil {
		return err
	}
	p := &pendingUpdate{id: l.ID, args: []any{
		l.Principal, l.Currency, l.InterestRateBps, l.TermMonths, string(l.Status), l.Reason,
		d.timeArg(l.UpdatedAt), d.nullTimeArg(l.ApprovedAt), d.nullTimeArg(l.ClosedAt),
		d.nullTimeArg(l.RepaidAt), l.AmountRepaid,
		bytesArg(sealBytes(aead, l.ID, "salt", l.Salt)), bytesArg(sealBytes(aead, l.ID, "repayment_salt", l.RepaymentSalt)),
		string(l.BlockchainStatus), l.BlockchainTxHash, d.nullTimeArg(l.BlockchainStoredAt),
		string(l.RepaymentBlockchainStatus), l.RepaymentBlockchainTxHash, d.nullTimeArg(l.RepaymentBlockchainStoredAt),
		l.ID,
	}}
	if err := t.flush(ctx); err != nil {
		return err
	}
	if d.combineWrites {
		t.pending = p
		return nil
	}
	return t.update(ctx, p)
}

// flush sends a held-back update.
func (t *tx) flush(ctx context.Context) error {
	p := t.pending
	if p == nil {
		return nil
	}
	t.pending = nil
	return t.update(ctx, p)
}

func (t *tx) update(ctx context.Context, p *pendingUpdate) error {
	res, err := t.exec(ctx, t.db.q.updateLoan, p.args...)
	if classify(err) == errCheck {
		return ledger.Errorf(ledger.EINVALID, "loan %s breaks a rule of the loans table: %v", p.id, err)
	}
	if err != nil {
		return t.db.wrap("update loan "+p.id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.db.wrap("update loan "+p.id, err)
	}
	if n == 0 {
		return ledger.Errorf(ledger.ENOTFOUND, "loan %s not found", p.id)
	}
	return nil
}

var idPrefixPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,100}$`)

// Loans returns one page of loans matching f, newest first (in order of
// creation). It returns EINVALID for an unknown status, an id prefix that no
// loan id could start with, a malformed cursor or a limit out of range.
func (db *DB) Loans(ctx context.Context, f ledger.LoanFilter) (ledger.LoanPage, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = defaultLoanLimit
	case limit < 1 || limit > maxLoanLimit:
		return ledger.LoanPage{}, ledger.Errorf(ledger.EINVALID, "limit %d is out of range: ask for 1 to %d loans", f.Limit, maxLoanLimit)
	}
	var where []string
	var args []any
	if f.Status != "" {
		if !f.Status.Valid() {
			return ledger.LoanPage{}, ledger.Errorf(ledger.EINVALID, "status %q is unknown: use submitted, approved, rejected, repaid or defaulted", truncate(string(f.Status), 40))
		}
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.BlockchainStatus != "" {
		if !f.BlockchainStatus.Valid() {
			return ledger.LoanPage{}, ledger.Errorf(ledger.EINVALID, "blockchain_status %q is unknown: use not_stored, queued, submitted, confirmed or failed", truncate(string(f.BlockchainStatus), 40))
		}
		where, args = append(where, "blockchain_status = ?"), append(args, string(f.BlockchainStatus))
	}
	if f.IDPrefix != "" {
		// The pattern also keeps LIKE and GLOB wildcards out of the argument.
		if !idPrefixPattern.MatchString(f.IDPrefix) {
			return ledger.LoanPage{}, ledger.Errorf(ledger.EINVALID, "id prefix %q is invalid: loan ids have only A-Z, a-z, 0-9 and '-', at most 100 of them", truncate(f.IDPrefix, 120))
		}
		where, args = append(where, db.d.prefixMatch), append(args, f.IDPrefix+db.d.prefixWildcard)
	}
	if f.Borrower != "" {
		// Encrypted loans are found by their blind index, loans in the clear
		// by the value itself.
		if db.pii != nil {
			indexes := db.pii.borrowerIndexes(f.Borrower)
			where = append(where, "(borrower_index IN (?"+strings.Repeat(", ?", len(indexes)-1)+") OR (NOT pii_encrypted AND borrower = ?))")
			for _, ix := range indexes {
				args = append(args, ix)
			}
			args = append(args, f.Borrower)
		} else {
			where, args = append(where, "borrower = ?"), append(args, f.Borrower)
		}
	}
	if f.After != "" {
		seq, err := decodeCursor(f.After)
		if err != nil {
			return ledger.LoanPage{}, err
		}
		where, args = append(where, "seq < ?"), append(args, seq)
	}
	q := "SELECT " + loanColumns + " FROM loans"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC LIMIT ?"
	args = append(args, limit+1)

	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), args...)
	if err != nil {
		return ledger.LoanPage{}, db.wrap("list loans", err)
	}
	defer rows.Close()
	page := ledger.LoanPage{Loans: make([]*ledger.Loan, 0, min(limit, 64))}
	var lastSeq int64
	for rows.Next() {
		if len(page.Loans) == limit {
			page.Next = encodeCursor(lastSeq)
			break
		}
		l, seq, _, err := db.scanLoan(ctx, rows)
		if err != nil {
			return ledger.LoanPage{}, db.wrap("list loans", err)
		}
		page.Loans = append(page.Loans, l)
		lastSeq = seq
	}
	if err := rows.Err(); err != nil {
		return ledger.LoanPage{}, db.wrap("list loans", err)
	}
	return page, nil
}

// Cursors are opaque to callers; inside they are "l" and a sequence number.
func encodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("l" + strconv.FormatInt(seq, 10)))
}

func decodeCursor(s string) (int64, error) {
	bad := ledger.Errorf(ledger.EINVALID, "cursor %q is malformed: pass the next value of the previous page unchanged", truncate(s, 60))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != 'l' {
		return 0, bad
	}
	seq, err := strconv.ParseInt(string(b[1:]), 10, 64)
	if err != nil || seq < 1 {
		return 0, bad
	}
	return seq, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
