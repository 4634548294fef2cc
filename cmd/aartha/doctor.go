package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/doctor"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
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
			deps, closeAll, err := doctorDeps(ctx, cfg)
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

// doctorDeps gathers what the doctor examines from the configuration. A
// database that cannot be opened is not an error here: it becomes the
// database check's failure.
func doctorDeps(ctx context.Context, cfg *config.Config) (doctor.Deps, func(), error) {
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	deps := doctor.Deps{Finality: txmgr.Finality(cfg.Finality), Confirmations: cfg.Confirmations}
	if cfg.MaxGasPriceWei > 0 {
		deps.FeeCapWei = new(big.Int).SetUint64(cfg.MaxGasPriceWei)
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		deps.DB = brokenDB{err}
	} else {
		closers = append(closers, func() { _ = db.Close() })
		deps.DB = db
		deps.Journal = db.TxJournal()
	}
	if !cfg.EnableBlockchain {
		return deps, closeAll, nil
	}
	chainClosers, err := anchoring.Diagnose(ctx, cfg, &deps)
	closers = append(closers, chainClosers...)
	if err != nil {
		closeAll()
		return deps, nil, err
	}
	return deps, closeAll, nil
}

// brokenDB stands for a database that could not be opened, so that the
// report says so instead of the command failing.
type brokenDB struct{ err error }

func (b brokenDB) Ping(context.Context) error { return b.err }
func (b brokenDB) SchemaVersion(context.Context) (int, int, error) {
	return 0, 0, b.err
}
func (b brokenDB) AnchorCountsByStatus(context.Context) (map[string]int, error) {
	return nil, b.err
}

// runningDoctorDeps is what a running service diagnoses about itself: its
// store and its chain client (with failover, so one endpoint entry).
func runningDoctorDeps(cfg *config.Config, db *store.DB, a *anchoring.Running) doctor.Deps {
	deps := doctor.Deps{DB: db, Journal: db.TxJournal(), Finality: txmgr.Finality(cfg.Finality), Confirmations: cfg.Confirmations}
	if cfg.MaxGasPriceWei > 0 {
		deps.FeeCapWei = new(big.Int).SetUint64(cfg.MaxGasPriceWei)
	}
	if a != nil {
		a.Diagnose(&deps)
	}
	return deps
}
