package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/secrets"
)

// stubFetcher answers from a map; a missing reference fails.
type stubFetcher struct {
	mu     sync.Mutex
	values map[string]string
}

func (s *stubFetcher) Resolve(_ context.Context, ref string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[ref]
	if !ok {
		return "", &secrets.Error{Ref: ref, Kind: secrets.ErrThrottled}
	}
	return v, nil
}

func (s *stubFetcher) set(ref, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v == "" {
		delete(s.values, ref)
		return
	}
	s.values[ref] = v
}

type recordMetrics struct {
	mu       sync.Mutex
	failures map[string]int
	failing  map[string]bool
}

func (m *recordMetrics) SecretRefresh(variable string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failing[variable] = err != nil
	if err != nil {
		m.failures[variable]++
	}
}

func TestRefresherKeepsTheLastGoodValue(t *testing.T) {
	t.Parallel()
	const jwtRef, hookRef = "vault://secret/aartha#jwt", "awssm://aartha#webhook"
	f := &stubFetcher{values: map[string]string{jwtRef: "jwt-value-1-0123456789abcdef0123456789", hookRef: "https://hook/1"}}
	values := secrets.NewValues(map[string]string{"JWT_SECRET_KEY": "jwt-value-1-0123456789abcdef0123456789", "BLOCKCHAIN_WEBHOOK_URL": "https://hook/1"})
	m := &recordMetrics{failures: map[string]int{}, failing: map[string]bool{}}
	var logs bytes.Buffer
	r := secrets.NewRefresher(secrets.RefresherConfig{
		Fetcher: f, Values: values, Every: time.Hour, Metrics: m,
		Refs: map[string]string{"JWT_SECRET_KEY": jwtRef, "BLOCKCHAIN_WEBHOOK_URL": hookRef},
		Live: map[string]bool{"JWT_SECRET_KEY": true},
		Validate: func(name, v string) error {
			if name == "JWT_SECRET_KEY" && len(v) < 32 {
				return errors.New("must be at least 32 bytes")
			}
			return nil
		},
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	ctx := t.Context()

	f.set(jwtRef, "jwt-value-2-0123456789abcdef0123456789")
	f.set(hookRef, "https://hook/2")
	require.Equal(t, 0, r.Refresh(ctx))
	v, _ := values.Get("JWT_SECRET_KEY")
	require.Equal(t, "jwt-value-2-0123456789abcdef0123456789", v)
	require.Contains(t, logs.String(), "secret rotated; the new value is in use")
	require.Contains(t, logs.String(), "restart the service to use the new value")

	// The store fails, then hands out an unusable value: the last good one stays.
	f.set(jwtRef, "")
	require.Equal(t, 1, r.Refresh(ctx))
	f.set(jwtRef, "short")
	require.Equal(t, 1, r.Refresh(ctx))
	v, _ = values.Get("JWT_SECRET_KEY")
	require.Equal(t, "jwt-value-2-0123456789abcdef0123456789", v)
	require.Equal(t, 2, m.failures["JWT_SECRET_KEY"])
	require.True(t, m.failing["JWT_SECRET_KEY"])
	require.False(t, m.failing["BLOCKCHAIN_WEBHOOK_URL"])
	require.Contains(t, logs.String(), "ref="+jwtRef)
	for _, secret := range []string{"jwt-value-", "short", "hook/2"} {
		require.NotContains(t, logs.String(), secret, "logs name variables and references, never values")
	}

	f.set(jwtRef, "jwt-value-3-0123456789abcdef0123456789")
	require.Equal(t, 0, r.Refresh(ctx))
	require.False(t, m.failing["JWT_SECRET_KEY"])
}

func TestRefresherStartStop(t *testing.T) {
	t.Parallel()
	const ref = "vault://secret/aartha#jwt"
	f := &stubFetcher{values: map[string]string{ref: "a"}}
	values := secrets.NewValues(map[string]string{"X": "a"})
	r := secrets.NewRefresher(secrets.RefresherConfig{Fetcher: f, Values: values, Every: 5 * time.Millisecond,
		Refs: map[string]string{"X": ref}})
	r.Start(t.Context())
	r.Start(t.Context())
	f.set(ref, "b")
	require.Eventually(t, func() bool { v, _ := values.Get("X"); return v == "b" }, 5*time.Second, 5*time.Millisecond)
	r.Stop()
	r.Stop()

	idle := secrets.NewRefresher(secrets.RefresherConfig{Fetcher: f, Refs: map[string]string{"X": ref}})
	idle.Start(t.Context()) // Every == 0: never refreshes
	idle.Stop()
}
