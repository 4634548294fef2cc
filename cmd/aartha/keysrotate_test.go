package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
)

// TestKeysRotateInputs: the new account and the admin key each come from
// exactly one flag set, and a passphrase never from the command line.
func TestKeysRotateInputs(t *testing.T) {
	t.Parallel()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	ks := filepath.Join(t.TempDir(), "new.json")
	addr, err := evm.WriteKeystore(ks, key, "pass phrase", evm.LightScrypt)
	require.NoError(t, err)

	got, err := rotateNewAddress(rotateFlags{newKeystore: ks})
	require.NoError(t, err)
	require.Equal(t, addr, got)
	got, err = rotateNewAddress(rotateFlags{newAddress: addr.Hex()})
	require.NoError(t, err)
	require.Equal(t, addr, got)
	for _, c := range []struct {
		f    rotateFlags
		want string
	}{
		{rotateFlags{}, "--new-keystore FILE or --new-address"},
		{rotateFlags{newKeystore: ks, newAddress: addr.Hex()}, "not both"},
		{rotateFlags{newAddress: "0x12"}, "40 hex digits"},
	} {
		_, err := rotateNewAddress(c.f)
		require.ErrorContains(t, err, c.want)
	}

	ctx := context.Background()
	for _, c := range []struct {
		f    rotateFlags
		want string
	}{
		{rotateFlags{}, "--admin-keystore FILE --admin-passphrase-file FILE"},
		{rotateFlags{adminKeystore: ks}, "--admin-passphrase-file"},
		{rotateFlags{adminKeystore: ks, adminSignerURL: "http://127.0.0.1:8551"}, "not both"},
		{rotateFlags{adminSignerURL: "http://127.0.0.1:8551"}, "--admin-address"},
	} {
		_, err := rotateAdminSigner(ctx, c.f)
		require.ErrorContains(t, err, c.want)
	}
	s, err := rotateAdminSigner(ctx, rotateFlags{adminSignerURL: "http://127.0.0.1:8551", adminAddress: addr.Hex(), adminAPI: "clef"})
	require.NoError(t, err)
	require.Equal(t, addr, s.Address())
}
