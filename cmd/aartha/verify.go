package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
)

// errNotVerified makes `aartha verify` exit non-zero after printing why.
type errNotVerified struct{}

func (errNotVerified) Error() string { return "receipt NOT verified: see the failing checks above" }

func newVerifyCmd() *cobra.Command {
	var rpcURL string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify RECEIPT.json --rpc URL",
		Short: "Check a proof receipt against the chain, without our database",
		Long: "Recomputes the record's commitment from the receipt's record and salt, then checks the\n" +
			"transaction, the registry's event and its current state on the chain at --rpc.\n" +
			"Exits 0 only when every check passes.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rpcURL == "" {
				return fmt.Errorf("--rpc is required: the JSON-RPC URL of the chain named in the receipt")
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("read receipt: %w", err)
			}
			receipt, err := ledger.ParseReceipt(data)
			if err != nil {
				return err
			}
			client, err := evm.Dial(cmd.Context(), rpcURL, "", evm.ClientOptions{})
			if err != nil {
				return err
			}
			defer client.Close()
			v, err := evm.VerifyReceipt(cmd.Context(), client, receipt)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(v); err != nil {
					return err
				}
			} else {
				w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "CHECK\tRESULT\tEXPECTED\tFOUND")
				for _, c := range v.Checks {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", c.Name, map[bool]string{true: "ok", false: "MISMATCH"}[c.OK], c.Expected, c.Found)
				}
				if err := w.Flush(); err != nil {
					return err
				}
				if v.Verified {
					fmt.Fprintf(out, "verified: loan %s, %s record, %d confirmation(s)\n", receipt.LoanID, receipt.Kind, v.Confirmations)
				}
			}
			if !v.Verified {
				return errNotVerified{}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&rpcURL, "rpc", "", "JSON-RPC URL of the chain the receipt names")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks as JSON")
	return cmd
}
