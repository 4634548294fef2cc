package anchoring_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
)

func TestKeystoreFile(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{KeystorePath: "/etc/aartha/key.json", KeystorePass: "pass phrase"}
	file, pass, err := anchoring.KeystoreFile(cfg, "", true)
	require.NoError(t, err)
	require.Equal(t, "/etc/aartha/key.json", file)
	require.Equal(t, "pass phrase", pass)
	file, _, err = anchoring.KeystoreFile(cfg, "/tmp/other.json", true)
	require.NoError(t, err)
	require.Equal(t, "/tmp/other.json", file, "--keystore wins")

	_, _, err = anchoring.KeystoreFile(&config.Config{}, "", false)
	require.ErrorContains(t, err, "--keystore or BLOCKCHAIN_KEYSTORE")
	file, _, err = anchoring.KeystoreFile(&config.Config{}, "/tmp/k.json", false)
	require.NoError(t, err, "reading an address needs no passphrase")
	require.Equal(t, "/tmp/k.json", file)
	_, _, err = anchoring.KeystoreFile(&config.Config{}, "/tmp/k.json", true)
	require.ErrorContains(t, err, "BLOCKCHAIN_KEYSTORE_PASSPHRASE_FILE")
}

func TestClefRulesFor(t *testing.T) {
	t.Parallel()
	const registry, account = "0x00000000000000000000000000000000000000aa", "0x00000000000000000000000000000000000000bb"
	env := map[string]string{"BLOCKCHAIN_CONTRACT_ADDRESS": registry, "BLOCKCHAIN_SIGNER_ADDRESS": account}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	none := func(string) (string, bool) { return "", false }

	fromEnv, err := anchoring.ClefRulesFor("", "", lookup)
	require.NoError(t, err)
	fromFlags, err := anchoring.ClefRulesFor(registry, account, none)
	require.NoError(t, err)
	require.Equal(t, fromFlags, fromEnv)
	require.Contains(t, fromEnv, "0x00000000000000000000000000000000000000aa")

	_, err = anchoring.ClefRulesFor("", account, none)
	require.EqualError(t, err, "give --registry or set BLOCKCHAIN_CONTRACT_ADDRESS")
	_, err = anchoring.ClefRulesFor(registry, "0x12", none)
	require.EqualError(t, err, `--account: "0x12" is not an address (0x followed by 40 hex digits)`)
}
