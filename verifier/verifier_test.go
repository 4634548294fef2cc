package verifier_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/verifier"
)

// TestPageIsSelfContained: one HTML file whose only script is inline and
// allowed by its hash, with nothing loaded from anywhere.
func TestPageIsSelfContained(t *testing.T) {
	t.Parallel()
	page := string(verifier.Page())
	require.True(t, strings.HasPrefix(page, "<!doctype html>"))
	require.Equal(t, 1, strings.Count(page, "<script>"), "one inline script")
	require.NotRegexp(t, `(?i)<script[^>]+src=|<link[^>]+rel="stylesheet"|@import|url\(\s*['"]?https?:`, page)
	require.Regexp(t, regexp.MustCompile(`script-src 'sha256-[A-Za-z0-9+/]{43}='`), page)
	require.Contains(t, page, "@noble/hashes 2.4.0")
	require.Contains(t, page, `id="rpc"`)
	require.NotContains(t, page, "{{", "every placeholder was filled")
}
