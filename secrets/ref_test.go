package secrets_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/secrets"
)

func TestParse(t *testing.T) {
	t.Parallel()
	good := map[string]secrets.Ref{
		"vault://secret/aartha#jwt":                                {Scheme: "vault", Mount: "secret", Path: "aartha", Key: "jwt"},
		"vault://kv/team/aartha/db#pass":                           {Scheme: "vault", Mount: "kv", Path: "team/aartha/db", Key: "pass"},
		"awssm://aartha/prod#smtp":                                 {Scheme: "awssm", SecretID: "aartha/prod", Key: "smtp"},
		"awssm://aartha/jwt":                                       {Scheme: "awssm", SecretID: "aartha/jwt"},
		"awssm://arn:aws:secretsmanager:eu-west-1:1:secret:x-Ab#k": {Scheme: "awssm", SecretID: "arn:aws:secretsmanager:eu-west-1:1:secret:x-Ab", Key: "k"},
		"azkv://aartha-prod/jwt-key":                               {Scheme: "azkv", Vault: "aartha-prod", Name: "jwt-key"},
		"azkv://aartha-prod/jwt-key/0123abcd":                      {Scheme: "azkv", Vault: "aartha-prod", Name: "jwt-key", Version: "0123abcd"},
		"azkv://myvault.vault.azure.cn/jwt":                        {Scheme: "azkv", Vault: "myvault.vault.azure.cn", Name: "jwt"},
	}
	for in, want := range good {
		got, err := secrets.Parse(in)
		require.NoError(t, err, in)
		require.Equal(t, in, got.String())
		got = secrets.Ref{Scheme: got.Scheme, Mount: got.Mount, Path: got.Path, SecretID: got.SecretID,
			Vault: got.Vault, Name: got.Name, Version: got.Version, Key: got.Key}
		require.Equal(t, want, got, in)
	}
	bad := map[string]string{
		"vault://secret#jwt":       "vault://<mount>/<path>#<key>",
		"vault://secret/aartha":    "vault://<mount>/<path>#<key>",
		"vault://secret/aartha#":   "vault://<mount>/<path>#<key>",
		"awssm://":                 "awssm://<secret-name-or-arn>",
		"awssm://x#":               "awssm://<secret-name-or-arn>",
		"azkv://aartha-prod":       "azkv://<vault-name>/<secret-name>",
		"azkv://a/jwt":             "azkv://<vault-name>/<secret-name>",
		"azkv://aartha-prod/a_b":   "azkv://<vault-name>/<secret-name>",
		"azkv://aartha-prod/jwt#k": "azkv://<vault-name>/<secret-name>",
		"gcpsm://x":                "unknown scheme",
		"secret":                   "want vault://, awssm:// or azkv://",
	}
	for in, msg := range bad {
		_, err := secrets.Parse(in)
		require.ErrorIs(t, err, secrets.ErrBadRef, in)
		require.ErrorContains(t, err, msg, in)
	}
}
