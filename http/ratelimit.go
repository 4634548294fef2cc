package http

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts requests per key in a sliding window. Allow records one
// request under key if it is within limit per window and reports whether
// it was; if not, retryAfter is how long until one more would be. A
// refused request is not counted. Implementations are safe for concurrent
// use.
//
// The window slides: the count is this fixed window's requests plus the
// previous window's, weighted by how much of it still lies inside the
// last window length. A fixed window lets through twice the limit across
// a boundary (all at the end of one window, all at the start of the
// next); this does not.
type Limiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
}

// slide decides one request: prev and cur are the counts of the previous
// and the current fixed window, elapsed how far into the current one now
// is.
func slide(prev, cur int64, limit int, elapsed, window time.Duration) (ok bool, retry time.Duration) {
	w := float64(window)
	rest := w - float64(elapsed)
	if float64(prev)*rest/w+float64(cur)+1 <= float64(limit) {
		return true, 0
	}
	lim := float64(limit - 1)
	if float64(cur) <= lim && prev > 0 {
		// Later in this window, once enough of the previous one has slid out.
		t := rest - (lim-float64(cur))*w/float64(prev)
		return false, max(time.Duration(t), time.Second)
	}
	// In the next window, once enough of this one has slid out.
	t := w * (1 - lim/float64(cur))
	return false, max(time.Duration(rest+t), time.Second)
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
	start     time.Time
	prev, cur int64
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
	switch {
	case w == nil:
		w = &memWindow{start: start}
		m.windows[k] = w
	case w.start.Add(window).Equal(start):
		w.start, w.prev, w.cur = start, w.cur, 0
	case !w.start.Equal(start):
		w.start, w.prev, w.cur = start, 0, 0
	}
	ok, retry := slide(w.prev, w.cur, limit, now.Sub(start), window)
	if ok {
		w.cur++
	}
	return ok, retry, nil
}

// RedisLimiter is a Limiter shared by every replica that uses the same
// Redis: one counter per key and fixed window; a script reads this
// window's and the previous one's and counts the request if allowed, in
// one atomic round trip. Windows follow the replica's clock, so replicas'
// clocks should agree to within a second.
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

// slidingScript counts one request in KEYS[1] (this window) if
// prev*ARGV[1] + cur + 1 <= ARGV[2], where ARGV[1] is the share of the
// previous window (KEYS[2]) still inside the sliding one; ARGV[3] is the
// counter's lifetime in ms. It returns {allowed, prev, cur}.
var slidingScript = redis.NewScript(`
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if prev * tonumber(ARGV[1]) + cur + 1 <= tonumber(ARGV[2]) then
  cur = redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, prev, cur}
end
return {0, prev, cur}
`)

// Allow implements Limiter. A Redis failure is returned as an error; the
// caller decides whether to fail open or closed.
func (l *RedisLimiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	now := l.Now()
	start := now.Truncate(window)
	name := func(s time.Time) string {
		return l.Prefix + key + ":" + strconv.FormatInt(s.UnixMilli(), 10) + ":" + strconv.FormatInt(window.Milliseconds(), 10)
	}
	elapsed := now.Sub(start)
	share := float64(window-elapsed) / float64(window)
	res, err := slidingScript.Run(ctx, l.Client, []string{name(start), name(start.Add(-window))},
		strconv.FormatFloat(share, 'f', 6, 64), limit, (2*window + time.Second).Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit counter in redis: %w", err)
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	_, retry := slide(res[1], res[2], limit, elapsed, window)
	return false, retry, nil
}

// Ping checks that Redis answers.
func (l *RedisLimiter) Ping(ctx context.Context) error { return l.Client.Ping(ctx).Err() }

// Close closes the Redis client.
func (l *RedisLimiter) Close() error { return l.Client.Close() }
