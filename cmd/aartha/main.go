// Command aartha is the Aartha ledger service: one binary whose subcommands
// run the server, migrate the database, deploy and inspect the LoanRegistry
// contract and check the configuration.
package main

import (
	"errors"
	"fmt"
	"os"
)

// exitCode is an error that asks for a particular exit status, for commands
// whose status carries meaning (doctor: 1 warn, 2 fail).
type exitCode struct {
	code int
	msg  string
}

func (e exitCode) Error() string { return e.msg }

func main() {
	if err := newRootCmd(os.LookupEnv).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(ec.code)
		}
		os.Exit(1)
	}
}
