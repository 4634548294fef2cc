package loadtest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/loadtest"
)

func TestFillFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"API_BASE_URL": "http://api:9000", "AARTHA_ADMIN_EMAIL": "ops@x.test", "AARTHA_ADMIN_PASSWORD": "from-env"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	var c loadtest.Config
	require.NoError(t, c.FillFromEnv(lookup, false))
	require.Equal(t, []string{"http://api:9000"}, c.URLs)
	require.Equal(t, "ops@x.test", c.Email)
	require.Equal(t, "from-env", c.Password)

	c = loadtest.Config{URLs: []string{"http://a", "http://b"}, Email: "me@x.test", Password: "from-stdin"}
	require.NoError(t, c.FillFromEnv(lookup, true))
	require.Equal(t, []string{"http://a", "http://b"}, c.URLs, "--url wins")
	require.Equal(t, "me@x.test", c.Email)
	require.Equal(t, "from-stdin", c.Password)

	none := func(string) (string, bool) { return "", false }
	c = loadtest.Config{}
	require.ErrorContains(t, c.FillFromEnv(none, false), "loadtest needs a user")
	require.Equal(t, []string{loadtest.DefaultURL}, c.URLs)
	c = loadtest.Config{Email: "me@x.test"}
	require.ErrorContains(t, c.FillFromEnv(lookup, true), "loadtest needs a user", "an empty line on stdin is no password")
}
