package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ledger "github.com/aartha/ledger"
)

// auditInsertColumns are the columns an append writes.
const auditInsertColumns = `at, actor_id, actor_role, actor_addr, action, entity, entity_id, before, after, chain, prev_hash, hash`

// insertAuditSQL appends a row whose hashes were computed in Go (SQLite,
// where the transaction holds the database's one write lock, so reading the
// chain head, inserting and moving the head cannot interleave).
const insertAuditSQL = `INSERT INTO audit_log (` + auditInsertColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

const (
	auditHeadSQL        = `SELECT hash FROM audit_head WHERE id = 1`
	moveAuditHeadSQL    = `UPDATE audit_head SET hash = ?, last_id = ? WHERE id = 1`
	auditHeadFullSQL    = `SELECT hash, last_id, legacy_until FROM audit_head WHERE id = 1`
	auditChainedSQLTail = `h AS (SELECT hash FROM audit_head WHERE id = 1 FOR UPDATE),
	i AS (INSERT INTO audit_log (` + auditInsertColumns + `)
		SELECT ?::timestamptz, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::jsonb, ?::jsonb, ?::jsonb,
			h.hash, sha256(h.hash || ?::bytea)
		FROM h %s
		RETURNING id, prev_hash, hash)
	UPDATE audit_head SET hash = i.hash, last_id = i.id FROM i WHERE audit_head.id = 1
	RETURNING i.id, i.prev_hash, i.hash`
)

// appendAuditPGSQL appends a row in one statement on PostgreSQL: it locks
// the chain head (so appends form one total order, held until the commit),
// inserts the row with prev_hash = the head and hash = SHA-256(head ‖
// digest), and moves the head. The digest comes from Go.
var appendAuditPGSQL = "WITH " + fmt.Sprintf(auditChainedSQLTail, "")

// updateAndAuditSQL is updateLoanSQL and appendAuditPGSQL in one statement
// (PostgreSQL). The audit row is written only if the update found its loan,
// and no row comes back otherwise.
var updateAndAuditSQL = `WITH u AS (` + updateLoanSQL + ` RETURNING 1),
	` + fmt.Sprintf(auditChainedSQLTail, "WHERE EXISTS (SELECT 1 FROM u)")

const auditColumns = `id, at, actor_id, actor_role, actor_addr, action, entity, entity_id, before, after, chain, prev_hash, hash`

// Page sizes of AuditEntries.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// AppendAudit inserts e, chained to the row before it, and sets e.ID,
// e.PrevHash and e.Hash; e.At is cut to whole microseconds. It returns
// EINVALID if e has no time, actor, action or entity: every change has an
// author. A failure here fails the transaction, so a change is never kept
// without its audit row.
//
// Appends are serialised by the chain head: on PostgreSQL the head row is
// locked from the append until the transaction ends, so concurrent
// transactions that write audit rows commit one after another from that
// point on; on SQLite the write lock already serialises them.
func (t *tx) AppendAudit(ctx context.Context, e *ledger.AuditEntry) error {
	switch {
	case e.At.IsZero():
		return ledger.Errorf(ledger.EINVALID, "audit entry %s has no time", e.Action)
	case e.Actor.ID == "":
		return ledger.Errorf(ledger.EINVALID, "audit entry %s on %s %s has no actor: every change needs an author", e.Action, e.Entity, e.EntityID)
	case e.Action == "" || e.Entity == "":
		return ledger.Errorf(ledger.EINVALID, "audit entry needs an action and an entity")
	}
	e.At = ledger.AuditTime(e.At)
	digest, err := ledger.AuditDigest(e)
	if err != nil {
		return ledger.Errorf(ledger.EINVALID, "audit entry %s: %v", e.Action, err)
	}
	var chain []byte
	if e.Chain != nil {
		chain, _ = json.Marshal(e.Chain) // plain strings and numbers
	}
	args := []any{t.db.d.timeArg(e.At), e.Actor.ID, e.Actor.Role, e.Actor.Addr,
		e.Action, e.Entity, e.EntityID, jsonArg(e.Before), jsonArg(e.After), jsonArg(chain)}
	if t.db.d.combineWrites {
		return t.appendAuditPG(ctx, e, append(args, digest[:]))
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	var prev []byte
	if err := t.queryRow(ctx, t.db.q.auditHead).Scan(&prev); err != nil {
		return t.db.wrap("read the audit chain head", err)
	}
	hash := ledger.AuditHash(prev, digest)
	err = t.queryRow(ctx, t.db.q.insertAudit, append(args, prev, hash)...).Scan(&e.ID)
	if classify(err) == errCheck {
		return ledger.Errorf(ledger.EINVALID, "audit entry %s breaks a rule of the audit table: %v", e.Action, err)
	}
	if err != nil {
		return t.db.wrap("append audit entry", err)
	}
	if _, err := t.exec(ctx, t.db.q.moveAuditHead, hash, e.ID); err != nil {
		return t.db.wrap("move the audit chain head", err)
	}
	e.PrevHash, e.Hash = prev, hash
	return nil
}

// appendAuditPG appends on PostgreSQL in one statement, together with a
// held-back loan update if there is one.
func (t *tx) appendAuditPG(ctx context.Context, e *ledger.AuditEntry, args []any) error {
	q := t.db.q.insertAudit
	p := t.pending
	if p != nil {
		// Send the held-back loan update with this row, in one statement.
		t.pending = nil
		q, args = t.db.q.updateAndAudit, append(p.args, args...)
	}
	var prev, hash []byte
	err := t.queryRow(ctx, q, args...).Scan(&e.ID, &prev, &hash)
	switch {
	case p != nil && errors.Is(err, sql.ErrNoRows):
		return ledger.Errorf(ledger.ENOTFOUND, "loan %s not found", p.id)
	case errors.Is(err, sql.ErrNoRows):
		return ledger.Errorf(ledger.EINTERNAL, "the audit chain head is missing: run `aartha migrate`")
	case p != nil && classify(err) == errCheck:
		return ledger.Errorf(ledger.EINVALID, "loan %s or its audit entry %s breaks a rule of the database: %v", p.id, e.Action, err)
	case classify(err) == errCheck:
		return ledger.Errorf(ledger.EINVALID, "audit entry %s breaks a rule of the audit table: %v", e.Action, err)
	case p != nil && err != nil:
		return t.db.wrap("update loan "+p.id+" and append audit entry", err)
	case err != nil:
		return t.db.wrap("append audit entry", err)
	}
	e.PrevHash, e.Hash = prev, hash
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
		e, err := scanAudit(rows)
		if err != nil {
			return nil, db.wrap("list audit entries", err)
		}
		entries = append(entries, *e)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap("list audit entries", err)
	}
	return entries, nil
}
