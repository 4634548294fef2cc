package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aartha/ledger/buildinfo"
)

// The release build stamps these with the linker (deploy/build-release.sh):
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=<sha> -X main.buildDate=<RFC 3339>"
//
// They are the only package-level variables of the command, because -X can
// set nothing else; nothing assigns them at run time.
var (
	version   string
	commit    string
	buildDate string
)

// buildInfo says which build a binary is.
type buildInfo = buildinfo.Info

func readBuildInfo() buildInfo {
	return buildinfo.Read(buildinfo.Stamps{Version: version, Commit: commit, Date: buildDate})
}

// buildVersion is the running binary's one-line description, for /health
// and logs.
func buildVersion() string { return readBuildInfo().String() }

// releaseVersion is the running binary's version alone, for Sentry and
// span resources.
func releaseVersion() string { return readBuildInfo().Release() }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "aartha", buildVersion())
			return err
		},
	}
}
