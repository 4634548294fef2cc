package store

import (
	"bytes"
	"context"
	"crypto/cipher"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ledger "github.com/aartha/ledger"
)

// auditInsertColumns are the columns an append writes. Rows are appended
// unsealed: the sealer (AuditSealer) chains them later, in audit_seal.
const auditInsertColumns = `at, actor_id, actor_role, actor_addr, action, entity, entity_id, before, after, chain`

// insertAuditSQL appends a row (SQLite).
const insertAuditSQL = `INSERT INTO audit_log (` + auditInsertColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

// auditInsertPGTail appends a row on PostgreSQL, with typed arguments so
// that it can follow a CTE (%s: an extra condition).
const auditInsertPGTail = `INSERT INTO audit_log (` + auditInsertColumns + `)
	SELECT ?::timestamptz, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::jsonb, ?::jsonb, ?::jsonb %s
	RETURNING id`

// appendAuditPGSQL appends a row on PostgreSQL. It takes no lock: appends
// no longer wait for each other (the sealer orders them later).
var appendAuditPGSQL = fmt.Sprintf(auditInsertPGTail, "")

// updateAndAuditSQL is updateLoanSQL and appendAuditPGSQL in one statement
// (PostgreSQL). The audit row is written only if the update found its loan,
// and no row comes back otherwise.
var updateAndAuditSQL = `WITH u AS (` + updateLoanSQL + ` RETURNING 1)
	` + fmt.Sprintf(auditInsertPGTail, "WHERE EXISTS (SELECT 1 FROM u)")

// auditColumns are read from audit_log a LEFT JOIN audit_seal s: the hashes
// are the row's seal, or for rows chained as they were written (before
// migration 0006) the row's own.
const auditColumns = `a.id, a.at, a.actor_id, a.actor_role, a.actor_addr, a.action, a.entity, a.entity_id, a.before, a.after, a.chain,
	COALESCE(s.prev_hash, a.prev_hash), COALESCE(s.hash, a.hash)`

// auditFrom is the FROM clause for auditColumns.
const auditFrom = ` FROM audit_log a LEFT JOIN audit_seal s ON s.id = a.id`

// Page sizes of AuditEntries.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// AppendAudit inserts e, unsealed, and sets e.ID; e.At is cut to whole
// microseconds. e.PrevHash and e.Hash stay empty: the sealer (AuditSealer,
// run by `aartha serve`; SealAudit) chains the row a moment after the
// transaction commits. It returns EINVALID if e has no time, actor, action
// or entity: every change has an author. A failure here fails the
// transaction, so a change is never kept without its audit row.
//
// Appends take no lock of their own, so concurrent transactions that write
// audit rows commit independently (on PostgreSQL they share WAL flushes).
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
	before, after := e.Before, e.After
	if e.Entity == "loan" && t.db.pii != nil {
		aead, err := t.dataKey(ctx, e.EntityID)
		if err != nil {
			return err
		}
		if before, err = sealSnapshot(aead, e.EntityID, before); err != nil {
			return err
		}
		if after, err = sealSnapshot(aead, e.EntityID, after); err != nil {
			return err
		}
	}
	var chain []byte
	if e.Chain != nil {
		chain, _ = json.Marshal(e.Chain) // plain strings and numbers
	}
	args := []any{t.db.d.timeArg(e.At), e.Actor.ID, e.Actor.Role, e.Actor.Addr,
		e.Action, e.Entity, e.EntityID, jsonArg(before), jsonArg(after), jsonArg(chain)}
	if t.db.d.combineWrites {
		return t.appendAuditPG(ctx, e, args)
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	err := t.queryRow(ctx, t.db.q.insertAudit, args...).Scan(&e.ID)
	if classify(err) == errCheck {
		return ledger.Errorf(ledger.EINVALID, "audit entry %s breaks a rule of the audit table: %v", e.Action, err)
	}
	if err != nil {
		return t.db.wrap("append audit entry", err)
	}
	e.PrevHash, e.Hash = nil, nil
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
	err := t.queryRow(ctx, q, args...).Scan(&e.ID)
	switch {
	case p != nil && errors.Is(err, sql.ErrNoRows):
		return ledger.Errorf(ledger.ENOTFOUND, "loan %s not found", p.id)
	case p != nil && classify(err) == errCheck:
		return ledger.Errorf(ledger.EINVALID, "loan %s or its audit entry %s breaks a rule of the database: %v", p.id, e.Action, err)
	case classify(err) == errCheck:
		return ledger.Errorf(ledger.EINVALID, "audit entry %s breaks a rule of the audit table: %v", e.Action, err)
	case p != nil && err != nil:
		return t.db.wrap("update loan "+p.id+" and append audit entry", err)
	case err != nil:
		return t.db.wrap("append audit entry", err)
	}
	e.PrevHash, e.Hash = nil, nil
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
		add("a.entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		add("a.entity_id = ?", f.EntityID)
	}
	if f.ActorID != "" {
		add("a.actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		add("a.action = ?", f.Action)
	}
	if !f.Since.IsZero() {
		add("a.at >= ?", db.d.timeArg(f.Since))
	}
	if !f.Until.IsZero() {
		add("a.at < ?", db.d.timeArg(f.Until))
	}
	if f.BeforeID > 0 {
		add("a.id < ?", f.BeforeID)
	}
	q := "SELECT " + auditColumns + auditFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY a.id DESC LIMIT ?"
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
	rows.Close()
	if err := db.openAuditSnapshots(ctx, entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// openAuditSnapshots shows the sealed personal values of loan rows in the
// clear, or as "(erased)" once the loan's data key is gone. The stored rows,
// and so their digests, stay as they are.
func (db *DB) openAuditSnapshots(ctx context.Context, entries []ledger.AuditEntry) error {
	keys := map[string]cipher.AEAD{}
	for i := range entries {
		e := &entries[i]
		if e.Entity != "loan" || !(bytes.Contains(e.Before, []byte(sealedPrefix)) || bytes.Contains(e.After, []byte(sealedPrefix))) {
			continue
		}
		aead, ok := keys[e.EntityID]
		if !ok {
			var err error
			if aead, err = db.readDataKey(ctx, e.EntityID); err != nil {
				return err
			}
			keys[e.EntityID] = aead
		}
		e.Before, e.After = openSnapshot(aead, e.EntityID, e.Before), openSnapshot(aead, e.EntityID, e.After)
	}
	return nil
}
