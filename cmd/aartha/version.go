package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
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
type buildInfo struct {
	Version   string // v1.2.3, a module version, or "devel"
	Commit    string // full VCS revision, or ""
	Date      string // RFC 3339 build (stamped) or commit (VCS) time, or ""
	Modified  bool   // built from a work tree with uncommitted changes
	GoVersion string
}

// readBuildInfo prefers the linker stamps and falls back to what the Go
// toolchain embeds: the module version (go install ...@v1.2.3) and, for a
// build inside a git work tree without -buildvcs=false, the revision and
// commit time. Stamps and VCS settings are combined field by field.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: buildDate}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if b.Version == "" {
			b.Version = "devel"
		}
		return b
	}
	b.GoVersion = info.GoVersion
	if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit = s.Value
			}
		case "vcs.time":
			if b.Date == "" {
				b.Date = s.Value
			}
		case "vcs.modified":
			b.Modified = s.Value == "true" && commit == ""
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// String is the one-line description `aartha version` prints:
// "v1.2.3 (commit 0123456789ab, built 2026-11-26T03:00:00Z, go1.26.8)".
func (b buildInfo) String() string {
	var parts []string
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if b.Modified {
			c += "+dirty"
		}
		parts = append(parts, "commit "+c)
	}
	if b.Date != "" {
		parts = append(parts, "built "+b.Date)
	}
	if b.GoVersion != "" {
		parts = append(parts, b.GoVersion)
	}
	if len(parts) == 0 {
		return b.Version
	}
	return b.Version + " (" + strings.Join(parts, ", ") + ")"
}

// buildVersion is the running binary's one-line description, for /health
// and logs.
func buildVersion() string { return readBuildInfo().String() }

// releaseVersion is the running binary's version alone (v1.2.3, or
// "devel"), as releases are named in Sentry and in span resources.
func releaseVersion() string {
	b := readBuildInfo()
	if b.Version == "devel" && b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		return "devel-" + c
	}
	return b.Version
}

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
