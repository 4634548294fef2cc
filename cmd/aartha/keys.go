package main

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
)

// keystoreTarget reads the keystore path and passphrase from the usual
// variables (BLOCKCHAIN_KEYSTORE, BLOCKCHAIN_KEYSTORE_PASSPHRASE or its
// _FILE), with --keystore overriding the path.
func keystoreTarget(a *app, pathFlag string, needPass bool) (path, pass string, err error) {
	loader := app{lookup: withoutAnchoring(a.lookup)}
	cfg, err := loader.loadConfig() // the passphrase may be a secret reference
	if err != nil {
		return "", "", err
	}
	path, pass = cfg.KeystorePath, cfg.KeystorePass
	if pathFlag != "" {
		path = pathFlag
	}
	if path == "" {
		return "", "", errors.New("give the keystore file with --keystore or BLOCKCHAIN_KEYSTORE")
	}
	if needPass && pass == "" {
		return "", "", errors.New("set the passphrase in BLOCKCHAIN_KEYSTORE_PASSPHRASE_FILE (a file readable only by you) " +
			"or BLOCKCHAIN_KEYSTORE_PASSPHRASE; it is never taken from the command line, where other users can see it")
	}
	return path, pass, nil
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
			registry, err := lookupAddress(a, "--registry", rulesRegistry, "BLOCKCHAIN_CONTRACT_ADDRESS")
			if err != nil {
				return err
			}
			account, err := lookupAddress(a, "--account", rulesAccount, "BLOCKCHAIN_SIGNER_ADDRESS")
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), anchoring.ClefRules(registry, account))
			return nil
		},
	}
	clefRulesCmd.Flags().StringVar(&rulesRegistry, "registry", "", "the LoanRegistry address (default: BLOCKCHAIN_CONTRACT_ADDRESS)")
	clefRulesCmd.Flags().StringVar(&rulesAccount, "account", "", "the anchoring account Clef holds (default: BLOCKCHAIN_SIGNER_ADDRESS)")
	cmd.AddCommand(newCmd, importCmd, addressCmd, clefRulesCmd, newKeysRotateCmd(a), newKeysRotatePIICmd(a))
	return cmd
}

// lookupAddress reads an address from a flag or, when the flag is empty,
// from the environment variable named.
func lookupAddress(a *app, flag, value, variable string) (common.Address, error) {
	if value == "" {
		value, _ = a.lookup(variable)
	}
	if value == "" {
		return common.Address{}, fmt.Errorf("give %s or set %s", flag, variable)
	}
	if !common.IsHexAddress(value) {
		return common.Address{}, fmt.Errorf("%s: %q is not an address (0x followed by 40 hex digits)", flag, value)
	}
	return common.HexToAddress(value), nil
}
