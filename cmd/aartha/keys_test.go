package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/evm"
)

func TestKeysNewImportAddress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	passFile := filepath.Join(dir, "pass")
	require.NoError(t, os.WriteFile(passFile, []byte("s3cret passphrase\n"), 0o600))
	vars := map[string]string{"BLOCKCHAIN_KEYSTORE_PASSPHRASE_FILE": passFile}

	// new: the printed address is the keystore's.
	newPath := filepath.Join(dir, "new.json")
	out, err := run(t, context.Background(), vars, "keys", "new", "--light", "--keystore", newPath)
	require.NoError(t, err, out)
	out2, err := run(t, context.Background(), nil, "keys", "address", "--keystore", newPath)
	require.NoError(t, err)
	require.Contains(t, out, strings.TrimSpace(out2))

	// import: a key from standard input, never from argv.
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	keyHex := hexutil.Encode(crypto.FromECDSA(key))
	importPath := filepath.Join(dir, "imported.json")
	cmd := newRootCmd(func(n string) (string, bool) { v, ok := vars[n]; return v, ok })
	var buf lockedBuffer
	cmd.SetOut(&buf)
	cmd.SetErr(&buf)
	cmd.SetIn(strings.NewReader(keyHex + "\n"))
	cmd.SetArgs([]string{"keys", "import", "--light", "--keystore", importPath})
	require.NoError(t, cmd.Execute(), buf.String())
	require.NotContains(t, buf.String(), keyHex[2:], "the key is never printed")

	// The service loads it with the passphrase from the file.
	cfg, _, err := config.Load(func(n string) (string, bool) {
		v, ok := map[string]string{"BLOCKCHAIN_KEYSTORE": importPath, "BLOCKCHAIN_KEYSTORE_PASSPHRASE_FILE": passFile}[n]
		return v, ok
	}, os.ReadFile)
	require.NoError(t, err)
	signer, err := anchoring.Signer(context.Background(), cfg)
	require.NoError(t, err)
	require.Equal(t, crypto.PubkeyToAddress(key.PublicKey), signer.Address())

	// Without a passphrase, new refuses and says where to put it.
	_, err = run(t, context.Background(), nil, "keys", "new", "--keystore", filepath.Join(dir, "x.json"))
	require.ErrorContains(t, err, "BLOCKCHAIN_KEYSTORE_PASSPHRASE_FILE")
	_, err = evm.LoadKeystore(importPath, "wrong")
	require.ErrorContains(t, err, "wrong passphrase")
}

// TestKeysTakeThePassphraseFromAReference: the keystore passphrase may be a
// vault:// reference, fetched once by the command like any other.
func TestKeysTakeThePassphraseFromAReference(t *testing.T) {
	t.Parallel()
	const token, pass = "hvs.keys-test-token", "passphrase from vault"
	vault := httptest.NewServer(&leakVault{token: token, data: map[string]any{"keystore_pass": pass}})
	t.Cleanup(vault.Close)
	path := filepath.Join(t.TempDir(), "k.json")
	vars := map[string]string{
		"VAULT_ADDR": vault.URL, "VAULT_TOKEN": token,
		"BLOCKCHAIN_KEYSTORE_PASSPHRASE": "vault://secret/aartha#keystore_pass",
	}
	out, err := run(t, context.Background(), vars, "keys", "new", "--light", "--keystore", path)
	require.NoError(t, err, out)
	require.NotContains(t, out, pass)
	_, err = evm.LoadKeystore(path, pass)
	require.NoError(t, err, "the keystore is locked with the passphrase Vault holds")

	vars["BLOCKCHAIN_KEYSTORE_PASSPHRASE"] = "vault://secret/aartha#missing"
	_, err = run(t, context.Background(), vars, "keys", "new", "--light", "--keystore", path+".2")
	require.ErrorContains(t, err, "vault://secret/aartha#missing")
}
