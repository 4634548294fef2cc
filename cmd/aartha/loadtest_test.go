package main

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLoadTestCommand runs `aartha loadtest` briefly against a running
// server, scenario by scenario, and checks that what it reports happened:
// the requests it counts were made and answered, and the loans it created,
// approved and saw anchored are there.
func TestLoadTestCommand(t *testing.T) {
	t.Parallel()
	c := startServe(t, map[string]string{
		"AARTHA_DATA_DIR": t.TempDir(), "AARTHA_DEV_CHAIN_RPC": "127.0.0.1:0", "BLOCKCHAIN_ANCHOR_MODE": "batch",
		"BLOCKCHAIN_BATCH_WINDOW": "200ms",
	})
	user := map[string]string{"AARTHA_ADMIN_EMAIL": testAdminEmail, "AARTHA_ADMIN_PASSWORD": testAdminPassword}
	line := regexp.MustCompile(`(?m)^(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s`)
	attacks := func(out string) map[string][3]int {
		m := map[string][3]int{}
		for _, g := range line.FindAllStringSubmatch(out, -1) {
			var v [3]int
			for i := range v {
				v[i], _ = strconv.Atoi(g[i+2])
			}
			m[g[1]] = v
		}
		return m
	}
	ctx := context.Background()

	out, err := run(t, ctx, user, "loadtest", "--url", c.base, "--scenario", "anchoring", "--duration", "2s",
		"--rate", "10", "--workers", "4", "--prefix", "LTT", "--fail-on-error")
	require.NoError(t, err, out)
	got := attacks(out)
	created, approved := got["create"], got["approve"]
	require.Positive(t, created[0], out)
	require.Equal(t, created[0], created[1], "every create answered 2xx: %s", out)
	require.Equal(t, created[0], approved[1], "every loan approved: %s", out)
	require.Regexp(t, `anchoring: `+strconv.Itoa(created[0])+` approved, `+strconv.Itoa(created[0])+` confirmed, 0 failed`, out)
	require.Contains(t, out, "errors: 0")
	// The server agrees: as many loans, all confirmed on the chain.
	code, body := c.do("GET", "/api/admin/loans?"+url.Values{"q": {"LTT-"}, "limit": {"500"}, "blockchain_status": {"confirmed"}}.Encode(), nil)
	require.Equal(t, 200, code)
	require.Len(t, body["loans"], created[0])

	out, err = run(t, ctx, user, "loadtest", "--url", c.base, "--scenario", "reads", "--duration", "1s", "--rate", "50", "--fail-on-error")
	require.NoError(t, err, out)
	reads := attacks(out)["reads"]
	require.Positive(t, reads[0], out)
	require.Equal(t, reads[0], reads[1], out)
	require.Regexp(t, `p50 +p90 +p99 +max`, out)

	// A wrong password is an error, not a report.
	out, err = run(t, ctx, map[string]string{"AARTHA_ADMIN_EMAIL": testAdminEmail, "AARTHA_ADMIN_PASSWORD": "wrong-password-123"},
		"loadtest", "--url", c.base, "--duration", "1s")
	require.Error(t, err, out)
	require.Contains(t, err.Error(), "log in as "+testAdminEmail)
	require.NotContains(t, err.Error()+out, "wrong-password-123")
}
