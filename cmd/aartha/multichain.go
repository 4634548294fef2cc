package main

import (
	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
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
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			return anchoring.InitStream(cmd.Context(), cfg, cmd.OutOrStdout())
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Check, without changing anything, that anchoring to the stream can start",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			return anchoring.CheckStream(cmd.Context(), cfg, cmd.OutOrStdout())
		},
	})
	return cmd
}
