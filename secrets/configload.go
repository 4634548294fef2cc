package secrets

import (
	"context"
	"log/slog"
	"time"

	"github.com/aartha/ledger/config"
)

// fetchTimeout bounds fetching every secret reference at start.
const fetchTimeout = time.Minute

// liveVariables are the variables whose consumers take a refreshed value
// without a restart: the JWT key (the rotating authenticator) and the
// database password (asked for by every new connection). Every other
// secret is read once at start; a change is logged as needing a restart.
var liveVariables = map[string]bool{"JWT_SECRET_KEY": true, "DATABASE_PASSWORD": true}

// Loaded is a configuration read with its secret references fetched.
type Loaded struct {
	Config   *config.Config
	Settings []config.Setting // where each value came from, for warnings
	fetched  *fetchedRefs     // nil when nothing was a reference
	log      *slog.Logger
}

// LoadConfig reads the configuration through lookup and readFile and
// fetches its secret references (vault://, awssm://, azkv://) through the
// official clients. log may be nil. On a configuration error it still
// returns the settings read, for `aartha config check` to print.
func LoadConfig(ctx context.Context, lookup config.Lookup, readFile config.ReadFile, log *slog.Logger) (*Loaded, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	l := &Loaded{log: log}
	newRefs := func(v config.VaultAuth) (config.Refs, error) {
		l.fetched = &fetchedRefs{values: map[string]string{}, Resolver: NewResolver(Config{
			Vault: VaultConfig{Addr: v.Addr, Token: v.Token, RoleID: v.RoleID, SecretID: v.SecretID},
			Log:   log,
		})}
		return l.fetched, nil
	}
	cfg, settings, err := config.Load(lookup, readFile, config.WithRefs(ctx, newRefs))
	l.Config, l.Settings = cfg, settings
	return l, err
}

// fetchedRefs is the resolver used at start; it remembers what each
// reference gave (in memory only, like the configuration itself), for the
// refresher to compare with.
type fetchedRefs struct {
	*Resolver
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

// ConfigRefresh keeps the secret references of a running service fresh.
type ConfigRefresh struct {
	cfg       *config.Config
	resolver  *Resolver
	refs      map[string]string
	values    *Values
	log       *slog.Logger
	refresher *Refresher
}

// PrepareRefresh logs each variable fetched from a reference and, when
// some are and AARTHA_SECRET_REFRESH is set, makes the configuration's
// Refreshed give their current values; Start begins the refresh.
func (l *Loaded) PrepareRefresh() *ConfigRefresh {
	log := l.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &ConfigRefresh{cfg: l.Config, refs: map[string]string{}, log: log}
	initial := map[string]string{}
	for _, s := range l.Settings {
		if s.Ref != "" && l.fetched != nil {
			r.resolver = l.fetched.Resolver
			r.refs[s.Name] = s.Ref
			initial[s.Name] = l.fetched.values[s.Ref]
			log.Info("secret fetched from its reference", "variable", s.Name, "ref", s.Ref)
		}
	}
	if len(r.refs) > 0 && l.Config.SecretRefresh > 0 {
		r.values = NewValues(initial)
		l.Config.Refreshed = r.values.Get
	}
	return r
}

// Start refreshes the references every AARTHA_SECRET_REFRESH, reporting to
// m, until ctx ends or Stop. Without references or interval it does nothing.
func (r *ConfigRefresh) Start(ctx context.Context, m Metrics) {
	if r == nil || r.values == nil || r.resolver == nil {
		return
	}
	r.refresher = NewRefresher(RefresherConfig{
		Fetcher: r.resolver, Refs: r.refs, Values: r.values, Every: r.cfg.SecretRefresh,
		Validate: config.CheckValue, Live: liveVariables, Metrics: m, Log: r.log,
	})
	r.refresher.Start(ctx)
	r.log.Info("refreshing secret references", "count", len(r.refs), "every", r.cfg.SecretRefresh)
}

// Stop ends the refresh; it may be called more than once.
func (r *ConfigRefresh) Stop() {
	if r != nil && r.refresher != nil {
		r.refresher.Stop()
	}
}
