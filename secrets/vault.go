package secrets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
)

// VaultConfig says how to reach HashiCorp Vault: its address and either a
// token or an AppRole (RoleID and SecretID).
type VaultConfig struct {
	Addr     string
	Token    string
	RoleID   string
	SecretID string
	// HTTPClient replaces the client's own (tests); nil keeps Vault's,
	// which honours VAULT_CACERT and the other TLS variables.
	HTTPClient *http.Client
	// MaxRetries and the retry waits bound retries of 429 and 5xx answers;
	// zero keeps the client's defaults (2 retries, 1-1.5 s apart).
	MaxRetries                 int
	MinRetryWait, MaxRetryWait time.Duration
	// Now is the clock for AppRole token expiry; nil is time.Now.
	Now func() time.Time
}

type vaultProvider struct {
	cfg    VaultConfig
	client *vault.Client

	mu      sync.Mutex
	expires time.Time // AppRole token expiry; zero for token auth
}

var _ provider = (*vaultProvider)(nil)

func newVault(cfg VaultConfig) (*vaultProvider, error) {
	if cfg.Addr == "" {
		return nil, errors.New("VAULT_ADDR is not set")
	}
	if cfg.Token == "" && (cfg.RoleID == "" || cfg.SecretID == "") {
		return nil, errors.New("neither VAULT_TOKEN nor VAULT_ROLE_ID with VAULT_SECRET_ID is set")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	vc := vault.DefaultConfig()
	if vc.Error != nil {
		return nil, fmt.Errorf("vault client settings: %w", vc.Error)
	}
	vc.Address = cfg.Addr
	if cfg.HTTPClient != nil {
		vc.HttpClient = cfg.HTTPClient
	}
	if cfg.MaxRetries > 0 {
		vc.MaxRetries = cfg.MaxRetries
	}
	if cfg.MinRetryWait > 0 {
		vc.MinRetryWait = cfg.MinRetryWait
	}
	if cfg.MaxRetryWait > 0 {
		vc.MaxRetryWait = cfg.MaxRetryWait
	}
	client, err := vault.NewClient(vc)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	// NewClient picks VAULT_TOKEN up from the process environment; only
	// what we were given counts.
	client.ClearToken()
	if cfg.RoleID == "" {
		client.SetToken(cfg.Token)
	}
	return &vaultProvider{cfg: cfg, client: client}, nil
}

// login obtains a token with AppRole when there is none or it has expired
// (or force is set, after a 403).
func (v *vaultProvider) login(ctx context.Context, force bool) error {
	if v.cfg.RoleID == "" {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !force && v.client.Token() != "" && v.cfg.Now().Before(v.expires) {
		return nil
	}
	// The login answer carries a token: it is kept in the client only.
	secret, err := v.client.Logical().WriteWithContext(ctx, "auth/approle/login", map[string]any{
		"role_id": v.cfg.RoleID, "secret_id": v.cfg.SecretID,
	})
	if err != nil {
		return fmt.Errorf("approle login: %w", vaultShort(err))
	}
	if secret == nil || secret.Auth == nil || secret.Auth.ClientToken == "" {
		return errors.New("approle login: the answer has no token")
	}
	v.client.SetToken(secret.Auth.ClientToken)
	ttl := time.Duration(secret.Auth.LeaseDuration) * time.Second
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	// Log in again a little before the token expires.
	v.expires = v.cfg.Now().Add(ttl * 9 / 10)
	return nil
}

func (v *vaultProvider) fetch(ctx context.Context, r Ref) (string, error) {
	if err := v.login(ctx, false); err != nil {
		return "", &Error{Ref: r.String(), Kind: loginKind(err), Err: err}
	}
	s, err := v.client.KVv2(r.Mount).Get(ctx, r.Path)
	if err != nil && vaultStatus(err) == http.StatusForbidden && v.cfg.RoleID != "" {
		// The AppRole token may have been revoked: log in once more.
		if lerr := v.login(ctx, true); lerr != nil {
			return "", &Error{Ref: r.String(), Kind: loginKind(lerr), Err: lerr}
		}
		s, err = v.client.KVv2(r.Mount).Get(ctx, r.Path)
	}
	if err != nil {
		return "", &Error{Ref: r.String(), Kind: vaultKind(err), Err: vaultShort(err)}
	}
	if s == nil || s.Data == nil {
		// The latest version is deleted or destroyed.
		return "", &Error{Ref: r.String(), Kind: ErrNotFound}
	}
	return stringField(r, s.Data)
}

// vaultShort replaces the client's multi-line error (method, URL, status,
// Vault's messages) with one line: the status and Vault's messages, keeping
// the original for errors.As.
func vaultShort(err error) error {
	var re *vault.ResponseError
	if !errors.As(err, &re) {
		return err
	}
	msg := strings.Join(re.Errors, "; ")
	if msg == "" {
		msg = http.StatusText(re.StatusCode)
	}
	return &shortError{msg: fmt.Sprintf("%d %s", re.StatusCode, msg), err: err}
}

type shortError struct {
	msg string
	err error
}

func (e *shortError) Error() string { return e.msg }
func (e *shortError) Unwrap() error { return e.err }

func vaultStatus(err error) int {
	var re *vault.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

func vaultKind(err error) error {
	if errors.Is(err, vault.ErrSecretNotFound) {
		return ErrNotFound
	}
	switch vaultStatus(err) {
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusForbidden, http.StatusUnauthorized:
		return ErrDenied
	case http.StatusTooManyRequests:
		return ErrThrottled
	}
	return nil
}

// loginKind classifies an AppRole login failure: Vault answers 400 to a
// wrong role or secret id.
func loginKind(err error) error {
	if vaultStatus(err) == http.StatusBadRequest {
		return ErrDenied
	}
	return vaultKind(err)
}
