package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/doctor"
	"github.com/aartha/ledger/service"
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
			deps, closeAll, err := anchoring.DoctorDeps(ctx, cfg, service.OpenStore)
			if err != nil {
				return err
			}
			defer closeAll()
			deps.RunwayAnchors = runway
			if detail, hint := service.KeyringWarning(cfg); detail != "" {
				deps.Warnings = append(deps.Warnings, doctor.Check{Name: "keyring", Detail: detail, Hint: hint})
			}
			report := doctor.Run(ctx, deps, timeout)
			if asJSON {
				err = printJSON(cmd.OutOrStdout(), report)
			} else {
				err = report.WriteText(cmd.OutOrStdout())
			}
			if err != nil {
				return err
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
