package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/demo"
	"github.com/aartha/ledger/service"
)

func newDemoCmd(a *app) *cobra.Command {
	var loans int
	var receiptOut string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole lifecycle once: create, approve, anchor, verify, repay, verify",
		Long: "Creates loans, approves them, waits until their anchors are final on the configured chain\n" +
			"(the embedded one by default), checks a proof receipt against the chain as a third party\n" +
			"would, then marks one loan repaid and checks that too. Uses the configured database.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			out := cmd.OutOrStdout()
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if !cfg.EnableBlockchain {
				return fmt.Errorf("the demo anchors on a chain: unset ENABLE_BLOCKCHAIN=false")
			}
			db, err := service.OpenStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := service.PrepareSchema(ctx, db, cfg, log); err != nil {
				return err
			}
			anch, err := service.StartAnchoring(ctx, cfg, db, log, out, nil)
			if err != nil {
				return err
			}
			defer anch.Stop(context.Background())

			return demo.Run(ctx, demo.Config{
				Store: db, Chain: anch, AnchorMode: cfg.AnchorMode, Loans: loans, ReceiptOut: receiptOut, Out: out,
			})
		},
	}
	cmd.Flags().IntVar(&loans, "loans", 5, "how many loans to create and approve")
	cmd.Flags().StringVar(&receiptOut, "receipt", "", "also write the first loan's proof receipt to this file")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "give up after this long")
	return cmd
}
