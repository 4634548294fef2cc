package http_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func (f *apiFixture) badLogin(email, xff string) int {
	f.t.Helper()
	resp, _ := f.request("POST", "/api/auth/login", "", "application/json",
		[]byte(`{"email":"`+email+`","password":"not-the-password-1"}`), "X-Forwarded-For", xff)
	return resp.StatusCode
}

// TestForwardedForIsIgnoredWithoutTrustedProxies: a caller cannot pick its
// own address (and so its own rate limit bucket) by sending the header.
func TestForwardedForIsIgnoredWithoutTrustedProxies(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	for i := range 5 {
		require.Equal(t, 401, f.badLogin("admin@example.com", fmt.Sprintf("203.0.113.%d", i)))
	}
	require.Equal(t, 429, f.badLogin("viewer@example.com", "203.0.113.99"), "one peer, one bucket, whatever the header")
}

// TestLoginThrottlePerClientAndPerAccount runs behind a trusted proxy
// (the test client's 127.0.0.1): one client's bad logins lock out that
// client, not everyone behind the proxy; and guesses at one account spread
// over many clients are throttled per account.
func TestLoginThrottlePerClientAndPerAccount(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	for range 5 {
		require.Equal(t, 401, f.badLogin("admin@example.com", "198.51.100.7"))
	}
	require.Equal(t, 429, f.badLogin("admin@example.com", "198.51.100.7"))
	// A forged leftmost entry does not help: the proxy appends the real
	// client, and the rightmost untrusted entry is the one believed.
	require.Equal(t, 429, f.badLogin("viewer@example.com", "192.0.2.1, 198.51.100.7"))
	// Another admin behind the same proxy logs in.
	resp, body := f.request("POST", "/api/auth/login", "", "application/json",
		[]byte(`{"email":"viewer@example.com","password":"`+fixturePassword+`"}`), "X-Forwarded-For", "198.51.100.8")
	require.Equal(t, 200, resp.StatusCode, "%v", body)

	// Per account: the admin account has had 6 tries (5 counted); 5 more
	// from fresh addresses reach its limit of 10, the next is refused.
	for i := range 5 {
		require.Equal(t, 401, f.badLogin("admin@example.com", fmt.Sprintf("192.0.2.%d", 10+i)))
	}
	resp, body = f.request("POST", "/api/auth/login", "", "application/json",
		[]byte(`{"email":"ADMIN@example.com","password":"x-not-it-at-all"}`), "X-Forwarded-For", "192.0.2.99")
	require.Equal(t, 429, resp.StatusCode)
	require.Contains(t, body["detail"], "this account")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
}
