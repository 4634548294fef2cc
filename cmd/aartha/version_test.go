package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVersionStampsArrive links the binary with the linker stamps that
// deploy/build-release.sh sets and runs `aartha version`. The stamps are
// linker flags, so the build reuses the test binary's compile settings and
// cache (see buildAartha) instead of the release script's static, trimmed
// build, which would compile every package again; .ci/run checks the
// release script's own binary.
func TestVersionStampsArrive(t *testing.T) {
	if testing.Short() {
		t.Skip("links the whole binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "aartha")
	const commitID = "0123456789abcdef0123456789abcdef01234567"
	require.NoError(t, buildAartha(bin,
		"-ldflags", "-X main.version=v9.8.7 -X main.commit="+commitID+" -X main.buildDate=2026-11-26T03:00:00Z"))

	out, err := exec.Command(bin, "version").CombinedOutput()
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
