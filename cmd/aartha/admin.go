package main

import (
	"fmt"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
)

func newAdminCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Manage users of the admin API"}
	var email, role string
	var fromStdin bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user (password hashed with bcrypt)",
		Long: "Creates a user of the admin API. The password is read from the first line of standard\n" +
			"input with --password-stdin; otherwise a random one is generated and printed once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			r, err := ledger.ParseRole(role)
			if err != nil {
				return err
			}
			var password string
			if fromStdin {
				if password, err = readLine(cmd.InOrStdin()); err != nil {
					return fmt.Errorf("read the password from standard input: %w", err)
				}
			} else if password, err = aarthahttp.RandomPassword(); err != nil {
				return err
			}
			_, db, err := a.openConfiguredStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := aarthahttp.CreateUser(ctx, db, ledger.CLIActor(cliUser()), email, r, password)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created %s %s\n", u.Role, u.Email)
			if !fromStdin {
				fmt.Fprintf(cmd.OutOrStdout(), "password: %s\n(shown once)\n", password)
			}
			return nil
		},
	}
	create.Flags().StringVar(&email, "email", "", "the user's email, their login name")
	create.Flags().StringVar(&role, "role", "", "admin, operator or viewer")
	create.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	_ = create.MarkFlagRequired("email")
	_ = create.MarkFlagRequired("role")
	cmd.AddCommand(create)
	return cmd
}

// cliUser names the operator in the audit trail of CLI changes.
func cliUser() string { return "cli" }
