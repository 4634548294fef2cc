// Package progress draws the progress bar of a long command (reconcile,
// rebuild, verify FOLDER) on a terminal, and nothing elsewhere, so that
// logs and pipes stay clean.
package progress

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar counts work done; its zero value (no terminal) counts nothing.
type Bar struct{ bar *progressbar.ProgressBar }

// On returns a bar drawn on w when w is a terminal, described by what; a
// total of -1 is a spinner.
func On(w io.Writer, total int, what string) Bar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return Bar{}
	}
	return Bar{progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)}
}

// Add counts n more done.
func (b Bar) Add(n int) error {
	if b.bar == nil {
		return nil
	}
	return b.bar.Add(n)
}

// Finish clears the bar.
func (b Bar) Finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}
