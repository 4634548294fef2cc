package doctor

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes one line a check (result, name, detail) and, under a
// check that did not pass, its hint.
func (r *Report) WriteText(w io.Writer) error {
	for _, c := range r.Checks {
		if _, err := fmt.Fprintf(w, "%-5s %-20s %s\n", strings.ToUpper(string(c.Status)), c.Name, c.Detail); err != nil {
			return err
		}
		if c.Hint != "" {
			if _, err := fmt.Fprintf(w, "      %-20s hint: %s\n", "", c.Hint); err != nil {
				return err
			}
		}
	}
	return nil
}
