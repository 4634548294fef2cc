package config

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Refs fetches the value behind a secret reference (vault://, awssm://,
// azkv://). Its errors name the reference, never a value.
type Refs interface {
	Resolve(ctx context.Context, ref string) (string, error)
}

// VaultAuth is what a Refs needs to reach HashiCorp Vault. Load reads these
// variables before any reference, from the environment or NAME_FILE only.
type VaultAuth struct {
	Addr, Token, RoleID, SecretID string
}

// Option changes how Load resolves values.
type Option func(*loadOptions)

type loadOptions struct {
	ctx     context.Context
	newRefs func(VaultAuth) (Refs, error)
}

// WithRefs makes Load fetch secret references through the Refs that newRefs
// returns. newRefs is called at most once, after the Vault variables are
// read, and only when some variable holds a reference; ctx bounds the
// fetches. Without this option a reference is a configuration error.
func WithRefs(ctx context.Context, newRefs func(VaultAuth) (Refs, error)) Option {
	return func(o *loadOptions) { o.ctx, o.newRefs = ctx, newRefs }
}

// refSchemes are the prefixes that make a value a secret reference.
var refSchemes = []string{"vault://", "awssm://", "azkv://"}

// IsRef reports whether v is a secret reference: it starts with vault://,
// awssm:// or azkv://.
func IsRef(v string) bool {
	for _, p := range refSchemes {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

// bootstrap lists the variables that say how to fetch references; they
// cannot be references themselves.
var bootstrap = map[string]bool{
	"VAULT_ADDR": true, "VAULT_TOKEN": true, "VAULT_ROLE_ID": true, "VAULT_SECRET_ID": true, "AARTHA_SECRET_REFRESH": true,
}

// Load reads every option through lookup (and readFile for NAME_FILE),
// fetches secret references (see WithRefs), validates each value and the
// combinations between them. On failure it returns the Errors of every
// broken variable together with the settings it could resolve, so `config
// check` can print both. Outside development mode a secret given as a plain
// environment value is accepted with a Setting.Warning (see Warnings).
func Load(lookup Lookup, readFile ReadFile, opts ...Option) (*Config, []Setting, error) {
	var lo loadOptions
	for _, o := range opts {
		o(&lo)
	}
	type raw struct {
		value, source string
		err           error
	}
	all := options()
	raws := make([]raw, len(all))
	byName := map[string]string{}
	var refs int
	for i, opt := range all {
		v, source, err := resolve(opt, lookup, readFile)
		if err == nil && source == "env" && IsRef(v) {
			if bootstrap[opt.name] {
				err = fmt.Errorf("cannot be a secret reference: give it in the environment or through %s_FILE", opt.name)
			} else {
				refs++
			}
		}
		raws[i] = raw{v, source, err}
		byName[opt.name] = v
	}
	var fetcher Refs
	var fetchErr error
	if refs > 0 {
		switch {
		case lo.newRefs == nil:
			fetchErr = errors.New("is a secret reference, which this command does not fetch")
		default:
			fetcher, fetchErr = lo.newRefs(VaultAuth{
				Addr: byName["VAULT_ADDR"], Token: byName["VAULT_TOKEN"],
				RoleID: byName["VAULT_ROLE_ID"], SecretID: byName["VAULT_SECRET_ID"],
			})
			if fetchErr != nil {
				fetchErr = fmt.Errorf("cannot set up secret references: %w", fetchErr)
			}
		}
	}

	var cfg Config
	var errs Errors
	var settings []Setting
	for i, opt := range all {
		r := raws[i]
		if r.err != nil {
			errs = append(errs, FieldError{opt.name, r.err.Error()})
			continue
		}
		value, source, ref := r.value, r.source, ""
		if source == "env" && IsRef(value) {
			ref, source = value, value
			if fetchErr != nil {
				errs = append(errs, FieldError{opt.name, fetchErr.Error()})
				continue
			}
			ctx := lo.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			v, err := fetcher.Resolve(ctx, ref)
			if err != nil {
				// The error names the reference; the value never existed.
				errs = append(errs, FieldError{opt.name, fmt.Sprintf("cannot fetch secret reference: %v", err)})
				continue
			}
			value = v
		}
		if err := opt.apply(&cfg, value); err != nil {
			errs = append(errs, FieldError{opt.name, err.Error()})
		}
		shown := value
		if opt.secret {
			shown = Mask(value)
		}
		s := Setting{Name: opt.name, Value: shown, Source: source, Secret: opt.secret, Ref: ref}
		if opt.secret && source == "env" && cfg.Mode != Development && carriesSecret(opt.name, value) {
			s.Warning = fmt.Sprintf("%s is a plain value in the environment, which is for development only: use %s_FILE or a vault://, awssm:// or azkv:// reference", opt.name, opt.name)
		}
		settings = append(settings, s)
	}
	if len(errs) == 0 {
		errs = append(errs, cfg.crossChecks()...)
	}
	if len(errs) > 0 {
		return nil, settings, errs
	}
	return &cfg, settings, nil
}

// carriesSecret reports whether a secret variable's value holds anything
// secret: URLs of databases, Redis and MultiChain only when they carry a
// password.
func carriesSecret(name, v string) bool {
	if v == "" {
		return false
	}
	switch name {
	case "DATABASE_URL", "REDIS_URL", "MULTICHAIN_RPC_URL", "AARTHA_PII_KEYRING_URL":
		u, err := url.Parse(v)
		if err != nil {
			return true
		}
		_, has := u.User.Password()
		return has || strings.Contains(u.RawQuery, "password")
	}
	return true
}

// Warnings returns the warning of every setting that has one, for `serve`
// and `config check` to print loudly.
func Warnings(settings []Setting) []string {
	var out []string
	for _, s := range settings {
		if s.Warning != "" {
			out = append(out, s.Warning)
		}
	}
	return out
}

// CheckValue validates v as a value of the variable name, as Load would,
// for a secret fetched again while the process runs. Its error never
// repeats a secret value.
func CheckValue(name, v string) error {
	for _, opt := range options() {
		if opt.name == name {
			var scratch Config
			return opt.apply(&scratch, v)
		}
	}
	return fmt.Errorf("%s is not a configuration variable", name)
}

func resolve(opt option, lookup Lookup, readFile ReadFile) (value, source string, err error) {
	v, inEnv := lookup(opt.name)
	path, inFile := lookup(opt.name + "_FILE")
	switch {
	case inEnv && inFile:
		return "", "", fmt.Errorf("set both %s and %s_FILE; keep one", opt.name, opt.name)
	case inFile:
		b, err := readFile(path)
		if err != nil {
			// The path is not secret; the file's content is never echoed.
			return "", "", fmt.Errorf("cannot read %s_FILE %q: %w", opt.name, path, errors.Unwrap(err))
		}
		return strings.TrimRight(string(b), "\r\n"), "file:" + path, nil
	case inEnv:
		return strings.TrimSpace(v), "env", nil
	}
	return opt.def, "default", nil
}
