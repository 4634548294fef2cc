package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/store"
)

// RotatePersonalDataKeys re-wraps every data key in the keyring under the
// current AARTHA_PII_MASTER_KEY (docs/privacy.md), batch by batch, calling
// progress after each, and records the run, finished or not, in the audit
// trail (keys.rotate_pii). It returns the new master key's id (a digest,
// never the key) and how many keys it re-wrapped; an interrupted run is
// resumed by calling it again.
func RotatePersonalDataKeys(ctx context.Context, cfg *config.Config, db *store.DB, actor ledger.Actor, batch int, progress func(done int) error) (string, int, error) {
	keys, err := PersonalDataKeys(cfg)
	if err != nil {
		return "", 0, err
	}
	n, rotErr := db.RotateMasterKey(ctx, batch, progress)
	after, _ := json.Marshal(map[string]any{"master_key_id": keys.MasterKeyID(), "rewrapped": n, "finished": rotErr == nil})
	auditErr := db.InTx(ctx, func(tx ledger.Tx) error {
		return tx.AppendAudit(ctx, &ledger.AuditEntry{
			At: time.Now(), Actor: actor, Action: ledger.ActionKeysRotatePII,
			Entity: "keyring", EntityID: keys.MasterKeyID(), After: after,
		})
	})
	if rotErr != nil {
		return "", n, fmt.Errorf("rotation stopped after %d data keys (run it again to resume): %w", n, rotErr)
	}
	return keys.MasterKeyID(), n, auditErr
}
