package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/multichain"
)

func newMultiChainCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "multichain",
		Short: "Prepare and check the MultiChain stream that anchors go to (BLOCKCHAIN_BACKEND=multichain)",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "init",
		Short: "Create the stream write-restricted, subscribe the node and grant the publishing address its permissions",
		Long: "Connects to MULTICHAIN_RPC_URL (credentials from the URL or MULTICHAIN_CONF), checks that it\n" +
			"serves MULTICHAIN_CHAIN_NAME, creates MULTICHAIN_STREAM write-restricted unless it exists (an\n" +
			"existing open stream is refused), subscribes the node to it, and grants MULTICHAIN_FROM_ADDRESS\n" +
			"send and <stream>.write where it lacks them. Running it again changes nothing. When the node's\n" +
			"own address may not create or grant, it says which grant an admin has to make.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ad, err := multichainFromConfig(a)
			if err != nil {
				return err
			}
			rep, err := ad.Init(cmd.Context())
			for _, s := range rep.Steps {
				fmt.Fprintln(cmd.OutOrStdout(), s)
			}
			if err != nil {
				return fmt.Errorf("multichain init: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ready: %s publishes to stream %s on %s\n", ad.Publisher().Hex(), ad.Stream(), ad.Chain())
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Check, without changing anything, that anchoring to the stream can start",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ad, err := multichainFromConfig(a)
			if err != nil {
				return err
			}
			if err := ad.Check(cmd.Context()); err != nil {
				return fmt.Errorf("multichain check: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ready: stream %s on %s, the node is subscribed, the publisher may write\n", ad.Stream(), ad.Chain())
			return nil
		},
	})
	return cmd
}

// multichainFromConfig loads the configuration and opens the stream,
// refusing a configuration that does not choose the MultiChain backend.
func multichainFromConfig(a *app) (*multichain.Adapter, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	return anchoring.Stream(cfg)
}
