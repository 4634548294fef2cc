package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ledger "github.com/aartha/ledger"
	"github.com/ethereum/go-ethereum/common"
)

// Bulk reads for reconciliation, rebuild and export: they stream whole tables
// in id order instead of paging, so that a full audit of 100,000 loans is a
// handful of queries.

// prefixed returns a column list with every column qualified by alias.
func prefixed(columns, alias string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// ForEachAnchor calls fn with every anchor and its loan, oldest anchor
// first. With loanIDs set it visits only those loans' anchors. fn's error
// stops the scan and is returned unchanged. fn must not use the store's
// write transactions on SQLite while the scan runs (the scan holds a read
// connection, not the writer, so reads are fine).
func (db *DB) ForEachAnchor(ctx context.Context, loanIDs []string, fn func(*ledger.Anchor, *ledger.Loan) error) error {
	q := "SELECT " + prefixed(anchorColumns, "a") + ", " + prefixed(loanColumns, "l") +
		" FROM anchors a JOIN loans l ON l.id = a.loan_id"
	var args []any
	if len(loanIDs) > 0 {
		marks := make([]string, len(loanIDs))
		for i, id := range loanIDs {
			if err := ledger.ValidateLoanID(id); err != nil {
				return err
			}
			marks[i] = "?"
			args = append(args, id)
		}
		q += " WHERE a.loan_id IN (" + strings.Join(marks, ", ") + ")"
	}
	q += " ORDER BY a.id"
	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), args...)
	if err != nil {
		return db.wrap("scan anchors", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, l, err := db.scanJoined(ctx, rows)
		if err != nil {
			return db.wrap("scan anchors", err)
		}
		if err := fn(a, l); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return db.wrap("scan anchors", err)
	}
	return nil
}

// scanJoined reads one row of anchorColumns followed by loanColumns: it
// takes the row's values once and replays them into the two scanners.
func (db *DB) scanJoined(ctx context.Context, rows *sql.Rows) (*ledger.Anchor, *ledger.Loan, error) {
	holders := make([]rawValue, anchorColumnCount+loanColumnCount)
	raw := make([]any, len(holders))
	for i := range holders {
		raw[i] = &holders[i]
	}
	if err := rows.Scan(raw...); err != nil {
		return nil, nil, err
	}
	a, err := scanAnchor(replay(holders[:anchorColumnCount]))
	if err != nil {
		return nil, nil, err
	}
	l, _, _, err := db.scanLoan(ctx, replay(holders[anchorColumnCount:]))
	if err != nil {
		return nil, nil, err
	}
	return a, l, nil
}

var (
	anchorColumnCount = len(strings.Split(anchorColumns, ","))
	loanColumnCount   = len(strings.Split(loanColumns, ","))
)

// rawValue holds one column value as the driver gave it.
type rawValue struct{ v any }

func (r *rawValue) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		src = append([]byte{}, b...)
	}
	r.v = src
	return nil
}

// replay is a rowScanner over values already read, converting them the way
// database/sql converts driver values.
type replay []rawValue

func (r replay) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("store: replay %d values into %d destinations", len(r), len(dest))
	}
	for i, d := range dest {
		if err := convertAssign(d, r[i].v); err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	return nil
}

// convertAssign assigns a driver value to a Scan destination, for the types
// the anchor and loan scanners use.
func convertAssign(dest, src any) error {
	if sc, ok := dest.(sql.Scanner); ok {
		return sc.Scan(src)
	}
	switch d := dest.(type) {
	case *string:
		switch v := src.(type) {
		case string:
			*d = v
		case []byte:
			*d = string(v)
		case nil:
			*d = ""
		default:
			return fmt.Errorf("cannot scan %T into string", src)
		}
	case *int64:
		v, err := asInt64(src)
		*d = v
		return err
	case *int:
		v, err := asInt64(src)
		*d = int(v)
		return err
	case *bool:
		var b sql.NullBool // SQLite gives 0/1, PostgreSQL a bool
		err := b.Scan(src)
		*d = b.Bool
		return err
	case *[]byte:
		switch v := src.(type) {
		case []byte:
			*d = v
		case string:
			*d = []byte(v)
		case nil:
			*d = nil
		default:
			return fmt.Errorf("cannot scan %T into []byte", src)
		}
	default:
		return fmt.Errorf("cannot scan into %T", dest)
	}
	return nil
}

