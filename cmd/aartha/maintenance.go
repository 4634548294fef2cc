package main

import (
	"os/user"
	"time"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
)

func newMaintenanceCmd(a *app) *cobra.Command {
	var message string
	cmd := &cobra.Command{
		Use:   "maintenance on|off|status",
		Short: "Switch maintenance mode (writes answer 503; reads, verification and queued anchoring go on)",
		Long: "Maintenance mode is kept in the database, so every replica follows it within a second.\n" +
			"Each switch is written to the audit trail. The same switch is PUT /api/admin/maintenance.",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"on", "off", "status"},
		RunE: func(cmd *cobra.Command, args []string) error {
			_, db, err := a.openConfiguredStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			var m ledger.Maintenance
			switch args[0] {
			case "status":
				m, err = db.Maintenance(cmd.Context())
			case "on", "off":
				who := "cli"
				if u, uerr := user.Current(); uerr == nil {
					who = u.Username
				}
				m, err = db.SetMaintenance(cmd.Context(), ledger.CLIActor(who), args[0] == "on", message, time.Now())
			default:
				return ledger.Errorf(ledger.EINVALID, "say on, off or status, not %q", args[0])
			}
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), m)
		},
	}
	cmd.Flags().StringVar(&message, "message", "", "what refused callers are told (with on)")
	return cmd
}
