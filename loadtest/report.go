package loadtest

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Write prints the report as a table: one line per attack (requests, OK,
// throughput, latency percentiles, status codes), the distinct errors, and
// the anchors' time to final.
func (r *Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario %s\n", r.Scenario)
	fmt.Fprintln(tw, "attack\trequests\tok\tfailed\tduration\tthroughput/s\tp50\tp90\tp99\tmax\tcodes")
	for _, a := range r.Attacks {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\n", a.Name, a.Requests, a.OK, a.Failed(),
			round(a.Duration), a.Throughput, round(a.P50), round(a.P90), round(a.P99), round(a.Max), codes(a.Codes))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	for _, a := range r.Attacks {
		for _, e := range a.Errors {
			fmt.Fprintf(w, "error (%s): %s\n", a.Name, e)
		}
	}
	if an := r.Anchoring; an != nil {
		fmt.Fprintf(w, "anchoring: %d approved, %d confirmed, %d failed, %d not final in time; all confirmed %s after the first approval\n",
			an.Approved, an.Confirmed, an.Failed, an.Approved-an.Confirmed-an.Failed, round(an.Took))
		fmt.Fprintf(w, "time to final: p50 %s  p90 %s  p99 %s  max %s\n", round(an.P50), round(an.P90), round(an.P99), round(an.Max))
	}
	_, err := fmt.Fprintf(w, "errors: %d\n", r.Errors())
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d
}

func codes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