func asInt64(src any) (int64, error) {
	switch v := src.(type) {
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	case int:
		return int64(v), nil
	case nil:
		return 0, nil
	}
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return 0, err
	}
	return n.Int64, nil
}

// UnanchoredRecords returns the records that should have an anchor and have
// none: approvals of loans with an approval time and no approval anchor,
// repayments with a repayment time and no repayment anchor. With loanIDs set
// it looks at those loans only.
func (db *DB) UnanchoredRecords(ctx context.Context, loanIDs []string) ([]ledger.ReconcileFinding, error) {
	q := `SELECT id, 1 FROM loans WHERE approved_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM anchors WHERE anchors.loan_id = loans.id AND anchors.kind = 1)%[1]s
		UNION ALL
		SELECT id, 2 FROM loans WHERE repaid_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM anchors WHERE anchors.loan_id = loans.id AND anchors.kind = 2)%[1]s
		ORDER BY 1, 2`
	var args []any
	cond := ""
	if len(loanIDs) > 0 {
		marks := make([]string, len(loanIDs))
		for i, id := range loanIDs {
			if err := ledger.ValidateLoanID(id); err != nil {
				return nil, err
			}
			marks[i] = "?"
		}
		cond = " AND id IN (" + strings.Join(marks, ", ") + ")"
		for range 2 {
			for _, id := range loanIDs {
				args = append(args, id)
			}
		}
	}
	rows, err := db.r.QueryContext(ctx, db.d.rebind(fmt.Sprintf(q, cond)), args...)
	if err != nil {
		return nil, db.wrap("list unanchored records", err)
	}
	defer rows.Close()
	var out []ledger.ReconcileFinding
	for rows.Next() {
		var f ledger.ReconcileFinding
		var kind int64
		if err := rows.Scan(&f.LoanID, &kind); err != nil {
			return nil, db.wrap("list unanchored records", err)
		}
		f.Kind = ledger.Kind(kind)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("list unanchored records", err)
	}
	return out, nil
}

// SampleLoanIDs returns up to n ids of approved (possibly since repaid or
// defaulted) loans, chosen at random by the database.
func (db *DB) SampleLoanIDs(ctx context.Context, n int) ([]string, error) {
	if n < 1 {
		return nil, ledger.Errorf(ledger.EINVALID, "sample size %d is out of range: ask for at least 1 loan", n)
	}
	rows, err := db.r.QueryContext(ctx, db.d.rebind("SELECT id FROM loans WHERE approved_at IS NOT NULL ORDER BY random() LIMIT ?"), n)
	if err != nil {
		return nil, db.wrap("sample loans", err)
	}
	return collectStrings(rows, "sample loans", db)
}

func collectStrings(rows *sql.Rows, op string, db *DB) ([]string, error) {
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, db.wrap(op, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(op, err)
	}
	return out, nil
}

