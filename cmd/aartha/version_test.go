package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVersionStampsArrive builds the binary the way deploy/build-release.sh
// does, with the linker stamps, and runs `aartha version`.
func TestVersionStampsArrive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "aartha")
	const commitID = "0123456789abcdef0123456789abcdef01234567"
	build := exec.Command("go", "build", "-trimpath",
		"-ldflags", "-X main.version=v9.8.7 -X main.commit="+commitID+" -X main.buildDate=2026-11-26T03:00:00Z",
		"-o", bin, ".")
	// The same settings as the release script, so that CI (which runs the
	// script first) finds every package in the build cache and only links.
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	out, err = exec.Command(bin, "version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	line := strings.TrimSpace(string(out))
	require.True(t, strings.HasPrefix(line, "aartha v9.8.7 (commit 0123456789ab, built 2026-11-26T03:00:00Z, go1."), line)
}

func TestBuildInfoString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   buildInfo
		want string
	}{
		{buildInfo{Version: "devel"}, "devel"},
		{buildInfo{Version: "devel", GoVersion: "go1.26.8"}, "devel (go1.26.8)"},
		{buildInfo{Version: "v1.0.0", Commit: "abcdef0123456789", Date: "2026-01-02T03:04:05Z", GoVersion: "go1.26.8"},
			"v1.0.0 (commit abcdef012345, built 2026-01-02T03:04:05Z, go1.26.8)"},
		{buildInfo{Version: "devel", Commit: "abc", Modified: true}, "devel (commit abc+dirty)"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, c.in.String())
	}
}
