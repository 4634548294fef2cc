package http_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	aarthahttp "github.com/aartha/ledger/http"
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

}

// TestLoginThrottlePerAccountAndAddress: bad logins on an account from one
// address stop that address trying the account, not the account's owner
// logging in from elsewhere (a one-minute lockout anyone could trigger);
// guesses spread over many addresses meet the account's ceiling.
func TestLoginThrottlePerAccountAndAddress(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		limits: &aarthahttp.Limits{ChainWrites: 1000, Verify: 1000, Login: 1000, LoginAccount: 2}})
	require.Equal(t, 401, f.badLogin("admin@example.com", "198.51.100.7"))
	require.Equal(t, 401, f.badLogin("admin@example.com", "198.51.100.7"))
	resp, body := f.request("POST", "/api/auth/login", "", "application/json",
		[]byte(`{"email":"admin@example.com","password":"x-not-it-at-all"}`), "X-Forwarded-For", "198.51.100.7")
	require.Equal(t, 429, resp.StatusCode)
	require.Contains(t, body["detail"], "on this account from your address")

	// The owner, elsewhere, still logs in.
	resp, body = f.request("POST", "/api/auth/login", "", "application/json",
		[]byte(`{"email":"admin@example.com","password":"`+fixturePassword+`"}`), "X-Forwarded-For", "203.0.113.50")
	require.Equal(t, 200, resp.StatusCode, "%v", body)

	// 3 attempts counted so far; the ceiling is 2 × 10 = 20 from all
	// addresses: 17 more from fresh addresses, then the account is closed.
	for i := range 17 {
		require.Equal(t, 401, f.badLogin("admin@example.com", fmt.Sprintf("192.0.2.%d", 10+i)), "attempt %d", i)
	}
	resp, body = f.request("POST", "/api/auth/login", "", "application/json",
		[]byte(`{"email":"ADMIN@example.com","password":"x-not-it-at-all"}`), "X-Forwarded-For", "192.0.2.99")
	require.Equal(t, 429, resp.StatusCode)
	require.Contains(t, body["detail"], "on this account from all addresses")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
}
