package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/secrets"
	"github.com/aartha/ledger/service"
	"github.com/aartha/ledger/store"
)

// app carries what every subcommand needs from the outside world. It is the
// only place that touches the process environment.
type app struct {
	lookup config.Lookup
}

// loadConfig reads and validates the configuration from the environment,
// fetching secret references (secrets.go).
func (a *app) loadConfig() (*config.Config, error) {
	loaded, err := secrets.LoadConfig(context.Background(), a.lookup, os.ReadFile, nil)
	if err != nil {
		return nil, err
	}
	return loaded.Config, nil
}

func newRootCmd(lookup config.Lookup) *cobra.Command {
	a := &app{lookup: lookup}
	root := &cobra.Command{
		Use:           "aartha",
		Short:         "Aartha ledger: anchors approved loans and repayments on a blockchain",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newVersionCmd(),
		newConfigCmd(a),
		newMigrateCmd(a),
		newServeCmd(a),
		newDeployCmd(a),
		newVerifyCmd(),
		newVerifierPageCmd(),
		newDemoCmd(a),
		newAdminCmd(a),
		newAuditCmd(a),
		newEraseCmd(a),
		newReconcileCmd(a),
		newRebuildCmd(a),
		newExportCmd(a),
		newBackupCmd(a),
		newKeysCmd(a),
		newDoctorCmd(a),
		newMaintenanceCmd(a),
		newReportCmd(a),
		newMultiChainCmd(a),
		newLoadtestCmd(a),
	)
	return root
}

// printJSON writes v as indented JSON, the --json output of the commands.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// openConfiguredStore loads the configuration and opens its store with the
// schema checked: the first step of every command that reads or changes
// the database.
func (a *app) openConfiguredStore(ctx context.Context) (*config.Config, *store.DB, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	db, err := service.OpenCurrentStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}

// readLine reads a secret's one line from r (standard input), without its
// line ending; a last line without one is fine.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
