package anchoring

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// fakeLocker is a sender lock that another process may hold.
type fakeLocker struct {
	mu       sync.Mutex
	heldElse bool // another process holds it
	held     bool // we hold it
	asks     int
}

func (l *fakeLocker) LockSender(context.Context, string) (func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asks++
	if l.heldElse || l.held {
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "held")
	}
	l.held = true
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.held = false
	}, nil
}

func (l *fakeLocker) state() (held bool, asks int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held, l.asks
}

// fakeRunner records the worker's starts, stops and rescues.
type fakeRunner struct {
	mu      sync.Mutex
	events  []string
	running bool
}

func (r *fakeRunner) note(e string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	switch e {
	case "start":
		r.running = true
	case "stop":
		r.running = false
	}
}

func (r *fakeRunner) Start(context.Context) error { r.note("start"); return nil }
func (r *fakeRunner) Stop(context.Context) error  { r.note("stop"); return nil }
func (r *fakeRunner) RescueOrphans(context.Context) (int, error) {
	r.note("rescue")
	return 1, nil
}

func (r *fakeRunner) snapshot() ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...), r.running
}

func TestSenderLockSendsAtOnceWhenFree(t *testing.T) {
	t.Parallel()
	l, w := &fakeLocker{}, &fakeRunner{}
	s := newSenderLock(l, "0xabc", w, slog.New(slog.DiscardHandler))
	require.NoError(t, s.Start(context.Background()))
	require.True(t, s.Sending())
	events, running := w.snapshot()
	require.Equal(t, []string{"rescue", "start"}, events, "orphans are requeued before the worker starts")
	require.True(t, running)

	s.Release()
	s.Release() // twice is safe
	held, _ := l.state()
	require.False(t, held)
	require.False(t, s.Sending())
	_, running = w.snapshot()
	require.False(t, running)
}

func TestSenderLockTakesOverWhenTheSenderGoes(t *testing.T) {
	t.Parallel()
	l, w := &fakeLocker{heldElse: true}, &fakeRunner{}
	s := newSenderLock(l, "0xabc", w, slog.New(slog.DiscardHandler))
	s.every = 10 * time.Millisecond
	require.NoError(t, s.Start(context.Background()))
	require.False(t, s.Sending())
	require.Eventually(t, func() bool { _, asks := l.state(); return asks >= 3 }, 10*time.Second, 5*time.Millisecond, "it keeps asking")
	events, _ := w.snapshot()
	require.Empty(t, events, "no worker while another process sends")

	l.mu.Lock()
	l.heldElse = false // the sender died
	l.mu.Unlock()
	require.Eventually(t, s.Sending, 10*time.Second, 5*time.Millisecond)
	events, running := w.snapshot()
	require.Equal(t, []string{"rescue", "start"}, events)
	require.True(t, running)

	s.Release()
	held, _ := l.state()
	require.False(t, held)
	_, running = w.snapshot()
	require.False(t, running)
}

func TestSenderLockReleaseStopsTrying(t *testing.T) {
	t.Parallel()
	l, w := &fakeLocker{heldElse: true}, &fakeRunner{}
	s := newSenderLock(l, "0xabc", w, slog.New(slog.DiscardHandler))
	s.every = 10 * time.Millisecond
	require.NoError(t, s.Start(context.Background()))
	s.Release()
	_, asks := l.state()
	l.mu.Lock()
	l.heldElse = false
	l.mu.Unlock()
	time.Sleep(50 * time.Millisecond)
	held, after := l.state()
	require.False(t, held)
	require.Equal(t, asks, after, "no more asking once released")
	events, _ := w.snapshot()
	require.Empty(t, events)
}
