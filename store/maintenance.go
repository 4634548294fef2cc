package store

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"

	ledger "github.com/aartha/ledger"
)

// Maintenance returns the maintenance switch as every replica sees it.
func (db *DB) Maintenance(ctx context.Context) (ledger.Maintenance, error) {
	var (
		m     ledger.Maintenance
		since nullTime
	)
	err := db.r.QueryRowContext(ctx, "SELECT active, message, since, set_by FROM maintenance WHERE id = 1").
		Scan(&m.On, &m.Message, &since, &m.By)
	if err != nil {
		return ledger.Maintenance{}, db.wrap("read maintenance mode", err)
	}
	m.Since = since.ptr()
	return m, nil
}

// SetMaintenance switches maintenance mode at time now and writes its audit
// row (with the state before and after) in one transaction.
func (db *DB) SetMaintenance(ctx context.Context, actor ledger.Actor, on bool, message string, now time.Time) (ledger.Maintenance, error) {
	if !utf8.ValidString(message) || utf8.RuneCountInString(message) > ledger.MaxMaintenanceMessage {
		return ledger.Maintenance{}, ledger.Errorf(ledger.EINVALID, "message must be valid UTF-8 text of at most %d characters", ledger.MaxMaintenanceMessage)
	}
	before, err := db.Maintenance(ctx)
	if err != nil {
		return ledger.Maintenance{}, err
	}
	now = now.UTC()
	after := ledger.Maintenance{On: on, Message: message, By: actor.ID}
	if on {
		after.Since = &now
		if before.On && before.Since != nil {
			after.Since = before.Since // still the same maintenance window
		}
	}
	b, _ := json.Marshal(before) // plain fields: cannot fail
	a, _ := json.Marshal(after)
	err = db.inTx(ctx, func(t *tx) error {
		if err := t.flush(ctx); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, db.d.rebind("UPDATE maintenance SET active = ?, message = ?, since = ?, set_by = ? WHERE id = 1"),
			on, message, db.d.nullTimeArg(after.Since), actor.ID); err != nil {
			return db.wrap("set maintenance mode", err)
		}
		return t.AppendAudit(ctx, &ledger.AuditEntry{
			At: now, Actor: actor, Action: ledger.ActionMaintenance, Entity: "service", EntityID: "maintenance",
			Before: b, After: a,
		})
	})
	if err != nil {
		return ledger.Maintenance{}, err
	}
	return after, nil
}
