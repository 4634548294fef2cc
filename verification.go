package ledger

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
