package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	ledger "github.com/aartha/ledger"
)

const insertAuditSQL = `INSERT INTO audit_log (at, actor_id, actor_role, actor_addr, action, entity, entity_id, before, after)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

// updateAndAuditSQL is updateLoanSQL and insertAuditSQL in one statement
// (PostgreSQL). The audit row is written only if the update found its loan,
// and no row comes back otherwise.
const updateAndAuditSQL = `WITH u AS (` + updateLoanSQL + ` RETURNING 1)
	INSERT INTO audit_log (at, actor_id, actor_role, actor_addr, action, entity, entity_id, before, after)
	SELECT ?::timestamptz, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::jsonb, ?::jsonb
	WHERE EXISTS (SELECT 1 FROM u) RETURNING id`

const auditColumns = `id, at, actor_id, actor_role, actor_addr, action, entity, entity_id, before, after`

// Page sizes of AuditEntries.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// AppendAudit inserts e and sets e.ID. It returns EINVALID if e has no time,
// actor, action or entity: every change has an author. A failure here fails
// the transaction, so a change is never kept without its audit row.
func (t *tx) AppendAudit(ctx context.Context, e *ledger.AuditEntry) error {
	switch {
	case e.At.IsZero():
		return ledger.Errorf(ledger.EINVALID, "audit entry %s has no time", e.Action)
	case e.Actor.ID == "":
		return ledger.Errorf(ledger.EINVALID, "audit entry %s on %s %s has no actor: every change needs an author", e.Action, e.Entity, e.EntityID)
	case e.Action == "" || e.Entity == "":
		return ledger.Errorf(ledger.EINVALID, "audit entry needs an action and an entity")
	}
	args := []any{t.db.d.timeArg(e.At), e.Actor.ID, e.Actor.Role, e.Actor.Addr,
		e.Action, e.Entity, e.EntityID, jsonArg(e.Before), jsonArg(e.After)}
	if p := t.pending; p != nil {
		// Send the held-back loan update with this row, in one statement.
		t.pending = nil
		err := t.queryRow(ctx, t.db.q.updateAndAudit, append(p.args, args...)...).Scan(&e.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ledger.Errorf(ledger.ENOTFOUND, "loan %s not found", p.id)
		case classify(err) == errCheck:
			return ledger.Errorf(ledger.EINVALID, "loan %s or its audit entry %s breaks a rule of the database: %v", p.id, e.Action, err)
		case err != nil:
			return t.db.wrap("update loan "+p.id+" and append audit entry", err)
		}
		return nil
	}
	err := t.queryRow(ctx, t.db.q.insertAudit, args...).Scan(&e.ID)
	if classify(err) == errCheck {
		return ledger.Errorf(ledger.EINVALID, "audit entry %s breaks a rule of the audit table: %v", e.Action, err)
	}
	if err != nil {
		return t.db.wrap("append audit entry", err)
	}
	return nil
}

// AuditEntries returns audit rows matching f, newest first. It returns
// EINVALID for a limit out of range or a negative cursor.
func (db *DB) AuditEntries(ctx context.Context, f ledger.AuditFilter) ([]ledger.AuditEntry, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = defaultAuditLimit
	case limit < 1 || limit > maxAuditLimit:
		return nil, ledger.Errorf(ledger.EINVALID, "limit %d is out of range: ask for 1 to %d audit entries", f.Limit, maxAuditLimit)
	}
	if f.BeforeID < 0 {
		return nil, ledger.Errorf(ledger.EINVALID, "before_id %d is negative: pass the id of the last entry of the previous page", f.BeforeID)
	}
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where, args = append(where, cond), append(args, arg)
	}
	if f.Entity != "" {
		add("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if !f.Since.IsZero() {
		add("at >= ?", db.d.timeArg(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < ?", db.d.timeArg(f.Until))
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	q := "SELECT " + auditColumns + " FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)

	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), args...)
	if err != nil {
		return nil, db.wrap("list audit entries", err)
	}
	defer rows.Close()
	entries := []ledger.AuditEntry{}
	for rows.Next() {
		var (
			e             ledger.AuditEntry
			at            nullTime
			before, after []byte
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor.ID, &e.Actor.Role, &e.Actor.Addr,
			&e.Action, &e.Entity, &e.EntityID, &before, &after); err != nil {
			return nil, db.wrap("list audit entries", err)
		}
		e.At, e.Before, e.After = at.t, before, after
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("list audit entries", err)
	}
	return entries, nil
}
