package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	ledger "github.com/aartha/ledger"
)

// Aggregate reads for the monthly compliance report (package report). Each
// is one GROUP BY query over a time range [since, until), so a month of
// 100,000 loans is a handful of queries and a few hundred rows.

// dayOf is the SQL expression for the UTC date (YYYY-MM-DD) of a timestamp
// column: SQLite stores fixed-width UTC text, PostgreSQL a timestamptz.
func (d *dialect) dayOf(col string) string {
	if d.name == "sqlite" {
		return "substr(" + col + ", 1, 10)"
	}
	return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
}

func checkRange(since, until time.Time) error {
	if since.IsZero() || until.IsZero() || !since.Before(until) {
		return ledger.Errorf(ledger.EINVALID, "time range %s to %s is empty: give a start before the end", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	return nil
}

// LoanActivity counts the loans created, approved, repaid, rejected and
// defaulted in [since, until), by currency, with their principal (the amount
// repaid for repayments). It returns EINVALID for an empty range.
func (db *DB) LoanActivity(ctx context.Context, since, until time.Time) ([]ledger.LoanActivity, error) {
	if err := checkRange(since, until); err != nil {
		return nil, err
	}
	part := func(event, amount, col, extra string) string {
		return "SELECT '" + event + "', currency, count(*), CAST(coalesce(sum(" + amount + "), 0) AS TEXT) FROM loans WHERE " +
			col + " >= ? AND " + col + " < ?" + extra + " GROUP BY currency"
	}
	q := strings.Join([]string{
		part(ledger.LoanEventCreated, "principal", "created_at", ""),
		part(ledger.LoanEventApproved, "principal", "approved_at", ""),
		part(ledger.LoanEventRepaid, "amount_repaid", "repaid_at", ""),
		part(ledger.LoanEventRejected, "principal", "closed_at", " AND status = 'rejected'"),
		part(ledger.LoanEventDefaulted, "principal", "closed_at", " AND status = 'defaulted'"),
	}, " UNION ALL ") + " ORDER BY 1, 2"
	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), db.rangeArgs(since, until, 5)...)
	if err != nil {
		return nil, db.wrap("count loan activity", err)
	}
	defer rows.Close()
	out := []ledger.LoanActivity{}
	for rows.Next() {
		var a ledger.LoanActivity
		if err := rows.Scan(&a.Event, &a.Currency, &a.Count, &a.AmountMinor); err != nil {
			return nil, db.wrap("count loan activity", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("count loan activity", err)
	}
	return out, nil
}

// rangeArgs repeats (since, until) n times.
func (db *DB) rangeArgs(since, until time.Time, n int) []any {
	args := make([]any, 0, 2*n)
	for range n {
		args = append(args, db.d.timeArg(since), db.d.timeArg(until))
	}
	return args
}

// AnchorActivity counts, per day, mode and kind, the anchors that became
// final in [since, until) (by final time) and those that are failed and
// last changed in it. It returns EINVALID for an empty range.
func (db *DB) AnchorActivity(ctx context.Context, since, until time.Time) ([]ledger.AnchorActivity, error) {
	if err := checkRange(since, until); err != nil {
		return nil, err
	}
	part := func(status, col string) string {
		day := db.d.dayOf(col)
		return "SELECT " + day + ", mode, kind, status, count(*) FROM anchors WHERE status = '" + status + "' AND " +
			col + " >= ? AND " + col + " < ? GROUP BY " + day + ", mode, kind, status"
	}
	q := part("final", "final_at") + " UNION ALL " + part("failed", "updated_at") + " ORDER BY 1, 2, 3, 4"
	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), db.rangeArgs(since, until, 2)...)
	if err != nil {
		return nil, db.wrap("count anchor activity", err)
	}
	defer rows.Close()
	out := []ledger.AnchorActivity{}
	for rows.Next() {
		var a ledger.AnchorActivity
		var kind int64
		var status string
		if err := rows.Scan(&a.Day, &a.Mode, &kind, &status, &a.Count); err != nil {
			return nil, db.wrap("count anchor activity", err)
		}
		a.Kind, a.Status = ledger.Kind(kind), ledger.AnchorStatus(status)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("count anchor activity", err)
	}
	return out, nil
}

