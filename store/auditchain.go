package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	ledger "github.com/aartha/ledger"
)

// auditChainPage is how many rows VerifyAuditChain reads per query.
const auditChainPage = 1000

// auditHeadSQL reads the whole chain head.
const auditHeadSQL = `SELECT hash, last_id, legacy_until, inline_until, skipped, keyed_from, keyed_mark FROM audit_head WHERE id = 1`

// SetAuditSealKey sets the audit seal key (AARTHA_AUDIT_SEAL_KEY) the
// sealer keys seals with and VerifyAuditChain checks them with; nil means
// the public development key (ledger.DevAuditSealKey), which protects
// nothing. Call it once, before the store is used.
func (db *DB) SetAuditSealKey(key []byte) { db.auditKey = key }

// auditSealKey is the key set, or the development key.
func (db *DB) auditSealKey() []byte {
	if len(db.auditKey) == 0 {
		return ledger.DevAuditSealKey()
	}
	return db.auditKey
}

// readAuditHead reads the chain head with q (a pool or a transaction).
func (db *DB) readAuditHead(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, lock bool) (ledger.AuditHead, error) {
	var h ledger.AuditHead
	query := auditHeadSQL
	if lock {
		query += db.d.forUpdate
	}
	var keyedFrom sql.NullInt64
	err := q.QueryRowContext(ctx, query).Scan(&h.Hash, &h.LastID, &h.LegacyUntil, &h.InlineUntil, &h.Skipped, &keyedFrom, &h.KeyedMark)
	h.Keyed, h.KeyedFrom = keyedFrom.Valid, keyedFrom.Int64
	if errors.Is(err, sql.ErrNoRows) {
		return h, ledger.Errorf(ledger.EINTERNAL, "the audit chain head is missing: run `aartha migrate`")
	}
	if err != nil {
		return h, db.wrap("read the audit chain head", err)
	}
	return h, nil
}

// VerifyAuditChain reads the whole audit trail in id order and checks its
// hash chain (see ledger.AuditSealHash) against the chain head: sealed
// rows verified, the unsealed tail after the head, ids sealed over as gaps,
// and late rows (unsealed below the head: an anomaly). A broken chain is a
// report with Break set, not an error; an error means the trail could not
// be read. It reads in one snapshot (a read-only transaction), so a sealer
// running meanwhile does not make the head and the rows disagree. It does
// not seal: call SealAudit first to check as much as is settled. Seals
// after the cut-over are checked with the audit seal key, and the trail
// against the latest anchored checkpoint (ledger.AuditChainReport.Checkpoint);
// that the checkpoint is on chain is for the caller to check with its
// receipt.
func (db *DB) VerifyAuditChain(ctx context.Context) (ledger.AuditChainReport, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.d.name == "postgres" {
		opts.Isolation = sql.LevelRepeatableRead
	}
	rtx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return ledger.AuditChainReport{}, db.wrap("begin reading the audit trail", err)
	}
	defer func() { _ = rtx.Rollback() }()
	head, err := db.readAuditHead(ctx, rtx, false)
	if err != nil {
		return ledger.AuditChainReport{}, err
	}
	// Ids come from the table's sequence and start at 1: a row with a lower
	// id was put there by hand, and is not "from before the chain".
	var impossible, lowest int64
	if err := rtx.QueryRowContext(ctx, "SELECT count(*), coalesce(min(id), 0) FROM audit_log WHERE id < 1").Scan(&impossible, &lowest); err != nil {
		return ledger.AuditChainReport{}, db.wrap("look for audit rows with impossible ids", err)
	}
	if impossible > 0 {
		return ledger.AuditChainReport{Break: &ledger.AuditBreak{ID: lowest, Reason: fmt.Sprintf(
			"%d audit rows have ids below 1 (the lowest is %d), which the store never assigns: they were inserted by hand", impossible, lowest)}}, nil
	}
	var legacyCount int64
	if err := rtx.QueryRowContext(ctx, db.d.rebind("SELECT count(*) FROM audit_log WHERE id >= 1 AND id <= ?"), head.LegacyUntil).Scan(&legacyCount); err != nil {
		return ledger.AuditChainReport{}, db.wrap("count audit rows from before the chain", err)
	}
	checkpoint, err := db.latestAnchoredCheckpoint(ctx, rtx)
	if err != nil {
		return ledger.AuditChainReport{}, err
	}
	var (
		checker = ledger.NewAuditChainChecker(head, db.auditSealKey(), checkpoint)
		after   = head.LegacyUntil
		q       = db.d.rebind("SELECT " + auditColumns + auditFrom + " WHERE a.id > ? ORDER BY a.id LIMIT ?")
	)
	for {
		rows, err := rtx.QueryContext(ctx, q, after, auditChainPage)
		if err != nil {
			return ledger.AuditChainReport{}, db.wrap("read the audit trail", err)
		}
		n := 0
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return ledger.AuditChainReport{}, db.wrap("read the audit trail", err)
			}
			n++
			after = e.ID
			if !checker.Next(e) {
				rows.Close()
				r := checker.Report
				r.Legacy = legacyCount
				return r, nil
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return ledger.AuditChainReport{}, db.wrap("read the audit trail", err)
		}
		if n < auditChainPage {
			break
		}
	}
	r := checker.Finish()
	r.Legacy = legacyCount
	return r, nil
}

// scanAudit reads one row of auditColumns.
func scanAudit(row rowScanner) (*ledger.AuditEntry, error) {
	var (
		e                    ledger.AuditEntry
		at                   nullTime
		before, after, chain []byte
		prev, hash           []byte
	)
	if err := row.Scan(&e.ID, &at, &e.Actor.ID, &e.Actor.Role, &e.Actor.Addr,
		&e.Action, &e.Entity, &e.EntityID, &before, &after, &chain, &prev, &hash); err != nil {
		return nil, err
	}
	e.At, e.Before, e.After, e.PrevHash, e.Hash = at.t, before, after, prev, hash
	if len(chain) > 0 {
		e.Chain = new(ledger.ChainWrite)
		if err := json.Unmarshal(chain, e.Chain); err != nil {
			return nil, err
		}
	}
	return &e, nil
}
