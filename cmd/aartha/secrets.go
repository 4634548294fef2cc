package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/secrets"
	"github.com/aartha/ledger/store"
)

// secretFetchTimeout bounds fetching every secret reference at start.
const secretFetchTimeout = time.Minute

// liveSecrets are the variables whose consumers take a refreshed value
// without a restart: the JWT key (NewRotatingAuthenticator) and the
// database password (asked for by every new connection). Every other
// secret is read once at start; a change is logged as needing a restart.
var liveSecrets = map[string]bool{"JWT_SECRET_KEY": true, "DATABASE_PASSWORD": true}

// loadResolved reads the configuration and fetches its secret references
// (vault://, awssm://, azkv://) through the official clients. It returns
// the settings (sources, warnings), the resolver for later refreshes and
// what each reference gave, for the refresher to compare with.
func (a *app) loadResolved(ctx context.Context, log *slog.Logger) (*config.Config, []config.Setting, *fetchedRefs, error) {
	ctx, cancel := context.WithTimeout(ctx, secretFetchTimeout)
	defer cancel()
	var fetched *fetchedRefs
	newRefs := func(v config.VaultAuth) (config.Refs, error) {
		fetched = &fetchedRefs{values: map[string]string{}, Resolver: secrets.NewResolver(secrets.Config{
			Vault: secrets.VaultConfig{Addr: v.Addr, Token: v.Token, RoleID: v.RoleID, SecretID: v.SecretID},
			Log:   log,
		})}
		return fetched, nil
	}
	cfg, settings, err := config.Load(a.lookup, os.ReadFile, config.WithRefs(ctx, newRefs))
	return cfg, settings, fetched, err
}

// fetchedRefs is the resolver used at start; it remembers what each
// reference gave (in memory only, like the configuration itself).
type fetchedRefs struct {
	*secrets.Resolver
	values map[string]string
}

var _ config.Refs = (*fetchedRefs)(nil)

func (f *fetchedRefs) Resolve(ctx context.Context, ref string) (string, error) {
	v, err := f.Resolver.Resolve(ctx, ref)
	if err == nil {
		f.values[ref] = v
	}
	return v, err
}

// secretRefresh keeps the secret references of a running service fresh.
type secretRefresh struct {
	cfg       *config.Config
	resolver  *secrets.Resolver
	refs      map[string]string
	values    *secrets.Values
	log       *slog.Logger
	refresher *secrets.Refresher
}

// loadServeConfig is serve's loadConfig: it fetches the secret references,
// prints every warning loudly (plain secrets outside development mode) and
// prepares their refresh, which Start begins once metrics exist. It sets
// level to AARTHA_LOG_LEVEL.
func (a *app) loadServeConfig(ctx context.Context, log *slog.Logger, level *slog.LevelVar, stderr io.Writer) (*config.Config, *secretRefresh, error) {
	cfg, settings, fetched, err := a.loadResolved(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	level.Set(cfg.LogLevel)
	for _, w := range config.Warnings(settings) {
		log.Warn(w)
		fmt.Fprintln(stderr, "WARNING:", w)
	}
	sr := &secretRefresh{cfg: cfg, refs: map[string]string{}, log: log}
	initial := map[string]string{}
	for _, s := range settings {
		if s.Ref != "" && fetched != nil {
			sr.resolver = fetched.Resolver
			sr.refs[s.Name] = s.Ref
			initial[s.Name] = fetched.values[s.Ref]
			log.Info("secret fetched from its reference", "variable", s.Name, "ref", s.Ref)
		}
	}
	if len(sr.refs) > 0 && cfg.SecretRefresh > 0 {
		sr.values = secrets.NewValues(initial)
		cfg.Refreshed = sr.values.Get
	}
	return cfg, sr, nil
}

// Start refreshes the references every AARTHA_SECRET_REFRESH, reporting to
// m, until ctx ends or Stop. Without references or interval it does nothing.
func (s *secretRefresh) Start(ctx context.Context, m secrets.Metrics) {
	if s == nil || s.values == nil || s.resolver == nil {
		return
	}
	s.refresher = secrets.NewRefresher(secrets.RefresherConfig{
		Fetcher: s.resolver, Refs: s.refs, Values: s.values, Every: s.cfg.SecretRefresh,
		Validate: config.CheckValue, Live: liveSecrets, Metrics: m, Log: s.log,
	})
	s.refresher.Start(ctx)
	s.log.Info("refreshing secret references", "count", len(s.refs), "every", s.cfg.SecretRefresh)
}

// Stop ends the refresh; it may be called more than once.
func (s *secretRefresh) Stop() {
	if s != nil && s.refresher != nil {
		s.refresher.Stop()
	}
}

// currentSecret returns a function giving the current value of a live
// variable: the refreshed one when it comes from a refreshed reference,
// else the loaded one.
func currentSecret(cfg *config.Config, name, loaded string) func() string {
	return func() string {
		if cfg.Refreshed != nil {
			if v, ok := cfg.Refreshed(name); ok {
				return v
			}
		}
		return loaded
	}
}

// jwtKey is the key source of the access token authenticator; generated
// is the random development key when JWT_SECRET_KEY is unset.
func jwtKey(cfg *config.Config, generated []byte) func() []byte {
	if cfg.JWTSecretKey == "" {
		return func() []byte { return generated }
	}
	current := currentSecret(cfg, "JWT_SECRET_KEY", cfg.JWTSecretKey)
	return func() []byte { return []byte(current()) }
}

// postgresOptions passes DATABASE_PASSWORD, refreshed or not, to every new
// connection.
func postgresOptions(cfg *config.Config) []store.PostgresOption {
	if cfg.DatabasePassword == "" {
		return nil
	}
	return []store.PostgresOption{store.WithPassword(currentSecret(cfg, "DATABASE_PASSWORD", cfg.DatabasePassword))}
}
