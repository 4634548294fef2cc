// Command aartha is the Aartha ledger service: one binary whose subcommands
// run the server, migrate the database, deploy and inspect the LoanRegistry
// contract and check the configuration.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd(os.LookupEnv).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
