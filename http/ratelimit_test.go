package http_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
)

// redisURL is the Redis the tests use: AARTHA_TEST_REDIS_URL, or the local
// server of the development machine and CI.
func redisURL() string {
	if u := os.Getenv("AARTHA_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// requireRedis connects to the test Redis. Unreachable, the test skips on
// a laptop and fails under CI=true.
func requireRedis(t *testing.T) *aarthahttp.RedisLimiter {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	l, err := aarthahttp.NewRedisLimiter(ctx, redisURL())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is unreachable under CI=true (set AARTHA_TEST_REDIS_URL): %v", err)
		}
		t.Skipf("Redis is unreachable, skipping (set AARTHA_TEST_REDIS_URL): %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	l.Prefix = fmt.Sprintf("aartha:test:%d:%d:", os.Getpid(), time.Now().UnixNano())
	return l
}

func TestLimiters(t *testing.T) {
	t.Parallel()
	for name, mk := range map[string]func(t *testing.T, now func() time.Time) aarthahttp.Limiter{
		"memory": func(_ *testing.T, now func() time.Time) aarthahttp.Limiter {
			return &aarthahttp.MemoryLimiter{Now: now}
		},
		"redis": func(t *testing.T, now func() time.Time) aarthahttp.Limiter {
			l := requireRedis(t)
			l.Now = now
			return l
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{t: time.Now().Truncate(time.Minute)}
			l := mk(t, clock.Now)
			ctx := context.Background()
			for i := 0; i < 5; i++ {
				ok, _, err := l.Allow(ctx, "k", 5, time.Minute)
				require.NoError(t, err)
				require.True(t, ok, i)
			}
			ok, retry, err := l.Allow(ctx, "k", 5, time.Minute)
			require.NoError(t, err)
			require.False(t, ok)
			require.Equal(t, 72*time.Second, retry.Round(time.Second),
				"5 at the start of a minute: one slot frees 12s into the next, when 1/5 of them has slid out")
			ok, _, err = l.Allow(ctx, "other", 5, time.Minute)
			require.NoError(t, err)
			require.True(t, ok, "keys are counted apart")
			clock.Add(2 * time.Minute)
			ok, _, err = l.Allow(ctx, "k", 5, time.Minute)
			require.NoError(t, err)
			require.True(t, ok, "a window later the count starts afresh")

			// Across a fixed-window boundary: 5 at the end of one minute
			// leave no room at the start of the next (a fixed window
			// would let 5 more through), and room comes back as the
			// earlier minute slides out.
			clock.Add(time.Minute + 50*time.Second) // :50 of a fresh minute
			for i := 0; i < 5; i++ {
				ok, _, err := l.Allow(ctx, "b", 5, time.Minute)
				require.NoError(t, err)
				require.True(t, ok, i)
			}
			clock.Add(20 * time.Second) // :10 of the next minute
			ok, retry, err = l.Allow(ctx, "b", 5, time.Minute)
			require.NoError(t, err)
			require.False(t, ok, "no second burst across the boundary")
			require.Equal(t, 2*time.Second, retry.Round(time.Second), "one slot frees when 1/5 of the earlier minute has slid out")
			clock.Add(retry)
			ok, _, err = l.Allow(ctx, "b", 5, time.Minute)
			require.NoError(t, err)
			require.True(t, ok, "after Retry-After one more is allowed")
			ok, _, err = l.Allow(ctx, "b", 5, time.Minute)
			require.NoError(t, err)
			require.False(t, ok, "and only one")
		})
	}
}

// TestRedisLimitIsSharedBetweenReplicas runs two API servers on one Redis:
// requests to either count against the same limit.
func TestRedisLimitIsSharedBetweenReplicas(t *testing.T) {
	t.Parallel()
	shared := requireRedis(t)
	// Both replicas read the same fixed clock, so no window boundary falls
	// between the calls.
	fixed := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 30, 0, time.UTC) }
	shared.Now = fixed
	a := newAPIFixture(t, apiOptions{limiter: shared})
	b := newAPIFixture(t, apiOptions{limiter: &aarthahttp.RedisLimiter{Client: shared.Client, Prefix: shared.Prefix, Now: fixed}})
	for _, f := range []*apiFixture{a, b} {
		code, _ := f.call("POST", "/api/admin/loans", ledger.RoleOperator, newLoanBody("S-1"))
		require.Equal(t, 201, code)
		code, _ = f.call("POST", "/api/admin/loans/S-1/approve", ledger.RoleOperator, nil)
		require.Equal(t, 200, code)
	}
	codes := []int{}
	for _, f := range []*apiFixture{a, b, a, b} {
		code, _ := f.call("POST", "/api/admin/loans/S-1/blockchain/store", ledger.RoleOperator, nil)
		codes = append(codes, code)
	}
	require.Equal(t, []int{202, 202, 202, 429}, codes)
}
