package secrets

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The reference schemes.
const (
	SchemeVault = "vault"
	SchemeAWS   = "awssm"
	SchemeAzure = "azkv"
)

// Ref is a parsed secret reference. References are not secret: they name
// where a value lives, and errors and logs show them.
type Ref struct {
	Scheme string
	// Vault: the KV v2 mount and the secret's path under it.
	Mount, Path string
	// AWS: the secret's name or ARN.
	SecretID string
	// Azure: the vault's name (or host) and the secret's name and version
	// (empty for the current version).
	Vault, Name, Version string
	// Key is the field to take: a key of a Vault secret's data (required)
	// or of an AWS secret's JSON (optional: empty takes the whole string).
	Key string

	raw string
}

// String returns the reference as written.
func (r Ref) String() string { return r.raw }

var (
	azureVaultName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$`)
	azureHost      = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?$`)
	azureSecret    = regexp.MustCompile(`^[A-Za-z0-9-]{1,127}$`)
)

// ErrBadRef is wrapped by every Parse error.
var ErrBadRef = errors.New("malformed secret reference")

// Parse reads a reference. Its errors say which part is missing and show
// the expected form.
func Parse(s string) (Ref, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Ref{}, fmt.Errorf("%w %q: want vault://, awssm:// or azkv://", ErrBadRef, s)
	}
	body, key, hasKey := strings.Cut(rest, "#")
	r := Ref{Scheme: scheme, Key: key, raw: s}
	bad := func(form string) (Ref, error) {
		return Ref{}, fmt.Errorf("%w %q: want %s", ErrBadRef, s, form)
	}
	switch scheme {
	case SchemeVault:
		const form = "vault://<mount>/<path>#<key>"
		mount, path, _ := strings.Cut(body, "/")
		path = strings.Trim(path, "/")
		if mount == "" || path == "" || !hasKey || key == "" || strings.Contains(body, "?") {
			return bad(form)
		}
		r.Mount, r.Path = mount, path
	case SchemeAWS:
		const form = "awssm://<secret-name-or-arn>[#<json-key>]"
		if body == "" || (hasKey && key == "") {
			return bad(form)
		}
		r.SecretID = body
	case SchemeAzure:
		const form = "azkv://<vault-name>/<secret-name>[/<version>]"
		parts := strings.Split(body, "/")
		if hasKey || len(parts) < 2 || len(parts) > 3 || !azureSecret.MatchString(parts[1]) ||
			!(azureVaultName.MatchString(parts[0]) || azureHost.MatchString(parts[0])) {
			return bad(form)
		}
		r.Vault, r.Name = parts[0], parts[1]
		if len(parts) == 3 {
			if parts[2] == "" {
				return bad(form)
			}
			r.Version = parts[2]
		}
	default:
		return Ref{}, fmt.Errorf("%w %q: unknown scheme %q, want vault, awssm or azkv", ErrBadRef, s, scheme)
	}
	return r, nil
}

// stringField is the string under r's key in a secret's JSON fields (a
// Vault KV entry, an AWS secret string): missing is ErrNoKey, another type
// an error naming the type, never the value.
func stringField(r Ref, fields map[string]any) (string, error) {
	raw, ok := fields[r.Key]
	if !ok {
		return "", &Error{Ref: r.String(), Kind: ErrNoKey}
	}
	value, ok := raw.(string)
	if !ok {
		return "", &Error{Ref: r.String(), Err: fmt.Errorf("key %q holds a %T, not a string", r.Key, raw)}
	}
	return value, nil
}
