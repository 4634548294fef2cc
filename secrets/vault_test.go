package secrets_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/secrets"
)

// fakeVault is a wire-level fake of the two Vault endpoints the adapter
// uses: KV v2 reads (GET /v1/<mount>/data/<path> with X-Vault-Token) and
// AppRole login (POST or PUT /v1/auth/approle/login), answering errors as
// Vault does ({"errors":[...]} with 400, 403, 404 or 429).
type fakeVault struct {
	mu       sync.Mutex
	tokens   map[string]bool
	roleID   string
	secretID string
	kv       map[string]map[string]any // "<mount>/data/<path>" -> data
	throttle bool
	reads    int
	logins   int
}

func newFakeVault(t *testing.T) (*fakeVault, *httptest.Server) {
	f := &fakeVault{tokens: map[string]bool{}, kv: map[string]map[string]any{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func vaultErrors(w http.ResponseWriter, code int, msgs ...string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": append([]string{}, msgs...)})
}

func (f *fakeVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/v1/auth/approle/login" && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		f.logins++
		var body struct {
			RoleID   string `json:"role_id"`
			SecretID string `json:"secret_id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.RoleID != f.roleID || body.SecretID != f.secretID || f.roleID == "" {
			vaultErrors(w, http.StatusBadRequest, "invalid role or secret ID")
			return
		}
		token := "hvs.approle-" + strings.Repeat("t", f.logins)
		f.tokens[token] = true
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"auth": map[string]any{"client_token": token, "accessor": "acc", "policies": []string{"default"},
				"lease_duration": 3600, "renewable": true},
		})
		return
	}
	if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v1/") {
		vaultErrors(w, http.StatusNotFound)
		return
	}
	f.reads++
	if !f.tokens[r.Header.Get("X-Vault-Token")] {
		vaultErrors(w, http.StatusForbidden, "permission denied")
		return
	}
	if f.throttle {
		vaultErrors(w, http.StatusTooManyRequests, "request path \"kv/data\": rate limit quota exceeded")
		return
	}
	data, ok := f.kv[strings.TrimPrefix(r.URL.Path, "/v1/")]
	if !ok {
		vaultErrors(w, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"request_id": "r1", "lease_id": "", "renewable": false, "lease_duration": 0,
		"data": map[string]any{
			"data":     data,
			"metadata": map[string]any{"created_time": "2026-11-01T00:00:00Z", "deletion_time": "", "destroyed": false, "version": 3},
		},
	})
}

const vaultJWT = "vault-jwt-9f3c1e7a-not-for-logs-0123456789"

func vaultResolver(srv *httptest.Server, cfg secrets.VaultConfig) *secrets.Resolver {
	cfg.Addr = srv.URL
	cfg.HTTPClient = srv.Client()
	cfg.MaxRetries, cfg.MinRetryWait, cfg.MaxRetryWait = 2, 5*time.Millisecond, 10*time.Millisecond
	return secrets.NewResolver(secrets.Config{Vault: cfg})
}

func TestVaultTokenAuth(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVault(t)
	f.tokens["hvs.root"] = true
	f.kv["secret/data/aartha/api"] = map[string]any{"jwt": vaultJWT, "port": 5432}
	res := vaultResolver(srv, secrets.VaultConfig{Token: "hvs.root"})
	ctx := t.Context()

	v, err := res.Resolve(ctx, "vault://secret/aartha/api#jwt")
	require.NoError(t, err)
	require.Equal(t, vaultJWT, v)

	_, err = res.Resolve(ctx, "vault://secret/aartha/api#nope")
	require.ErrorIs(t, err, secrets.ErrNoKey)
	require.ErrorContains(t, err, "vault://secret/aartha/api#nope")

	_, err = res.Resolve(ctx, "vault://secret/aartha/api#port")
	require.ErrorContains(t, err, "not a string")

	_, err = res.Resolve(ctx, "vault://secret/aartha/missing#jwt")
	require.ErrorIs(t, err, secrets.ErrNotFound)

	f.mu.Lock()
	f.throttle = true
	f.reads = 0
	f.mu.Unlock()
	_, err = res.Resolve(ctx, "vault://secret/aartha/api#jwt")
	require.ErrorIs(t, err, secrets.ErrThrottled)
	f.mu.Lock()
	require.Equal(t, 3, f.reads, "one try and two retries")
	f.mu.Unlock()
	require.NotContains(t, err.Error(), vaultJWT)
}

func TestVaultWrongTokenIsDenied(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVault(t)
	f.kv["secret/data/aartha"] = map[string]any{"jwt": vaultJWT}
	_, err := vaultResolver(srv, secrets.VaultConfig{Token: "hvs.wrong"}).Resolve(t.Context(), "vault://secret/aartha#jwt")
	require.ErrorIs(t, err, secrets.ErrDenied)
	require.ErrorContains(t, err, "vault://secret/aartha#jwt")
	require.NotContains(t, err.Error(), "hvs.wrong", "the token is not in the error")
	require.ErrorContains(t, err, "403 permission denied")
	require.NotContains(t, err.Error(), "\n", "one line, not the client's multi-line dump")
}

func TestVaultAppRole(t *testing.T) {
	t.Parallel()
	f, srv := newFakeVault(t)
	f.roleID, f.secretID = "role-1", "approle-secret-id-5e1d"
	f.kv["kv/data/db"] = map[string]any{"password": "pg-pass-from-vault"}
	res := vaultResolver(srv, secrets.VaultConfig{RoleID: "role-1", SecretID: "approle-secret-id-5e1d"})

	v, err := res.Resolve(t.Context(), "vault://kv/db#password")
	require.NoError(t, err)
	require.Equal(t, "pg-pass-from-vault", v)
	_, err = res.Resolve(t.Context(), "vault://kv/db#password")
	require.NoError(t, err)
	require.Equal(t, 1, f.logins, "the token is reused until it expires")

	// A revoked token: the adapter logs in again once.
	f.mu.Lock()
	f.tokens = map[string]bool{}
	f.mu.Unlock()
	_, err = res.Resolve(t.Context(), "vault://kv/db#password")
	require.NoError(t, err)
	require.Equal(t, 2, f.logins)

	bad := vaultResolver(srv, secrets.VaultConfig{RoleID: "role-1", SecretID: "wrong-secret-id"})
	_, err = bad.Resolve(t.Context(), "vault://kv/db#password")
	require.ErrorIs(t, err, secrets.ErrDenied)
	require.ErrorContains(t, err, "approle login")
	require.NotContains(t, err.Error(), "wrong-secret-id")
}

func TestVaultNeedsCredentials(t *testing.T) {
	t.Parallel()
	_, err := secrets.NewResolver(secrets.Config{Vault: secrets.VaultConfig{Addr: "http://127.0.0.1:1"}}).
		Resolve(t.Context(), "vault://secret/x#y")
	require.ErrorContains(t, err, "neither VAULT_TOKEN nor VAULT_ROLE_ID")
	_, err = secrets.NewResolver(secrets.Config{}).Resolve(t.Context(), "vault://secret/x#y")
	require.ErrorContains(t, err, "VAULT_ADDR is not set")
}
