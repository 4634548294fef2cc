package worker

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRiverRoutineLogsAtDebug(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(riverLog{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})}).With("component", "river")
	log.Info("producer: Producer job counts", "num_completed_jobs", 0)
	require.Empty(t, buf.String(), "River's routine Info records stay out of an Info log")
	log.Warn("elector: leadership lost")
	log.Error("producer: fetch failed")
	require.Contains(t, buf.String(), "level=WARN msg=\"elector: leadership lost\" component=river")
	require.Contains(t, buf.String(), "level=ERROR")

	buf.Reset()
	debug := slog.New(riverLog{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
	debug.Info("producer: Producer job counts")
	require.Contains(t, buf.String(), `level=DEBUG msg="producer: Producer job counts"`)
}