// LoanIDs calls fn with the id of every loan, in id order.
func (db *DB) LoanIDs(ctx context.Context, fn func(id string) error) error {
	rows, err := db.r.QueryContext(ctx, "SELECT id FROM loans ORDER BY id")
	if err != nil {
		return db.wrap("list loan ids", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return db.wrap("list loan ids", err)
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return db.wrap("list loan ids", err)
	}
	return nil
}

// AnchorKeys returns the loan key and kind of every direct-mode anchor,
// whatever its status.
func (db *DB) AnchorKeys(ctx context.Context) (map[ledger.RecordKey]bool, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT loan_key, kind FROM anchors WHERE mode = 'direct'")
	if err != nil {
		return nil, db.wrap("list anchor keys", err)
	}
	defer rows.Close()
	keys := map[ledger.RecordKey]bool{}
	for rows.Next() {
		var key nullBytes
		var kind int64
		if err := rows.Scan(&key, &kind); err != nil {
			return nil, db.wrap("list anchor keys", err)
		}
		h, err := key.hash("loan_key")
		if err != nil {
			return nil, db.wrap("list anchor keys", err)
		}
		keys[ledger.RecordKey{LoanKey: h, Kind: ledger.Kind(kind)}] = true
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("list anchor keys", err)
	}
	// Audit checkpoints are direct records of their own (reserved ids
	// aartha.audit/<n>): on chain they are ours, not unknown writes.
	cps, err := db.AuditCheckpointKeys(ctx)
	if err != nil {
		return nil, err
	}
	for k := range cps {
		keys[ledger.RecordKey{LoanKey: k, Kind: ledger.KindApproved}] = true
	}
	return keys, nil
}

// AllBatches returns every batch, oldest first.
func (db *DB) AllBatches(ctx context.Context) ([]*ledger.Batch, error) {
	return queryAll(ctx, db, "list batches", "SELECT "+batchColumns+" FROM batches ORDER BY id", nil, scanBatch)
}

// BatchByRoot returns the batch with the given root, or ENOTFOUND.
func (db *DB) BatchByRoot(ctx context.Context, root common.Hash) (*ledger.Batch, error) {
	q := db.d.rebind("SELECT " + batchColumns + " FROM batches WHERE root = ?")
	b, err := scanBatch(db.r.QueryRowContext(ctx, q, root.Bytes()))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ledger.Errorf(ledger.ENOTFOUND, "no batch with root %s", root.Hex())
	case err != nil:
		return nil, db.wrap("get batch by root", err)
	}
	return b, nil
}

const reconcileRunColumns = `id, scope, sample, loans, records, started_at, finished_at, chain, contract,
	from_block, chain_head, matched, mismatched, missing, unknown, pending, truncated, findings`

