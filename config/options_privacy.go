package config

import (
	"encoding/hex"
	"fmt"
)

// privacyOptions declares the variables of personal data protection
// (docs/privacy.md).
func privacyOptions() []option {
	return []option{
		{name: "AARTHA_PII_MASTER_KEY", secret: true, help: "64 hex digits (32 bytes): master key that wraps each loan's data key for personal fields; empty stores them in the clear and erasure is refused",
			apply: func(c *Config, v string) (err error) {
				c.PIIMasterKey, err = parseMasterKey(v)
				return err
			}},
		{name: "AARTHA_PII_PREVIOUS_MASTER_KEY", secret: true, help: "during a rotation of AARTHA_PII_MASTER_KEY only: the key it replaces, which still opens the data keys it wrapped until `aartha keys rotate-pii` has re-wrapped them",
			apply: func(c *Config, v string) (err error) {
				c.PIIPreviousMasterKey, err = parseMasterKey(v)
				return err
			}},
		{name: "AARTHA_PII_KEYRING", help: "SQLite deployments: the keyring file holding the wrapped per-loan data keys, outside aartha.db and its backups (default AARTHA_DATA_DIR/keyring.db)",
			apply: func(c *Config, v string) error {
				c.PIIKeyringPath = v
				return nil
			}},
		{name: "AARTHA_PII_KEYRING_URL", secret: true, help: "PostgreSQL deployments: the database holding the wrapped per-loan data keys, apart from DATABASE_URL and its backups; required in production with AARTHA_PII_MASTER_KEY (development: schema aartha_keyring of DATABASE_URL's database)",
			apply: func(c *Config, v string) error {
				c.PIIKeyringURL = v
				return nil
			}},
		{name: "AARTHA_RETENTION_DAYS", def: "0", help: "days after a loan closes (repaid, rejected, defaulted) before its personal data is erased by the retention job; 0 keeps it",
			apply: func(c *Config, v string) error {
				n, err := parseUint(v)
				if err != nil || n > 100*366 {
					return fmt.Errorf("must be a whole number of days from 0 (off) to 36600")
				}
				c.RetentionDays = int(n)
				return nil
			}},
	}
}

func parseMasterKey(v string) ([]byte, error) {
	if v == "" {
		return nil, nil
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("must be 64 hex digits (a 32-byte key, e.g. from `openssl rand -hex 32`)")
	}
	return key, nil
}
