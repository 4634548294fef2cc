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
			apply: func(c *Config, v string) error {
				if v == "" {
					c.PIIMasterKey = nil
					return nil
				}
				key, err := hex.DecodeString(v)
				if err != nil || len(key) != 32 {
					return fmt.Errorf("must be 64 hex digits (a 32-byte key, e.g. from `openssl rand -hex 32`)")
				}
				c.PIIMasterKey = key
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
