package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPlainSecretsWarnOutsideDevelopment(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"AARTHA_MODE": "production", "ENABLE_BLOCKCHAIN": "false",
		"DATABASE_URL":   "postgres://app:plain-db-pw@db.example:5432/aartha",
		"JWT_SECRET_KEY": testJWTKey, "AARTHA_AUDIT_SEAL_KEY": testJWTKey + "-audit",
	}
	out, err := run(t, context.Background(), vars, "config", "check")
	require.NoError(t, err, out)
	require.Contains(t, out, "WARNING: JWT_SECRET_KEY is a plain value in the environment, which is for development only")
	require.Contains(t, out, "WARNING: DATABASE_URL is a plain value in the environment")
	require.NotContains(t, out, "plain-db-pw")
	require.NotContains(t, out, testJWTKey)
}

func TestServeStopsWhenAReferenceCannotBeFetched(t *testing.T) {
	t.Parallel()
	vault := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"errors":["permission denied"]}`))
	}))
	t.Cleanup(vault.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := run(t, ctx, map[string]string{
		"AARTHA_DATA_DIR": t.TempDir(), "AARTHA_LISTEN_ADDR": freeAddr(t),
		"VAULT_ADDR": vault.URL, "VAULT_TOKEN": "hvs.revoked-token-0427",
		"JWT_SECRET_KEY": "vault://secret/aartha#jwt",
	}, "serve")
	require.ErrorContains(t, err, "JWT_SECRET_KEY: cannot fetch secret reference: vault://secret/aartha#jwt: access denied")
	require.NotContains(t, err.Error()+out, "hvs.revoked-token-0427")
	require.NotContains(t, out, "listening")
}