// WriteActivity counts, per day, mode, outcome and gas price, the chain
// writes that became final in [since, until) or that failed and last
// changed in it: batches (with their leaf counts, gas used and effective gas
// price) and direct-mode anchors (one transaction each; gas from the
// transaction journal, whose send key is "anchor:<id>"). A direct anchor
// restored from the chain has no journal entry: its gas is unknown. It
// returns EINVALID for an empty range.
func (db *DB) WriteActivity(ctx context.Context, since, until time.Time) ([]ledger.WriteActivity, error) {
	if err := checkRange(since, until); err != nil {
		return nil, err
	}
	batch := func(status, col string) string {
		day := db.d.dayOf(col)
		return "SELECT " + day + ", 'batch', '" + status + "', count(*), coalesce(sum(leaf_count), 0), count(gas_used), " +
			"coalesce(sum(gas_used), 0), gas_price_wei FROM batches WHERE status = '" + status + "' AND " +
			col + " >= ? AND " + col + " < ? GROUP BY " + day + ", gas_price_wei"
	}
	direct := func(status, col string) string {
		day := db.d.dayOf("a." + col)
		return "SELECT " + day + ", 'direct', '" + status + "', count(*), count(*), count(s.inc_gas_used), " +
			"coalesce(sum(s.inc_gas_used), 0), s.inc_gas_price FROM anchors a LEFT JOIN tx_sends s ON s.key = 'anchor:' || a.id " +
			"WHERE a.mode = 'direct' AND a.status = '" + status + "' AND a." + col + " >= ? AND a." + col + " < ? " +
			"GROUP BY " + day + ", s.inc_gas_price"
	}
	q := strings.Join([]string{
		batch("final", "final_at"), batch("failed", "updated_at"),
		direct("final", "final_at"), direct("failed", "updated_at"),
	}, " UNION ALL ") + " ORDER BY 1, 2, 3, 8"
	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), db.rangeArgs(since, until, 4)...)
	if err != nil {
		return nil, db.wrap("count chain writes", err)
	}
	defer rows.Close()
	out := []ledger.WriteActivity{}
	for rows.Next() {
		var w ledger.WriteActivity
		var status string
		var gas int64
		var price sql.NullString
		if err := rows.Scan(&w.Day, &w.Mode, &status, &w.Writes, &w.Records, &w.WithGas, &gas, &price); err != nil {
			return nil, db.wrap("count chain writes", err)
		}
		w.Status, w.GasUsed, w.GasPriceWei = ledger.AnchorStatus(status), uint64(gas), price.String
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("count chain writes", err)
	}
	return out, nil
}

// AuditActionCounts counts the audit rows written in [since, until) by
// action, in action order. It returns EINVALID for an empty range.
func (db *DB) AuditActionCounts(ctx context.Context, since, until time.Time) ([]ledger.ActionCount, error) {
	if err := checkRange(since, until); err != nil {
		return nil, err
	}
	q := db.d.rebind("SELECT action, count(*) FROM audit_log WHERE at >= ? AND at < ? GROUP BY action ORDER BY action")
	rows, err := db.r.QueryContext(ctx, q, db.rangeArgs(since, until, 1)...)
	if err != nil {
		return nil, db.wrap("count audit actions", err)
	}
	defer rows.Close()
	out := []ledger.ActionCount{}
	for rows.Next() {
		var c ledger.ActionCount
		if err := rows.Scan(&c.Action, &c.Count); err != nil {
			return nil, db.wrap("count audit actions", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("count audit actions", err)
	}
	return out, nil
}

// ReconcileRunsStarted returns the reconciliation runs started in [since,
// until) — until may be zero for no end — oldest first, without their
// findings, at most limit (0: 100, at most 1000).
func (db *DB) ReconcileRunsStarted(ctx context.Context, since, until time.Time, limit int) ([]*ledger.ReconcileRun, error) {
	switch {
	case limit == 0:
		limit = 100
	case limit < 1 || limit > 1000:
		return nil, ledger.Errorf(ledger.EINVALID, "limit %d is out of range: ask for 1 to 1000 runs", limit)
	}
	cols := strings.Replace(reconcileRunColumns, "findings", "''", 1)
	q := "SELECT " + cols + " FROM reconcile_runs WHERE started_at >= ?"
	args := []any{db.d.timeArg(since)}
	if !until.IsZero() {
		q += " AND started_at < ?"
		args = append(args, db.d.timeArg(until))
	}
	q += " ORDER BY started_at, id LIMIT ?"
	return queryAll(ctx, db, "list reconcile runs", db.d.rebind(q), append(args, limit), scanReconcileRun)
}
