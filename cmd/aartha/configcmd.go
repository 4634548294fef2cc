package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/secrets"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Print the resolved configuration (secrets masked) and every invalid variable",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// References are fetched, so that a wrong one is found here
			// and not at the next deploy; only the reference is printed.
			loaded, err := secrets.LoadConfig(cmd.Context(), a.lookup, os.ReadFile, nil)
			if werr := config.WriteSettings(cmd.OutOrStdout(), loaded.Settings); werr != nil {
				return werr
			}
			for _, warning := range config.Warnings(loaded.Settings) {
				fmt.Fprintln(cmd.ErrOrStderr(), "WARNING:", warning)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "configuration is valid")
			return nil
		},
	})
	return cmd
}
