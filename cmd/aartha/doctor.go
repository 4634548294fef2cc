package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/doctor"
)

func newDoctorCmd(a *app) *cobra.Command {
	var asJSON bool
	var runway uint64
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Diagnose the deployment: database, RPC endpoints, registry, signer, fees, transactions",
		Long: "Runs every check it can with the configuration and prints pass, warn or fail with a hint.\n" +
			"Exit status: 0 all passed, 1 a warning, 2 a failure. With the embedded chain, run it\n" +
			"while `aartha serve` is up: it reaches the chain through AARTHA_DEV_CHAIN_RPC.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			deps, closeAll, err := anchoring.DoctorDeps(ctx, cfg, openStore)
			if err != nil {
				return err
			}
			defer closeAll()
			deps.RunwayAnchors = runway
			report := doctor.Run(ctx, deps, timeout)
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(report); err != nil {
					return err
				}
			} else {
				for _, c := range report.Checks {
					fmt.Fprintf(out, "%-5s %-20s %s\n", strings.ToUpper(string(c.Status)), c.Name, c.Detail)
					if c.Hint != "" {
						fmt.Fprintf(out, "      %-20s hint: %s\n", "", c.Hint)
					}
				}
			}
			switch report.Worst {
			case doctor.Fail:
				return exitCode{2, "doctor found failures"}
			case doctor.Warn:
				return exitCode{1, "doctor found warnings"}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().Uint64Var(&runway, "runway", 1000, "warn when the signer's balance pays for fewer anchors than this")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "time limit of each check")
	return cmd
}
