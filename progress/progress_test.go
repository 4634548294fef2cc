package progress_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/progress"
)

// TestNoBarOffATerminal: output that is not a terminal (a pipe, a file, a
// buffer) gets no bar, so logs and redirected output stay clean.
func TestNoBarOffATerminal(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	bar := progress.On(&buf, 10, "checking")
	require.NoError(t, bar.Add(3))
	bar.Finish()
	require.Empty(t, buf.String())

	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	require.NoError(t, err)
	defer f.Close()
	bar = progress.On(f, -1, "checking")
	require.NoError(t, bar.Add(1))
	bar.Finish()
	st, err := f.Stat()
	require.NoError(t, err)
	require.Zero(t, st.Size())

	require.NoError(t, progress.Bar{}.Add(1), "the zero bar counts nothing")
}
