package http

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts requests per key in fixed windows. Allow records one
// request under key and reports whether it is within limit per window; if
// not, retryAfter is how long until the window ends. Implementations are
// safe for concurrent use.
type Limiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
}

// MemoryLimiter is a Limiter for one process. Counts are lost on restart
// and not shared between replicas: use RedisLimiter for that. The zero
// value is ready to use, on the wall clock.
type MemoryLimiter struct {
	Now func() time.Time

	mu      sync.Mutex
	windows map[string]*memWindow
	sweep   time.Time
}

type memWindow struct {
	start time.Time
	count int
}

var _ Limiter = (*MemoryLimiter)(nil)

// NewMemoryLimiter returns an empty MemoryLimiter on the wall clock.
func NewMemoryLimiter() *MemoryLimiter {
	return &MemoryLimiter{Now: time.Now, windows: map[string]*memWindow{}}
}

// Allow implements Limiter.
func (m *MemoryLimiter) Allow(_ context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	start := now.Truncate(window)
	if m.windows == nil {
		m.windows = map[string]*memWindow{}
	}
	if now.Sub(m.sweep) > time.Minute {
		// Drop windows that ended, so the map does not grow without bound.
		for k, w := range m.windows {
			if now.Sub(w.start) > time.Hour {
				delete(m.windows, k)
			}
		}
		m.sweep = now
	}
	k := key + "|" + window.String()
	w := m.windows[k]
	if w == nil || !w.start.Equal(start) {
		w = &memWindow{start: start}
		m.windows[k] = w
	}
	w.count++
	if w.count > limit {
		return false, start.Add(window).Sub(now), nil
	}
	return true, 0, nil
}

// RedisLimiter is a Limiter shared by every replica that uses the same
// Redis: one counter per key and window, incremented and given an expiry in
// one round trip. Windows follow the replica's clock, so replicas' clocks
// should agree to within a second.
type RedisLimiter struct {
	Client *redis.Client
	Prefix string // key prefix, e.g. "aartha:rl:"
	Now    func() time.Time
}

var _ Limiter = (*RedisLimiter)(nil)

// NewRedisLimiter connects to the Redis at url (redis:// or rediss://) and
// checks that it answers.
func NewRedisLimiter(ctx context.Context, url string) (*RedisLimiter, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL is not a redis:// URL: %w", err)
	}
	c := redis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", opts.Addr, err)
	}
	return &RedisLimiter{Client: c, Prefix: "aartha:rl:", Now: time.Now}, nil
}

// Allow implements Limiter. A Redis failure is returned as an error; the
// caller decides whether to fail open or closed.
func (l *RedisLimiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	now := l.Now()
	start := now.Truncate(window)
	k := l.Prefix + key + ":" + strconv.FormatInt(start.UnixMilli(), 10) + ":" + strconv.FormatInt(window.Milliseconds(), 10)
	pipe := l.Client.TxPipeline()
	incr := pipe.Incr(ctx, k)
	pipe.PExpire(ctx, k, window+time.Second)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, 0, fmt.Errorf("rate limit counter in redis: %w", err)
	}
	if incr.Val() > int64(limit) {
		return false, start.Add(window).Sub(now), nil
	}
	return true, 0, nil
}

// Ping checks that Redis answers.
func (l *RedisLimiter) Ping(ctx context.Context) error { return l.Client.Ping(ctx).Err() }

// Close closes the Redis client.
func (l *RedisLimiter) Close() error { return l.Client.Close() }
