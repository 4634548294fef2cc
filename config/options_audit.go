package config

import "fmt"

// auditOptions declares the variables of the audit trail: the seal key and
// how often its chain head is anchored.
func auditOptions() []option {
	return []option{
		{name: "AARTHA_AUDIT_SEAL_KEY", secret: true,
			help: "HMAC key the audit trail's seals are keyed with, at least 32 bytes, kept out of the database; required in production; development uses a public key (see docs/security.md)",
			apply: func(c *Config, v string) error {
				if v != "" && len(v) < 32 {
					return fmt.Errorf("must be at least 32 bytes, got %d", len(v))
				}
				c.AuditSealKey = v
				return nil
			}},
		{name: "AARTHA_AUDIT_ANCHOR_INTERVAL", def: "1h",
			help:  "how often `serve` anchors the audit trail's chain head on the chain (a checkpoint, when rows were sealed since the last); 0 only on `aartha audit anchor`",
			apply: func(c *Config, v string) (err error) { c.AuditAnchorInterval, err = parseDuration(v); return err }},
	}
}

// AuditKey is the audit seal key: AARTHA_AUDIT_SEAL_KEY, or in development
// when it is unset the public development key (ledger.DevAuditSealKey,
// which the caller passes as dev), with dev reported true so the caller
// warns.
func (c *Config) AuditKey(devKey []byte) (key []byte, dev bool) {
	if c.AuditSealKey == "" {
		return devKey, true
	}
	return []byte(c.AuditSealKey), false
}
