package worker

import (
	"context"
	"log/slog"
)

// riverLog is the slog handler the job queue (River) logs through. River
// reports routine events at Info — "producer: Producer job counts" every few
// seconds, elections, client start and stop — which would bury the lines
// that matter in a service's log, so records below Warn arrive at Debug.
// Warnings and errors keep their level. Safe for concurrent use if next is.
type riverLog struct{ next slog.Handler }

var _ slog.Handler = riverLog{}

// routineLevel is the level a River record of level l is logged at.
func routineLevel(l slog.Level) slog.Level {
	if l >= slog.LevelWarn || l < slog.LevelDebug {
		return l
	}
	return slog.LevelDebug
}

func (h riverLog) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, routineLevel(l))
}

func (h riverLog) Handle(ctx context.Context, r slog.Record) error {
	r.Level = routineLevel(r.Level)
	return h.next.Handle(ctx, r)
}

func (h riverLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return riverLog{h.next.WithAttrs(attrs)}
}

func (h riverLog) WithGroup(name string) slog.Handler {
	return riverLog{h.next.WithGroup(name)}
}
