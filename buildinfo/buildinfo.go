// Package buildinfo says which build a binary is: the release stamps the
// linker set, else what the Go toolchain embedded.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Info says which build a binary is.
type Info struct {
	Version   string // v1.2.3, a module version, or "devel"
	Commit    string // full VCS revision, or ""
	Date      string // RFC 3339 build (stamped) or commit (VCS) time, or ""
	Modified  bool   // built from a work tree with uncommitted changes
	GoVersion string
}

// Stamps are what the release build sets with the linker (-X); empty
// when unset.
type Stamps struct {
	Version, Commit, Date string
}

// Read prefers the linker stamps and falls back to what the Go toolchain
// embeds: the module version (go install ...@v1.2.3) and, for a build
// inside a git work tree without -buildvcs=false, the revision and commit
// time. Stamps and VCS settings are combined field by field.
func Read(s Stamps) Info {
	b := Info{Version: s.Version, Commit: s.Commit, Date: s.Date}
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
	for _, set := range info.Settings {
		switch set.Key {
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit = set.Value
			}
		case "vcs.time":
			if b.Date == "" {
				b.Date = set.Value
			}
		case "vcs.modified":
			b.Modified = set.Value == "true" && s.Commit == ""
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// shortCommit is the first 12 hex digits of a revision.
func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// String is the one-line description `aartha version` prints:
// "v1.2.3 (commit 0123456789ab, built 2026-11-26T03:00:00Z, go1.26.8)".
func (b Info) String() string {
	var parts []string
	if b.Commit != "" {
		c := shortCommit(b.Commit)
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

// Release is the version alone (v1.2.3, "devel", or "devel-<commit>"), as
// releases are named in Sentry and in span resources.
func (b Info) Release() string {
	if b.Version == "devel" && b.Commit != "" {
		return "devel-" + shortCommit(b.Commit)
	}
	return b.Version
}
