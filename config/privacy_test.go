package config_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/config"
)

// TestPersonalDataKeyring: production with PostgreSQL and a master key
// needs a keyring database apart; the previous master key needs a current
// one; in development the keyring is a schema named after the search path,
// and on SQLite a file beside aartha.db.
func TestPersonalDataKeyring(t *testing.T) {
	t.Parallel()
	master, previous := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	_, _, err := config.Load(env(map[string]string{"AARTHA_MODE": "production", "AARTHA_PII_MASTER_KEY": master, "DATABASE_URL": "postgres://u@db/ledger"}), noFiles)
	require.ErrorContains(t, err, "AARTHA_PII_KEYRING_URL: is required in production with AARTHA_PII_MASTER_KEY")

	_, _, err = config.Load(env(map[string]string{"AARTHA_PII_PREVIOUS_MASTER_KEY": previous}), noFiles)
	require.ErrorContains(t, err, "AARTHA_PII_PREVIOUS_MASTER_KEY: needs AARTHA_PII_MASTER_KEY")
	_, _, err = config.Load(env(map[string]string{"AARTHA_PII_KEYRING_URL": "postgres://k@db/keys"}), noFiles)
	require.ErrorContains(t, err, "AARTHA_PII_KEYRING_URL: needs DATABASE_URL")

	cfg, _, err := config.Load(env(map[string]string{"AARTHA_DATA_DIR": "/srv/aartha", "AARTHA_PII_MASTER_KEY": master,
		"AARTHA_PII_PREVIOUS_MASTER_KEY": previous}), noFiles)
	require.NoError(t, err)
	require.Equal(t, "/srv/aartha/keyring.db", cfg.KeyringPath())
	require.Len(t, cfg.PIIPreviousMasterKey, 32)

	for url, schema := range map[string]string{
		"postgres://u@db/ledger":                         config.DefaultKeyringSchema,
		"postgres://u@db/ledger?search_path=tenant_a":    "tenant_a_keyring",
		"postgres://u@db/ledger?search_path=a,public":    "a_keyring",
		"postgres://u@db/ledger?search_path=%22Mixed%22": config.DefaultKeyringSchema,
	} {
		cfg, _, err := config.Load(env(map[string]string{"DATABASE_URL": url}), noFiles)
		require.NoError(t, err, url)
		require.Equal(t, schema, cfg.KeyringSchema(), url)
	}
}
