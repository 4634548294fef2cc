package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
)

// errNotVerified makes `aartha verify` exit non-zero after printing why.
type errNotVerified struct{}

func (errNotVerified) Error() string { return "receipt NOT verified: see the failing checks above" }

func newVerifyCmd() *cobra.Command {
	var rpcURL, confPath, stream string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify RECEIPT.json|FOLDER --rpc URL",
		Short: "Check a proof receipt against the chain, without our database",
		Long: "Recomputes the record's commitment from the receipt's record and salt, then checks the\n" +
			"transaction, the registry's event and its current state on the chain at --rpc.\n" +
			"A receipt whose chain is multichain:<name> is checked against a MultiChain node: --rpc\n" +
			"with the credentials in the URL (http://user:password@host:port), or --multichain-conf\n" +
			"naming the chain's multichain.conf; --stream also checks the stream and that the item is\n" +
			"the first of its loan and kind. Exits 0 only when every check passes.\n" +
			"Given a FOLDER, checks every *.json receipt in it against the EVM chain at --rpc, several at\n" +
			"once and with a progress bar on a terminal, making the reads receipts share once (a batch's\n" +
			"transaction, its getBatch) and sending each receipt's own call (verifyLeaf, getLoan) in\n" +
			"JSON-RPC batches, and prints each receipt that fails, how many were verified and the rate.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
				if asJSON || confPath != "" || stream != "" {
					return fmt.Errorf("a folder of receipts is checked against an EVM chain only, and printed as text: drop --json, --multichain-conf and --stream")
				}
				return verifyFolder(cmd, args[0], rpcURL)
			}
			receipt, v, err := anchoring.VerifyFile(cmd.Context(), args[0], anchoring.VerifyOptions{RPCURL: rpcURL, ConfFile: confPath, Stream: stream})
			if err != nil {
				return err
			}
			if asJSON {
				err = printJSON(cmd.OutOrStdout(), v)
			} else {
				err = v.WriteText(cmd.OutOrStdout(), receipt)
			}
			if err == nil && !v.Verified {
				return errNotVerified{}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&rpcURL, "rpc", "", "JSON-RPC URL of the chain the receipt names")
	cmd.Flags().StringVar(&confPath, "multichain-conf", "", "MultiChain receipts: the chain's multichain.conf (rpcuser, rpcpassword, rpcport)")
	cmd.Flags().StringVar(&stream, "stream", "", "MultiChain receipts: the stream the item must be in")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks as JSON")
	return cmd
}
