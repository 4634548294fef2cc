package secrets

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Values holds the latest good value of each refreshed variable. It is
// safe for concurrent use.
type Values struct {
	mu sync.RWMutex
	m  map[string]string
}

// NewValues returns Values holding initial (copied).
func NewValues(initial map[string]string) *Values {
	m := make(map[string]string, len(initial))
	for k, v := range initial {
		m[k] = v
	}
	return &Values{m: m}
}

// Get returns the current value of the variable name, and false when it is
// not a refreshed variable.
func (v *Values) Get(name string) (string, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	s, ok := v.m[name]
	return s, ok
}

func (v *Values) set(name, value string) (changed bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	changed = v.m[name] != value
	v.m[name] = value
	return changed
}

// Fetcher fetches one reference; *Resolver is one.
type Fetcher interface {
	Resolve(ctx context.Context, ref string) (string, error)
}

// Metrics records refresh outcomes per variable; err is nil on success.
type Metrics interface {
	SecretRefresh(variable string, err error)
}

// RefresherConfig configures a Refresher.
type RefresherConfig struct {
	Fetcher Fetcher
	// Refs maps each variable to its reference.
	Refs map[string]string
	// Values receives every good new value.
	Values *Values
	// Every is the interval between rounds; 0 never refreshes.
	Every time.Duration
	// Validate checks a new value as the configuration would (nil accepts
	// everything); a value it refuses counts as a failed fetch.
	Validate func(variable, value string) error
	// Live names the variables whose consumers take a new value without a
	// restart; a change of any other is logged as needing one.
	Live    map[string]bool
	Metrics Metrics      // nil records nothing
	Log     *slog.Logger // nil discards
	// Timeout bounds each fetch; zero is 30 s.
	Timeout time.Duration
}

// Refresher fetches references again every interval and keeps the last
// good value of each when a fetch fails. Start and Stop may each be called
// more than once.
type Refresher struct {
	cfg RefresherConfig

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// NewRefresher returns a Refresher; it starts nothing.
func NewRefresher(cfg RefresherConfig) *Refresher {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Values == nil {
		cfg.Values = NewValues(nil)
	}
	return &Refresher{cfg: cfg}
}

// Start refreshes in the background every interval until ctx ends or Stop
// is called. It does nothing when the interval is 0 or there are no
// references, or when already started.
func (r *Refresher) Start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cfg.Every <= 0 || len(r.cfg.Refs) == 0 || r.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	r.cancel, r.done = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		t := time.NewTicker(r.cfg.Every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				r.Refresh(ctx)
			}
		}
	}(r.done)
}

// Stop ends the background refresh and waits for a round in progress.
func (r *Refresher) Stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Refresh fetches every reference once and returns how many failed. A
// failure keeps the last good value, is logged (variable and reference,
// never a value) and reported to Metrics.
func (r *Refresher) Refresh(ctx context.Context) (failed int) {
	names := make([]string, 0, len(r.cfg.Refs))
	for name := range r.cfg.Refs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ref := r.cfg.Refs[name]
		err := r.refreshOne(ctx, name, ref)
		if r.cfg.Metrics != nil {
			r.cfg.Metrics.SecretRefresh(name, err)
		}
		if err != nil {
			failed++
			r.cfg.Log.Warn("secret refresh failed; keeping the last good value", "variable", name, "ref", ref, "err", err)
		}
	}
	return failed
}

func (r *Refresher) refreshOne(ctx context.Context, name, ref string) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	v, err := r.cfg.Fetcher.Resolve(ctx, ref)
	if err != nil {
		return err
	}
	if r.cfg.Validate != nil {
		if err := r.cfg.Validate(name, v); err != nil {
			return &Error{Ref: ref, Err: err}
		}
	}
	if r.cfg.Values.set(name, v) {
		if r.cfg.Live[name] {
			r.cfg.Log.Info("secret rotated; the new value is in use", "variable", name, "ref", ref)
		} else {
			r.cfg.Log.Warn("secret changed in the store; restart the service to use the new value", "variable", name, "ref", ref)
		}
	}
	return nil
}
