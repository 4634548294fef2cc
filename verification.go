package ledger

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Check is one comparison made while verifying a receipt against a chain:
// what was expected (from the receipt or its record) and what was found.
type Check struct {
	Name     string `json:"name"`
	Expected string `json:"expected"`
	Found    string `json:"found"`
	OK       bool   `json:"ok"`
}

// Verification is the outcome of checking a receipt against a chain: every
// comparison made, and whether all held. Each chain adapter (evm,
// multichain) produces one; Skipped lists checks the node could not answer,
// which do not make Verified false.
type Verification struct {
	Verified      bool     `json:"verified"`
	Checks        []Check  `json:"checks"`
	Confirmations uint64   `json:"confirmations"`
	Skipped       []string `json:"skipped,omitempty"`
}

// Compare records a comparison and reports whether it held.
func (v *Verification) Compare(name, expected, found string) bool {
	ok := expected == found
	v.Checks = append(v.Checks, Check{Name: name, Expected: expected, Found: found, OK: ok})
	return ok
}

// Conclude sets Verified: true only if at least one comparison was made and
// all held. It returns v for the caller's return statement.
func (v *Verification) Conclude() *Verification {
	v.Verified = len(v.Checks) > 0
	for _, c := range v.Checks {
		v.Verified = v.Verified && c.OK
	}
	return v
}

// Failed names the checks that failed, comma-separated.
func (v *Verification) Failed() string {
	var names []string
	for _, c := range v.Checks {
		if !c.OK {
			names = append(names, c.Name)
		}
	}
	return strings.Join(names, ", ")
}

// WriteText writes the checks as a table, then the skipped checks, then,
// when all held, what rc (the receipt checked) proves.
func (v *Verification) WriteText(w io.Writer, rc *Receipt) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tEXPECTED\tFOUND")
	for _, c := range v.Checks {
		result := "MISMATCH"
		if c.OK {
			result = "ok"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, result, c.Expected, c.Found)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, sk := range v.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", sk)
	}
	if v.Verified {
		_, err := fmt.Fprintf(w, "verified: loan %s, %s record, %d confirmation(s)\n", rc.LoanID, rc.Kind, v.Confirmations)
		return err
	}
	return nil
}
