package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/evm"
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
			if cfg.RPCURL == "" {
				return errors.New("deploy needs BLOCKCHAIN_RPC_URL, the JSON-RPC endpoint of the chain to deploy to " +
					"(the embedded chain deploys its own registry when `aartha serve` starts)")
			}
			if cfg.PrivateKey == "" {
				return errors.New("deploy needs BLOCKCHAIN_PRIVATE_KEY (or BLOCKCHAIN_PRIVATE_KEY_FILE), the key that pays for the deployment")
			}
			key, err := crypto.HexToECDSA(cfg.PrivateKey)
			if err != nil {
				// The parser's error may quote part of the key: never wrap it.
				return errors.New("BLOCKCHAIN_PRIVATE_KEY: not a valid secp256k1 private key")
			}
			deployer := crypto.PubkeyToAddress(key.PublicKey)
			admin, err := addressFlag("--admin", adminHex, deployer)
			if err != nil {
				return err
			}
			anchorer, err := addressFlag("--anchorer", anchorerHex, deployer)
			if err != nil {
				return err
			}

			ctx := cmd.Context()
			client, err := evm.Dial(ctx, cfg.RPCURL, cfg.RPCURLBackup, evm.ClientOptions{})
			if err != nil {
				return err
			}
			defer client.Close()

			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "deploying LoanRegistry from %s\n  admin    %s\n  anchorer %s\n", deployer.Hex(), admin.Hex(), anchorer.Hex())
			d, err := evm.SendDeploy(ctx, client, key, admin, anchorer)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "transaction %s\nregistry    %s\n", d.Tx.Hash().Hex(), d.Address.Hex())
			if wait <= 0 {
				fmt.Fprintf(out, "not waiting for the transaction to be mined; once it is, set\nBLOCKCHAIN_CONTRACT_ADDRESS=%s\n", d.Address.Hex())
				return nil
			}
			waitCtx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			if err := evm.WaitDeployed(waitCtx, client, d); err != nil {
				return fmt.Errorf("%w (the transaction %s may still be mined later)", err, d.Tx.Hash().Hex())
			}
			fmt.Fprintf(out, "mined in block %d, gas used %d\n\nBLOCKCHAIN_CONTRACT_ADDRESS=%s\nBLOCKCHAIN_CONTRACT_DEPLOY_BLOCK=%d\n",
				d.Receipt.BlockNumber, d.Receipt.GasUsed, d.Address.Hex(), d.Receipt.BlockNumber)
			return nil
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

// addressFlag parses an address flag, with fallback for an empty value.
func addressFlag(flag, value string, fallback common.Address) (common.Address, error) {
	if value == "" {
		return fallback, nil
	}
	if !common.IsHexAddress(value) {
		return common.Address{}, fmt.Errorf("%s: %q is not a 0x-prefixed 20-byte hex address", flag, value)
	}
	addr := common.HexToAddress(value)
	if addr == (common.Address{}) {
		return common.Address{}, fmt.Errorf("%s: the zero address cannot hold a role", flag)
	}
	return addr, nil
}
