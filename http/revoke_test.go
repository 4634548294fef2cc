package http_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
)

// login logs in as a fixture user through the API and returns the token.
func (f *apiFixture) login(email string) string {
	f.t.Helper()
	resp, body := f.request("POST", "/api/auth/login", "", "application/json",
		[]byte(`{"email":"`+email+`","password":"`+fixturePassword+`"}`))
	require.Equal(f.t, 200, resp.StatusCode, "%v", body)
	return body["access_token"].(string)
}

func (f *apiFixture) status(method, path, token string) (int, string) {
	f.t.Helper()
	resp, body := f.request(method, path, token, "", nil)
	detail, _ := body["detail"].(string)
	return resp.StatusCode, detail
}

func TestDeletedUserLosesAccessAtOnce(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	tok := f.login("operator@example.com")
	code, _ := f.status("GET", "/api/admin/loans", tok)
	require.Equal(t, 200, code)
	code, _ = f.status("DELETE", "/api/admin/users/operator@example.com", f.tokens[ledger.RoleAdmin])
	require.Equal(t, 204, code)
	code, detail := f.status("GET", "/api/admin/loans", tok)
	require.Equal(t, 401, code)
	require.Contains(t, detail, "no longer exists")
	code, _ = f.status("DELETE", "/api/admin/users/operator@example.com", f.tokens[ledger.RoleAdmin])
	require.Equal(t, 404, code)
}

func TestDemotedUserLosesTheRoleAtOnce(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	tok := f.login("operator@example.com")
	code, _ := f.call("POST", "/api/admin/loans", ledger.RoleOperator, newLoanBody("L-1"))
	require.Equal(t, 201, code)
	resp, body := f.request("PUT", "/api/admin/users/operator@example.com/role", f.tokens[ledger.RoleAdmin], "application/json", []byte(`{"role":"viewer"}`))
	require.Equal(t, 200, resp.StatusCode, "%v", body)
	resp, body = f.request("POST", "/api/admin/loans/L-1/approve", tok, "", nil)
	require.Equal(t, 401, resp.StatusCode, "the operator token no longer works")
	require.Contains(t, body["detail"], "role changed")
	viewer := f.login("operator@example.com")
	code, _ = f.status("POST", "/api/admin/loans/L-1/approve", viewer)
	require.Equal(t, 403, code, "the new token has the new role")
	l, err := f.db.Loan(context.Background(), "L-1")
	require.NoError(t, err)
	require.Equal(t, ledger.LoanSubmitted, l.Status)
}

func TestLogoutAndRevokeUserSessions(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	a, b := f.login("viewer@example.com"), f.login("viewer@example.com")
	code, _ := f.status("POST", "/api/auth/logout", a)
	require.Equal(t, 204, code)
	code, detail := f.status("GET", "/api/admin/loans", a)
	require.Equal(t, 401, code)
	require.Contains(t, detail, "logged out")
	code, _ = f.status("GET", "/api/admin/loans", b)
	require.Equal(t, 200, code, "logging out ends only that token")

	c := f.login("viewer@example.com")
	code, _ = f.status("POST", "/api/admin/users/viewer@example.com/revoke-sessions", f.tokens[ledger.RoleViewer])
	require.Equal(t, 403, code)
	code, _ = f.status("POST", "/api/admin/users/viewer@example.com/revoke-sessions", f.tokens[ledger.RoleAdmin])
	require.Equal(t, 204, code)
	for _, tok := range []string{b, c, f.tokens[ledger.RoleViewer]} {
		code, _ = f.status("GET", "/api/admin/loans", tok)
		require.Equal(t, 401, code)
	}
	code, _ = f.status("GET", "/api/admin/loans", f.login("viewer@example.com"))
	require.Equal(t, 200, code, "a new login works")
	code, _ = f.status("GET", "/api/admin/loans", f.tokens[ledger.RoleOperator])
	require.Equal(t, 200, code, "other users keep their sessions")
}

