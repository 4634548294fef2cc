package evm_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
)

func TestKeystoreRoundTrip(t *testing.T) {
	t.Parallel()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "keys", "anchorer.json")

	addr, err := evm.WriteKeystore(path, key, "correct horse", evm.LightScrypt)
	require.NoError(t, err)
	require.Equal(t, crypto.PubkeyToAddress(key.PublicKey), addr)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	got, err := evm.KeystoreAddress(path)
	require.NoError(t, err)
	require.Equal(t, addr, got)

	signer, err := evm.LoadKeystore(path, "correct horse")
	require.NoError(t, err)
	require.Equal(t, addr, signer.Address())

	_, err = evm.LoadKeystore(path, "wrong horse")
	require.ErrorContains(t, err, "wrong passphrase")
	require.NotContains(t, err.Error(), "horse")

	_, err = evm.WriteKeystore(path, key, "again", evm.LightScrypt)
	require.Error(t, err, "an existing keystore is never overwritten")
}
