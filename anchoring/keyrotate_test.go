package anchoring

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

	got, err := newAccount(RotateRequest{NewKeystore: ks})
	require.NoError(t, err)
	require.Equal(t, addr, got)
	got, err = newAccount(RotateRequest{NewAddress: addr.Hex()})
	require.NoError(t, err)
	require.Equal(t, addr, got)
	for _, c := range []struct {
		f    RotateRequest
		want string
	}{
		{RotateRequest{}, "--new-keystore FILE or --new-address"},
		{RotateRequest{NewKeystore: ks, NewAddress: addr.Hex()}, "not both"},
		{RotateRequest{NewAddress: "0x12"}, "40 hex digits"},
	} {
		_, err := newAccount(c.f)
		require.ErrorContains(t, err, c.want)
	}

	ctx := context.Background()
	for _, c := range []struct {
		f    RotateRequest
		want string
	}{
		{RotateRequest{}, "--admin-keystore FILE --admin-passphrase-file FILE"},
		{RotateRequest{AdminKeystore: ks}, "--admin-passphrase-file"},
		{RotateRequest{AdminKeystore: ks, AdminSignerURL: "http://127.0.0.1:8551"}, "not both"},
		{RotateRequest{AdminSignerURL: "http://127.0.0.1:8551"}, "--admin-address"},
	} {
		_, err := adminSigner(ctx, c.f)
		require.ErrorContains(t, err, c.want)
	}
	s, err := adminSigner(ctx, RotateRequest{AdminSignerURL: "http://127.0.0.1:8551", AdminAddress: addr.Hex(), AdminAPI: "clef"})
	require.NoError(t, err)
	require.Equal(t, addr, s.Address())
}
