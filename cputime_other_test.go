//go:build !unix

package ledger

import "time"

// processCPUTime is not measured here: the benchmark reports wall time only.
func processCPUTime() (time.Duration, bool) { return 0, false }
