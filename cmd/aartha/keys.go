package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
)

// keystoreTarget is the keystore file and passphrase a keys command works
// on (anchoring.KeystoreFile), with the configuration read as if anchoring
// were off: the passphrase may be a secret reference.
func keystoreTarget(a *app, pathFlag string, needPass bool) (path, pass string, err error) {
	loader := app{lookup: withoutAnchoring(a.lookup)}
	cfg, err := loader.loadConfig()
	if err != nil {
		return "", "", err
	}
	return anchoring.KeystoreFile(cfg, pathFlag, needPass)
}

func newKeysCmd(a *app) *cobra.Command {
	var path string
	var light bool
	cmd := &cobra.Command{Use: "keys", Short: "Create, import and inspect the anchoring key's keystore; Clef rules; rotate the anchoring key or the personal-data master key"}
	cmd.PersistentFlags().StringVar(&path, "keystore", "", "keystore file (default: BLOCKCHAIN_KEYSTORE)")
	newCmd := &cobra.Command{
		Use:   "new",
		Short: "Generate a new key into an encrypted keystore file and print its address",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			file, pass, err := keystoreTarget(a, path, true)
			if err != nil {
				return err
			}
			addr, err := anchoring.NewKeystore(file, pass, light)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "new key %s written to %s\ngrant it the registry's ANCHORER_ROLE and fund it before anchoring\n", addr.Hex(), file)
			return nil
		},
	}
	importCmd := &cobra.Command{
		Use:   "import",
		Short: "Encrypt a hex private key read from standard input into a keystore file",
		Long:  "Reads one hex private key from standard input (never from the command line, which other users can see).",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			file, pass, err := keystoreTarget(a, path, true)
			if err != nil {
				return err
			}
			addr, err := anchoring.ImportKeystore(file, pass, cmd.InOrStdin(), light)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "key %s imported into %s\n", addr.Hex(), file)
			return nil
		},
	}
	addressCmd := &cobra.Command{
		Use:   "address",
		Short: "Print the address of a keystore file (no passphrase needed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			file, _, err := keystoreTarget(a, path, false)
			if err != nil {
				return err
			}
			addr, err := anchoring.KeystoreAddress(file)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), addr.Hex())
			return nil
		},
	}
	for _, c := range []*cobra.Command{newCmd, importCmd} {
		c.Flags().BoolVar(&light, "light", false, "weak, fast encryption: for tests only")
	}
	var rulesRegistry, rulesAccount string
	clefRulesCmd := &cobra.Command{
		Use:   "clef-rules",
		Short: "Print a Clef rules file that lets the anchoring account sign registry calls only",
		Long: "Prints JavaScript rules for `clef --rules`: calls to the registry without value, and 0-value\n" +
			"transfers of the account to itself (how a nonce is filled when a send cannot go ahead), are\n" +
			"approved; everything else is rejected. Attest the file before use: clef attest <sha256 of it>.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rules, err := anchoring.ClefRulesFor(rulesRegistry, rulesAccount, a.lookup)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), rules)
			return nil
		},
	}
	clefRulesCmd.Flags().StringVar(&rulesRegistry, "registry", "", "the LoanRegistry address (default: BLOCKCHAIN_CONTRACT_ADDRESS)")
	clefRulesCmd.Flags().StringVar(&rulesAccount, "account", "", "the anchoring account Clef holds (default: BLOCKCHAIN_SIGNER_ADDRESS)")
	cmd.AddCommand(newCmd, importCmd, addressCmd, clefRulesCmd, newKeysRotateCmd(a), newKeysRotatePIICmd(a))
	return cmd
}
