package store

import (
	"context"
	"encoding/json"

	ledger "github.com/aartha/ledger"
)

// auditChainPage is how many rows VerifyAuditChain reads per query.
const auditChainPage = 1000

// VerifyAuditChain reads the whole audit trail in id order and checks its
// hash chain (see ledger.AuditHash) and the chain head. A broken chain is a
// report with Break set, not an error; an error means the trail could not
// be read. It reads outside a transaction: rows appended while it runs may
// make the head disagree, so run it again before acting on a break at the
// head.
func (db *DB) VerifyAuditChain(ctx context.Context) (ledger.AuditChainReport, error) {
	var (
		headHash     []byte
		headID       int64
		legacyUntil  int64
		legacyCount  int64
		checker      = ledger.NewAuditChainChecker()
		after        int64
		q            = db.d.rebind("SELECT " + auditColumns + " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?")
		countLegacyQ = db.d.rebind("SELECT count(*) FROM audit_log WHERE id <= ?")
	)
	if err := db.r.QueryRowContext(ctx, auditHeadFullSQL).Scan(&headHash, &headID, &legacyUntil); err != nil {
		return ledger.AuditChainReport{}, db.wrap("read the audit chain head", err)
	}
	if err := db.r.QueryRowContext(ctx, countLegacyQ, legacyUntil).Scan(&legacyCount); err != nil {
		return ledger.AuditChainReport{}, db.wrap("count audit rows from before the chain", err)
	}
	after = legacyUntil
	for {
		rows, err := db.r.QueryContext(ctx, q, after, auditChainPage)
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
	r := checker.Finish(headHash, headID)
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
