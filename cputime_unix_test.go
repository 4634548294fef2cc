//go:build unix

package ledger

import (
	"syscall"
	"time"
)

// processCPUTime is the CPU time (user and system) the test process has
// used so far. On a shared machine it measures a benchmark's cost where
// wall time measures the other processes too.
func processCPUTime() (time.Duration, bool) {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0, false
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()), true
}
