package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/loadtest"
)

func newLoadtestCmd(a *app) *cobra.Command {
	var (
		cfg      loadtest.Config
		failOnce bool
	)
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Drive a running server with load (reads, approvals or anchoring) and print throughput and latency",
		Long: `loadtest logs in to a running server and attacks it with vegeta: reads (the loan
list and details, alternating), approvals (create loans for --duration, then approve each)
or anchoring (approvals, then wait until every approval is final on the chain). It prints
throughput, latency percentiles (p50/p90/p99/max), status codes and errors, and for
anchoring the time to final. The user must be an operator or admin. See docs/commands.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stdin, _ := cmd.Flags().GetBool("password-stdin")
			if stdin {
				var err error
				if cfg.Password, err = readLine(cmd.InOrStdin()); err != nil {
					return fmt.Errorf("read the password from standard input: %w", err)
				}
			}
			if err := cfg.FillFromEnv(a.lookup, stdin); err != nil {
				return err
			}
			rep, err := loadtest.Run(cmd.Context(), cfg)
			if err != nil {
				return fmt.Errorf("load test: %w", err)
			}
			if err := rep.Write(cmd.OutOrStdout()); err != nil {
				return err
			}
			if failOnce && rep.Errors() > 0 {
				return exitCode{code: 1, msg: fmt.Sprintf("load test: %d errors", rep.Errors())}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&cfg.URLs, "url", nil, "server base URL; repeat it (or separate with commas) to spread the requests over replicas (default $API_BASE_URL, then http://127.0.0.1:8080)")
	f.StringVar(&cfg.Email, "email", "", "user to log in as (default $AARTHA_ADMIN_EMAIL)")
	f.Bool("password-stdin", false, "read the password from the first line of stdin instead of $AARTHA_ADMIN_PASSWORD")
	f.StringVar(&cfg.Scenario, "scenario", loadtest.ScenarioReads, "one of "+strings.Join(loadtest.Scenarios, ", "))
	f.IntVar(&cfg.Rate, "rate", 0, "requests per second; 0 sends as fast as --workers allow")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to read, or to create loans")
	f.Uint64Var(&cfg.Workers, "workers", 8, "requests in flight at once")
	f.StringVar(&cfg.Prefix, "prefix", "", `loan id prefix of the loans created (default "LT<unix time>")`)
	f.DurationVar(&cfg.AnchorTimeout, "anchor-timeout", 5*time.Minute, "how long to wait for anchors to become final (anchoring)")
	f.DurationVar(&cfg.PollInterval, "poll", 250*time.Millisecond, "how often to poll loan statuses (anchoring)")
	f.BoolVar(&failOnce, "fail-on-error", false, "exit with status 1 if any request failed or any anchor did not become final")
	return cmd
}
