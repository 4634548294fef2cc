package config

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteSettings writes settings as a table of variable, value (as Load
// masked it; "(empty)" for none) and source, for `aartha config check`.
func WriteSettings(w io.Writer, settings []Setting) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tVALUE\tSOURCE")
	for _, s := range settings {
		value := s.Value
		if value == "" {
			value = "(empty)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, value, s.Source)
	}
	return tw.Flush()
}
