package service

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/config"
)

func TestKeyringWarning(t *testing.T) {
	key := make([]byte, 32)
	pg := "postgres://127.0.0.1/test?search_path=ledger"
	for name, cfg := range map[string]*config.Config{
		"no encryption, no keyring":                {},
		"SQLite: the keyring is a file of its own": {PIIMasterKey: key},
		"a keyring database of its own":            {PIIMasterKey: key, DatabaseURL: pg, PIIKeyringURL: "postgres://127.0.0.1/keys"},
	} {
		detail, hint := KeyringWarning(cfg)
		require.Empty(t, detail+hint, name)
	}
	detail, hint := KeyringWarning(&config.Config{PIIMasterKey: key, DatabaseURL: pg})
	require.Contains(t, detail, "schema ledger_keyring of DATABASE_URL's database")
	require.Contains(t, hint, "AARTHA_PII_KEYRING_URL")
}
