package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/verifier"
)

func newVerifierPageCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "verifier-page --out FILE",
		Short: "Write the one-file offline receipt verifier (HTML) to give to borrowers and auditors",
		Long: "Writes the self-contained HTML page that checks a proof receipt in a browser against a chain\n" +
			"JSON-RPC URL the user types, with no request to any Aartha server (docs/receipt.md §8). It is the\n" +
			"page served at /verify/offline.html. --out - writes it to standard output.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out is required: the file to write, or - for standard output")
			}
			if out == "-" {
				_, err := cmd.OutOrStdout().Write(verifier.Page())
				return err
			}
			if err := os.WriteFile(out, verifier.Page(), 0o644); err != nil { //nolint:gosec // a public page, meant to be shared
				return fmt.Errorf("write the verifier page: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote the offline verifier to %s: open it in a browser, paste a receipt, and give it the chain's RPC URL\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write (- for standard output)")
	return cmd
}