// TestForgedClaimsAreRefused signs tokens with the real key: a made-up
// user, a lifetime beyond the configured one (exp in year 3000), and no
// jti are refused.
func TestForgedClaimsAreRefused(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	now := time.Now().Truncate(time.Second)
	sign := func(c aarthahttp.Claims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(testKey))
		require.NoError(t, err)
		return s
	}
	base := func(sub string, exp time.Time) aarthahttp.Claims {
		return aarthahttp.Claims{Role: ledger.RoleAdmin, RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "aartha-ledger", Subject: sub, ID: "abc", IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp)}}
	}
	code, detail := f.status("GET", "/api/admin/loans", sign(base("ghost@example.com", now.Add(time.Minute))))
	require.Equal(t, 401, code)
	require.Contains(t, detail, "no longer exists")
	code, detail = f.status("GET", "/api/admin/loans", sign(base("admin@example.com", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))))
	require.Equal(t, 401, code)
	require.Contains(t, detail, "lifetime")
	noJTI := base("admin@example.com", now.Add(time.Minute))
	noJTI.ID = ""
	code, detail = f.status("GET", "/api/admin/loans", sign(noJTI))
	require.Equal(t, 401, code)
	require.Contains(t, detail, "jti")
	code, _ = f.status("GET", "/api/admin/loans", sign(base("admin@example.com", now.Add(time.Minute))))
	require.Equal(t, 200, code, "the same claims for a real user within the lifetime are accepted")
}

// TestEmergencyRotationKillsOldTokens rotates the key under a running
// authenticator: the previous key's tokens keep working after a normal
// rotation, and stop at once after POST /api/admin/sessions/revoke-all.
func TestEmergencyRotationKillsOldTokens(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	var mu sync.Mutex
	key := []byte(testKey)
	auth, err := aarthahttp.NewRotatingAuthenticator(func() []byte { mu.Lock(); defer mu.Unlock(); return key }, "HS256", time.Hour, time.Now)
	require.NoError(t, err)
	auth.UseSessions(f.db, time.Minute)
	u, err := f.db.UserByEmail(context.Background(), "admin@example.com")
	require.NoError(t, err)
	old, _, err := auth.Issue(u)
	require.NoError(t, err)

	mu.Lock()
	key = []byte(strings.Repeat("n", 40))
	mu.Unlock()
	_, err = auth.Verify(context.Background(), old)
	require.NoError(t, err, "a normal rotation keeps the previous key's tokens")
	fresh, _, err := auth.Issue(u)
	require.NoError(t, err)

	auth.RetirePreviousKey()
	_, err = auth.Verify(context.Background(), old)
	require.Equal(t, ledger.EUNAUTHORIZED, ledger.ErrorCode(err), "retired at once")
	_, err = auth.Verify(context.Background(), fresh)
	require.NoError(t, err)

	// Through the API: the fixture's tokens all die, and, across
	// replicas, the store's cut refuses every token issued before it,
	// whichever key signed it, even past another process's warm cache
	// once it expires (Forget stands for that here).
	code, _ := f.status("POST", "/api/admin/sessions/revoke-all", f.tokens[ledger.RoleAdmin])
	require.Equal(t, 204, code)
	for _, r := range []ledger.Role{ledger.RoleViewer, ledger.RoleOperator, ledger.RoleAdmin} {
		code, detail := f.status("GET", "/api/admin/loans", f.tokens[r])
		require.Equal(t, 401, code)
		require.Contains(t, detail, "was revoked")
	}
	_, err = auth.Verify(context.Background(), fresh)
	require.NoError(t, err, "another replica's cache still holds the answer")
	auth.Forget("")
	_, err = auth.Verify(context.Background(), fresh)
	require.Equal(t, ledger.EUNAUTHORIZED, ledger.ErrorCode(err))
}