// SaveReconcileRun stores a finished run and sets its ID. It returns
// EINVALID for a scope other than all or sample.
func (db *DB) SaveReconcileRun(ctx context.Context, r *ledger.ReconcileRun) error {
	if r.Scope != ledger.ReconcileAll && r.Scope != ledger.ReconcileSample {
		return ledger.Errorf(ledger.EINVALID, "reconcile scope %q is unknown: use all or sample", truncate(r.Scope, 40))
	}
	findings := r.Findings
	if findings == nil {
		findings = []ledger.ReconcileFinding{}
	}
	doc, err := json.Marshal(findings)
	if err != nil {
		return fmt.Errorf("encode findings: %w", err)
	}
	c := r.Counts
	q := db.d.rebind(`INSERT INTO reconcile_runs (scope, sample, loans, records, started_at, finished_at, chain, contract,
		from_block, chain_head, matched, mismatched, missing, unknown, pending, truncated, findings)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	return db.inTx(ctx, func(t *tx) error {
		err := t.tx.QueryRowContext(ctx, q, r.Scope, r.Sample, r.Loans, r.Records,
			db.d.timeArg(r.StartedAt), db.d.timeArg(r.FinishedAt), r.Chain, r.Contract,
			r.FromBlock, r.ChainHead, c.Match, c.Mismatch, c.Missing, c.Unknown, c.Pending,
			db.boolArg(r.Truncated), string(doc)).Scan(&r.ID)
		if classify(err) == errCheck {
			return ledger.Errorf(ledger.EINVALID, "reconcile run breaks a rule of the reconcile_runs table: %v", err)
		}
		if err != nil {
			return db.wrap("save reconcile run", err)
		}
		return nil
	})
}

// boolArg encodes a boolean: 0/1 on SQLite, a boolean on PostgreSQL.
func (db *DB) boolArg(b bool) any {
	if db.d.name == "sqlite" {
		if b {
			return 1
		}
		return 0
	}
	return b
}

// ReconcileRuns returns the latest runs, newest first, at most limit (0:
// 20, at most 1000). With findings false the runs come without their
// findings (a listing).
func (db *DB) ReconcileRuns(ctx context.Context, limit int, findings bool) ([]*ledger.ReconcileRun, error) {
	switch {
	case limit == 0:
		limit = 20
	case limit < 1 || limit > 1000:
		return nil, ledger.Errorf(ledger.EINVALID, "limit %d is out of range: ask for 1 to 1000 runs", limit)
	}
	cols := reconcileRunColumns
	if !findings {
		cols = strings.Replace(cols, "findings", "''", 1)
	}
	return queryAll(ctx, db, "list reconcile runs",
		db.d.rebind("SELECT "+cols+" FROM reconcile_runs ORDER BY id DESC LIMIT ?"), []any{limit}, scanReconcileRun)
}

// ReconcileRun returns one run with its findings, or ENOTFOUND.
func (db *DB) ReconcileRun(ctx context.Context, id int64) (*ledger.ReconcileRun, error) {
	row := db.r.QueryRowContext(ctx, db.d.rebind("SELECT "+reconcileRunColumns+" FROM reconcile_runs WHERE id = ?"), id)
	r, err := scanReconcileRun(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ledger.Errorf(ledger.ENOTFOUND, "reconcile run %d not found", id)
	case err != nil:
		return nil, db.wrap("get reconcile run", err)
	}
	return r, nil
}

func scanReconcileRun(row rowScanner) (*ledger.ReconcileRun, error) {
	var (
		r                 ledger.ReconcileRun
		started, finished nullTime
		truncated         any
		doc               sql.NullString
	)
	c := &r.Counts
	err := row.Scan(&r.ID, &r.Scope, &r.Sample, &r.Loans, &r.Records, &started, &finished, &r.Chain, &r.Contract,
		&r.FromBlock, &r.ChainHead, &c.Match, &c.Mismatch, &c.Missing, &c.Unknown, &c.Pending, &truncated, &doc)
	if err != nil {
		return nil, err
	}
	r.StartedAt, r.FinishedAt = started.t, finished.t
	switch v := truncated.(type) {
	case bool:
		r.Truncated = v
	case int64:
		r.Truncated = v != 0
	}
	r.Findings = []ledger.ReconcileFinding{}
	if doc.String != "" {
		if err := json.Unmarshal([]byte(doc.String), &r.Findings); err != nil {
			return nil, fmt.Errorf("decode findings of reconcile run %d: %w", r.ID, err)
		}
	}
	return &r, nil
}

// RestoreAnchor inserts an anchor recovered from the chain as it is, with
// any status, and sets its ID. Unlike QueueAnchor it never calls the job
// hook: the record is already on chain. It returns ECONFLICT if the loan
// already has an anchor of that kind and ENOTFOUND if the loan (or batch)
// does not exist.
func (t *tx) RestoreAnchor(ctx context.Context, a *ledger.Anchor) error {
	if err := ledger.ValidateLoanID(a.LoanID); err != nil {
		return err
	}
	if !validAnchorStatus(a.Status) {
		return statusError(a.Status)
	}
	return t.insertAnchor(ctx, a, "restore")
}

// CountAnchors returns how many anchor rows there are.
func (db *DB) CountAnchors(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM anchors").Scan(&n); err != nil {
		return 0, db.wrap("count anchors", err)
	}
	return n, nil
}

// AnchorCountsByStatus returns how many anchors have each status (statuses
// with none are absent), for the queue-depth metric.
func (db *DB) AnchorCountsByStatus(ctx context.Context) (map[string]int, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT status, count(*) FROM anchors GROUP BY status")
	if err != nil {
		return nil, db.wrap("count anchors by status", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, db.wrap("count anchors by status", err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("count anchors by status", err)
	}
	return out, nil
}

// LastReconcileRun returns the newest reconciliation run without its
// findings, or ENOTFOUND if none has run.
func (db *DB) LastReconcileRun(ctx context.Context) (*ledger.ReconcileRun, error) {
	runs, err := db.ReconcileRuns(ctx, 1, false)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "no reconciliation has run yet")
	}
	return runs[0], nil
}
