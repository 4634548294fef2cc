package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
)

// newDeployCmd returns `aartha deploy`, which deploys a LoanRegistry to the
// chain at BLOCKCHAIN_RPC_URL, signed by BLOCKCHAIN_PRIVATE_KEY.
func newDeployCmd(a *app) *cobra.Command {
	var adminHex, anchorerHex string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Deploy a LoanRegistry contract to the chain at BLOCKCHAIN_RPC_URL",
		Long: "Deploys a new LoanRegistry signed by BLOCKCHAIN_PRIVATE_KEY, waits for it to be mined and\n" +
			"prints the BLOCKCHAIN_CONTRACT_ADDRESS and BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK lines to set\n" +
			"(the second is where reconcile and rebuild start reading the registry's events). The\n" +
			"admin (roles and pausing; use a cold key or multisig) and the anchorer (the service's\n" +
			"signing key) default to the deploying key. The embedded chain needs no deploy: it deploys its own registry at start.\n" +
			"BLOCKCHAIN_CONTRACT_ADDRESS and ENABLE_BLOCKCHAIN are ignored here, since this command\n" +
			"is how the address is obtained.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Load the configuration as if blockchain anchoring were still
			// off: with it on, validation demands the contract address this
			// command exists to produce.
			loader := *a
			loader.lookup = withoutAnchoring(a.lookup)
			cfg, err := loader.loadConfig()
			if err != nil {
				return err
			}
			return anchoring.Deploy(cmd.Context(), cfg, adminHex, anchorerHex, wait, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&adminHex, "admin", "", "address to hold DEFAULT_ADMIN_ROLE (default: the deploying key's address)")
	cmd.Flags().StringVar(&anchorerHex, "anchorer", "", "address to hold ANCHORER_ROLE (default: the deploying key's address)")
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for the transaction to be mined; 0 sends without waiting")
	return cmd
}

// withoutAnchoring wraps lookup so that ENABLE_BLOCKCHAIN reads as false and
// BLOCKCHAIN_CONTRACT_ADDRESS as unset, whatever the environment says.
func withoutAnchoring(lookup config.Lookup) config.Lookup {
	return func(name string) (string, bool) {
		switch name {
		case "ENABLE_BLOCKCHAIN":
			return "false", true
		case "ENABLE_BLOCKCHAIN_FILE", "BLOCKCHAIN_CONTRACT_ADDRESS", "BLOCKCHAIN_CONTRACT_ADDRESS_FILE":
			return "", false
		}
		return lookup(name)
	}
}
