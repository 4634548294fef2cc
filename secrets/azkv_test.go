package secrets_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/secrets"
)

// fakeKeyVault is a wire-level fake of Azure Key Vault's Get Secret:
// GET /secrets/<name>[/<version>]?api-version=... over TLS. A request
// without a bearer token gets the 401 challenge (WWW-Authenticate: Bearer
// authorization="<authority>/<tenant>", resource="https://vault.azure.net")
// the SDK's challenge policy waits for; errors are {"error":{"code":...,
// "message":...}} with 403, 404 or 429 (with Retry-After).
type fakeKeyVault struct {
	mu       sync.Mutex
	token    string
	secrets  map[string]string // name -> value of the current version
	throttle bool
	calls    int
}

func newFakeKeyVault(t *testing.T) (*fakeKeyVault, *httptest.Server) {
	f := &fakeKeyVault{token: "kv-access-token", secrets: map[string]string{}}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func kvError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (f *fakeKeyVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r.URL.Query().Get("api-version") == "" {
		kvError(w, http.StatusBadRequest, "BadParameter", "The request URI contains an invalid api-version.")
		return
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"`)
		kvError(w, http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
		return
	}
	if auth != "Bearer "+f.token {
		kvError(w, http.StatusForbidden, "Forbidden", "The user, group or application does not have secrets get permission on key vault.")
		return
	}
	if f.throttle {
		w.Header().Set("Retry-After", "1")
		kvError(w, http.StatusTooManyRequests, "Throttled", "Request was not processed because too many requests were received.")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodGet || len(parts) < 2 || parts[0] != "secrets" {
		kvError(w, http.StatusBadRequest, "BadParameter", "unsupported request")
		return
	}
	value, ok := f.secrets[parts[1]]
	if !ok || (len(parts) == 3 && parts[2] != "" && parts[2] != "v1") {
		kvError(w, http.StatusNotFound, "SecretNotFound", "A secret with (name/id) "+parts[1]+" was not found in this key vault.")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"value": value, "id": "https://" + r.Host + "/secrets/" + parts[1] + "/v1",
		"attributes": map[string]any{"enabled": true, "created": 1.7e9, "updated": 1.7e9, "recoveryLevel": "Recoverable+Purgeable"},
	})
}

// fakeCredential hands out a fixed token for Key Vault's scope, as
// azidentity's credentials do after talking to Entra ID.
type fakeCredential struct {
	token string
	err   error
}

func (c fakeCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if c.err != nil {
		return azcore.AccessToken{}, c.err
	}
	if len(opts.Scopes) != 1 || opts.Scopes[0] != "https://vault.azure.net/.default" || opts.TenantID == "" {
		return azcore.AccessToken{}, errors.New("unexpected scope or tenant")
	}
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

const azureWebhook = "https://hooks.example/T000/B000/azkv-webhook-token-31d9"

func azureResolver(srv *httptest.Server, cred azcore.TokenCredential) *secrets.Resolver {
	return secrets.NewResolver(secrets.Config{Azure: secrets.AzureConfig{
		Credential:                           cred,
		VaultURL:                             func(string) string { return srv.URL + "/" },
		Transport:                            srv.Client(),
		DisableChallengeResourceVerification: true, // the fake lives on 127.0.0.1, not *.vault.azure.net
		Retry:                                policy.RetryOptions{MaxRetries: 1, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 2 * time.Second},
	}})
}

func TestAzureKeyVault(t *testing.T) {
	t.Parallel()
	f, srv := newFakeKeyVault(t)
	f.secrets["webhook-url"] = azureWebhook
	res := azureResolver(srv, fakeCredential{token: f.token})
	ctx := t.Context()

	v, err := res.Resolve(ctx, "azkv://aartha-prod/webhook-url")
	require.NoError(t, err)
	require.Equal(t, azureWebhook, v)
	v, err = res.Resolve(ctx, "azkv://aartha-prod/webhook-url/v1")
	require.NoError(t, err)
	require.Equal(t, azureWebhook, v)

	_, err = res.Resolve(ctx, "azkv://aartha-prod/missing")
	require.ErrorIs(t, err, secrets.ErrNotFound)
	require.ErrorContains(t, err, "azkv://aartha-prod/missing: secret not found: 404 SecretNotFound")
}

func TestAzureDenied(t *testing.T) {
	t.Parallel()
	f, srv := newFakeKeyVault(t)
	f.secrets["webhook-url"] = azureWebhook
	_, err := azureResolver(srv, fakeCredential{token: "someone-elses-token"}).Resolve(t.Context(), "azkv://aartha-prod/webhook-url")
	require.ErrorIs(t, err, secrets.ErrDenied)
	require.ErrorContains(t, err, "403 Forbidden")
	require.NotContains(t, err.Error(), "someone-elses-token")

	_, err = azureResolver(srv, fakeCredential{err: errors.New("no managed identity endpoint")}).Resolve(t.Context(), "azkv://aartha-prod/webhook-url")
	require.ErrorContains(t, err, "no managed identity endpoint")
}

func TestAzureThrottlingIsRetriedThenFails(t *testing.T) {
	t.Parallel()
	f, srv := newFakeKeyVault(t)
	f.secrets["webhook-url"] = azureWebhook
	f.throttle = true
	_, err := azureResolver(srv, fakeCredential{token: f.token}).Resolve(t.Context(), "azkv://aartha-prod/webhook-url")
	require.ErrorIs(t, err, secrets.ErrThrottled)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, 3, f.calls, "the challenge, the first try and one retry after Retry-After")
}
