package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// The kinds of fetch failure, for errors.Is.
var (
	ErrNotFound  = errors.New("secret not found")
	ErrNoKey     = errors.New("key not found in the secret")
	ErrDenied    = errors.New("access denied (check the credentials and their policy)")
	ErrThrottled = errors.New("throttled by the secret store (gave up after retries)")
)

// Error is a failed fetch. It names the reference and says what went wrong;
// it never holds a secret value.
type Error struct {
	Ref  string
	Kind error // one of ErrNotFound, ErrNoKey, ErrDenied, ErrThrottled, or nil
	Err  error // the client's error, if any
}

func (e *Error) Error() string {
	switch {
	case e.Kind != nil && e.Err != nil:
		return fmt.Sprintf("%s: %v: %v", e.Ref, e.Kind, e.Err)
	case e.Kind != nil:
		return fmt.Sprintf("%s: %v", e.Ref, e.Kind)
	}
	return fmt.Sprintf("%s: %v", e.Ref, e.Err)
}

// Unwrap returns the kind and the client's error.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// provider fetches references of one scheme.
type provider interface {
	fetch(ctx context.Context, r Ref) (string, error)
}

// Config says how to reach each secret store. Zero values use the
// services' defaults; the test-only knobs (endpoints, transports, retry
// waits) let the adapters run against local fakes.
type Config struct {
	Vault VaultConfig
	AWS   AWSConfig
	Azure AzureConfig
	Log   *slog.Logger // nil discards
}

// Resolver fetches references through the provider of their scheme,
// creating each provider on first use. It is safe for concurrent use.
type Resolver struct {
	cfg Config

	mu        sync.Mutex
	providers map[string]provider
}

var _ Fetcher = (*Resolver)(nil)

// NewResolver returns a Resolver. It contacts nothing until Resolve.
func NewResolver(cfg Config) *Resolver {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Resolver{cfg: cfg, providers: map[string]provider{}}
}

// Resolve fetches the value behind ref. Errors are *Error (or wrap
// ErrBadRef) and name the reference only.
func (r *Resolver) Resolve(ctx context.Context, ref string) (string, error) {
	parsed, err := Parse(ref)
	if err != nil {
		return "", err
	}
	p, err := r.provider(ctx, parsed.Scheme)
	if err != nil {
		return "", &Error{Ref: ref, Err: err}
	}
	v, err := p.fetch(ctx, parsed)
	if err != nil {
		var se *Error
		if errors.As(err, &se) {
			return "", err
		}
		return "", &Error{Ref: ref, Err: err}
	}
	r.cfg.Log.Debug("fetched secret reference", "ref", ref)
	return v, nil
}

func (r *Resolver) provider(ctx context.Context, scheme string) (provider, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.providers[scheme]; ok {
		return p, nil
	}
	var (
		p   provider
		err error
	)
	switch scheme {
	case SchemeVault:
		p, err = newVault(r.cfg.Vault)
	case SchemeAWS:
		p, err = newAWS(ctx, r.cfg.AWS)
	case SchemeAzure:
		p, err = newAzure(r.cfg.Azure)
	default:
		return nil, fmt.Errorf("unknown scheme %q", scheme)
	}
	if err != nil {
		return nil, err
	}
	r.providers[scheme] = p
	return p, nil
}
