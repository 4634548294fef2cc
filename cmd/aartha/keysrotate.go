package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/service"
)

func newKeysRotateCmd(a *app) *cobra.Command {
	var f anchoring.RotateRequest
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Move the registry's ANCHORER_ROLE from the configured key to a new one, draining the old key first",
		Long: `Rotates the anchoring key without stopping anchoring: grants ANCHORER_ROLE to the new
account (a transaction signed by the registry's admin key), waits until no service process
sends for the old key (restart the service with the new key now), finishes the old key's
unfinished transactions, then revokes the old account's role. Run it with the configuration
the service runs with now (the old signer). Each step is audited and printed; running it
again skips the steps done. The admin key must be neither the old nor the new anchoring
key. See docs/secrets.md, "Rotating the anchoring key".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			f.Actor, f.Out = ledger.CLIActor(cliUser()), cmd.OutOrStdout()
			return anchoring.RotateKey(ctx, cfg, service.OpenCurrentStore, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.NewKeystore, "new-keystore", "", "keystore file of the new anchoring key (its address is read; no passphrase needed)")
	fl.StringVar(&f.NewAddress, "new-address", "", "the new anchoring account, e.g. one held by Clef (instead of --new-keystore)")
	fl.StringVar(&f.AdminKeystore, "admin-keystore", "", "keystore file of the registry's admin key (DEFAULT_ADMIN_ROLE)")
	fl.StringVar(&f.AdminPassFile, "admin-passphrase-file", "", "file holding the admin keystore's passphrase (never on the command line)")
	fl.StringVar(&f.AdminSignerURL, "admin-signer-url", "", "external signer (e.g. a Clef) holding the admin key (instead of --admin-keystore)")
	fl.StringVar(&f.AdminAddress, "admin-address", "", "the admin account the --admin-signer-url signs for")
	fl.StringVar(&f.AdminAPI, "admin-signer-api", anchoring.SignerAPIClef, "how to ask --admin-signer-url: clef or eth")
	fl.DurationVar(&timeout, "timeout", time.Hour, "give up after this long (steps done stay done)")
	fl.DurationVar(&f.Poll, "poll", 2*time.Second, "how often to look at the chain and the sender lock")
	return cmd
}
