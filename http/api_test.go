package http_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/doctor"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store"
)

const testKey = "0123456789abcdefghijklmnopqrstuvwxyzABCD"

// fakeChain verifies every receipt.
type fakeChain struct{}

func (fakeChain) Network() string          { return "eip155:1337" }
func (fakeChain) Contract() common.Address { return common.HexToAddress("0x01") }
func (fakeChain) VerifyReceipt(context.Context, *ledger.Receipt) (*ledger.Verification, error) {
	return &ledger.Verification{Verified: true}, nil
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type apiFixture struct {
	t       *testing.T
	url     string
	db      *store.DB
	auth    *aarthahttp.Authenticator
	clock   *fakeClock
	tokens  map[ledger.Role]string
	limiter aarthahttp.Limiter
}

type apiOptions struct {
	limiter aarthahttp.Limiter
	origins []string
	proxies []netip.Prefix
	limits  *aarthahttp.Limits         // nil: low limits the rate limit tests reach
	open    func(testing.TB) *store.DB // nil: a SQLite file
	// piiKey, if set, turns on encryption of personal data.
	piiKey *store.PersonalDataKeys
}

func newAPIFixture(t *testing.T, opt apiOptions) *apiFixture {
	t.Helper()
	ctx := context.Background()
	var db *store.DB
	if opt.open != nil {
		db = opt.open(t)
	} else {
		var err error
		db, err = store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "aartha.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
	}
	_, err := db.Migrate(ctx)
	require.NoError(t, err)
	db.SetPersonalDataKeys(opt.piiKey)
	limits := aarthahttp.Limits{ChainWrites: 3, Verify: 3, Login: 5}
	if opt.limits != nil {
		limits = *opt.limits
	}
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	auth, err := aarthahttp.NewAuthenticator([]byte(testKey), "HS256", time.Hour, time.Now)
	require.NoError(t, err)
	if opt.limiter == nil {
		opt.limiter = &aarthahttp.MemoryLimiter{Now: clock.Now}
	}
	api := aarthahttp.NewAPI(aarthahttp.APIConfig{
		Loans: &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader, AnchorMode: ledger.ModeBatch},
		Store: db, Chain: fakeChain{}, Auth: auth, Limiter: opt.limiter,
		Limits: limits, AllowedOrigins: opt.origins,
		MaxBodyBytes: 4096, BatchWindow: time.Second,
		Doctor:      func(ctx context.Context) any { return doctor.Run(ctx, doctor.Deps{DB: db}, time.Second) },
		Maintenance: db,
		Erasure:     &ledger.ErasureService{Store: db, Now: time.Now},
	})
	s := aarthahttp.NewServer("127.0.0.1:0", "test", nil, slog.New(slog.DiscardHandler))
	s.SetAPI(api)
	s.SetTrustedProxies(opt.proxies)
	require.NoError(t, s.Start(ctx))
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	f := &apiFixture{t: t, url: s.URL(), db: db, auth: auth, clock: clock, tokens: map[ledger.Role]string{}, limiter: opt.limiter}
	auth.UseSessions(db, 0)
	for _, r := range []ledger.Role{ledger.RoleViewer, ledger.RoleOperator, ledger.RoleAdmin} {
		u := &ledger.User{Email: string(r) + "@example.com", Role: r, PasswordHash: fixtureHash(t)}
		require.NoError(t, db.CreateUser(ctx, ledger.SystemActor(), u))
		tok, _, err := auth.Issue(u)
		require.NoError(t, err)
		f.tokens[r] = tok
	}
	return f
}

// fixturePassword is the password of the fixture's users.
const fixturePassword = "fixture-password-42"

// fixtureHash hashes fixturePassword at the lowest bcrypt cost, which
// keeps the tests fast under -race; the check is the same at any cost.
func fixtureHash(t *testing.T) string {
	h, err := bcrypt.GenerateFromPassword([]byte(fixturePassword), bcrypt.MinCost)
	require.NoError(t, err)
	return string(h)
}

func (f *apiFixture) request(method, path, token, contentType string, body []byte, hdr ...string) (*nethttp.Response, map[string]any) {
	f.t.Helper()
	req, err := nethttp.NewRequest(method, f.url+path, bytes.NewReader(body))
	require.NoError(f.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := nethttp.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp, out
}

func (f *apiFixture) call(method, path string, role ledger.Role, body any) (int, map[string]any) {
	f.t.Helper()
	var b []byte
	ct := ""
	if body != nil {
		b, _ = json.Marshal(body)
		ct = "application/json"
	}
	resp, out := f.request(method, path, f.tokens[role], ct, b)
	return resp.StatusCode, out
}

func newLoanBody(id string) map[string]any {
	return map[string]any{"loan_id": id, "borrower": "cust-1", "lender": "bank-1", "principal": "150000",
		"currency": "INR", "interest_rate_bps": 1250, "term_months": 12}
}

func TestAuthRequiredAndRoles(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	code, body := f.call("GET", "/api/admin/loans", "", nil)
	require.Equal(t, 401, code)
	require.Equal(t, "unauthorized", body["code"])
	require.Contains(t, body["detail"], "POST /api/auth/login")

	code, _ = f.call("GET", "/api/admin/loans", ledger.RoleViewer, nil)
	require.Equal(t, 200, code)
	code, body = f.call("POST", "/api/admin/loans", ledger.RoleViewer, newLoanBody("L-1"))
	require.Equal(t, 403, code)
	require.Contains(t, body["detail"], "needs the operator role")
	code, _ = f.call("POST", "/api/admin/loans", ledger.RoleOperator, newLoanBody("L-1"))
	require.Equal(t, 201, code)
	code, _ = f.call("POST", "/api/admin/users", ledger.RoleOperator, map[string]string{"email": "x@example.com", "role": "viewer", "password": "long-enough-password"})
	require.Equal(t, 403, code, "only admins manage users")
	code, _ = f.call("POST", "/api/admin/users", ledger.RoleAdmin, map[string]string{"email": "x@example.com", "role": "viewer", "password": "long-enough-password"})
	require.Equal(t, 201, code)

	// The new user can log in; a wrong password cannot.
	resp, body := f.request("POST", "/api/auth/login", "", "application/json", []byte(`{"email":"x@example.com","password":"long-enough-password"}`))
	require.Equal(t, 200, resp.StatusCode)
	require.NotEmpty(t, body["access_token"])
	resp, _ = f.request("POST", "/api/auth/login", "", "application/json", []byte(`{"email":"x@example.com","password":"wrong-password-123"}`))
	require.Equal(t, 401, resp.StatusCode)
	resp, _ = f.request("POST", "/api/auth/login", "", "application/json", []byte(`{"email":"nobody@example.com","password":"wrong-password-123"}`))
	require.Equal(t, 401, resp.StatusCode)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestBadTokensAreRefused(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	good := f.tokens[ledger.RoleAdmin]
	parts := strings.Split(good, ".")

	expiredAuth, err := aarthahttp.NewAuthenticator([]byte(testKey), "HS256", time.Hour, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	require.NoError(t, err)
	expired, _, err := expiredAuth.Issue(&ledger.User{Email: "a@example.com", Role: ledger.RoleAdmin})
	require.NoError(t, err)

	otherAuth, err := aarthahttp.NewAuthenticator([]byte(strings.Repeat("z", 40)), "HS256", time.Hour, time.Now)
	require.NoError(t, err)
	wrongKey, _, err := otherAuth.Issue(&ledger.User{Email: "a@example.com", Role: ledger.RoleAdmin})
	require.NoError(t, err)

	switchAuth, err := aarthahttp.NewAuthenticator([]byte(testKey), "HS512", time.Hour, time.Now)
	require.NoError(t, err)
	switched, _, err := switchAuth.Issue(&ledger.User{Email: "a@example.com", Role: ledger.RoleAdmin})
	require.NoError(t, err)

	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	escalated := strings.Replace(string(payload), `"role":"admin"`, `"role":"admin" `, 1)

	cases := map[string]string{
		"expired":           expired,
		"wrong key":         wrongKey,
		"alg none":          b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + ".",
		"alg none unsigned": b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1],
		"algorithm switch":  switched,
		"tampered payload":  parts[0] + "." + b64(escalated) + "." + parts[2],
		"tampered sig":      parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
		"garbage":           "not-a-token",
	}
	for name, tok := range cases {
		resp, body := f.request("GET", "/api/admin/loans", tok, "", nil)
		require.Equal(t, 401, resp.StatusCode, name)
		require.Equal(t, "unauthorized", body["code"], name)
		require.NotEmpty(t, resp.Header.Get("WWW-Authenticate"), name)
	}
	resp, _ := f.request("GET", "/api/admin/loans", good, "", nil)
	require.Equal(t, 200, resp.StatusCode)
}

func TestAuthenticatorRefusesWeakSetup(t *testing.T) {
	t.Parallel()
	_, err := aarthahttp.NewAuthenticator([]byte("short"), "HS256", time.Hour, nil)
	require.ErrorContains(t, err, "at least 32 bytes")
	_, err = aarthahttp.NewAuthenticator([]byte(testKey), "none", time.Hour, nil)
	require.ErrorContains(t, err, "not supported")
	_, err = aarthahttp.NewAuthenticator([]byte(testKey), "RS256", time.Hour, nil)
	require.Error(t, err)
}

func TestValidationAndLimits(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	op := f.tokens[ledger.RoleOperator]
	post := func(body string, ct string) (int, map[string]any) {
		resp, out := f.request("POST", "/api/admin/loans", op, ct, []byte(body))
		return resp.StatusCode, out
	}
	code, body := post(`{"loan_id":"A-1",`, "application/json")
	require.Equal(t, 400, code)
	require.Equal(t, "invalid", body["code"])
	code, body = post(`{"loan_id":"A-1","colour":"red"}`, "application/json")
	require.Equal(t, 400, code)
	require.Contains(t, body["detail"], `"colour" is not a field`)
	code, body = post(`{"loan_id":"A-1","principal":150000}`, "application/json")
	require.Equal(t, 400, code)
	require.Contains(t, body["detail"], "principal must be a string")
	code, _ = post(`{}`, "text/plain")
	require.Equal(t, 415, code)
	code, body = post(`{"loan_id":"`+strings.Repeat("a", 5000)+`"}`, "application/json")
	require.Equal(t, 413, code)
	require.Equal(t, "too_large", body["code"])
	code, _ = post(`{"loan_id":"A-1"} {"again":1}`, "application/json")
	require.Equal(t, 400, code)

	for field, mutate := range map[string]func(map[string]any){
		"loan_id":           func(m map[string]any) { m["loan_id"] = "bad id!" },
		"borrower":          func(m map[string]any) { m["borrower"] = "" },
		"borrower_address":  func(m map[string]any) { m["borrower_address"] = "0x123" },
		"principal":         func(m map[string]any) { m["principal"] = "-5" },
		"currency":          func(m map[string]any) { m["currency"] = "XXXX" },
		"interest_rate_bps": func(m map[string]any) { m["interest_rate_bps"] = -1 },
		"term_months":       func(m map[string]any) { delete(m, "term_months") },
	} {
		m := newLoanBody("V-1")
		mutate(m)
		code, body := f.call("POST", "/api/admin/loans", ledger.RoleOperator, m)
		require.Equal(t, 400, code, field)
		require.Contains(t, body["detail"], field, field)
	}

	for _, id := range []string{"x'%20OR%20'1'='1", "1%3BDROP%20TABLE%20loans", "..%2F..%2Fetc", "a%00b", "%3Cscript%3E", strings.Repeat("a", 101)} {
		code, body := f.call("GET", "/api/admin/loans/"+id, ledger.RoleViewer, nil)
		require.Equal(t, 400, code, id)
		require.Contains(t, body["detail"], "loan_id", id)
		code, _ = f.call("POST", "/api/admin/loans/"+id+"/approve", ledger.RoleOperator, nil)
		require.Equal(t, 400, code, id)
	}
	code, _ = f.call("GET", "/api/admin/loans/NOPE-1", ledger.RoleViewer, nil)
	require.Equal(t, 404, code)
	code, _ = f.call("GET", "/api/admin/loans?status=lost", ledger.RoleViewer, nil)
	require.Equal(t, 400, code)

	resp, _ := f.request("GET", "/api/admin/loans", f.tokens[ledger.RoleViewer], "", nil)
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
}

func TestRateLimitThenRecovery(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	code, _ := f.call("POST", "/api/admin/loans", ledger.RoleOperator, newLoanBody("R-1"))
	require.Equal(t, 201, code)
	code, _ = f.call("POST", "/api/admin/loans/R-1/approve", ledger.RoleOperator, nil)
	require.Equal(t, 200, code)
	for i := 0; i < 3; i++ {
		code, body := f.call("POST", "/api/admin/loans/R-1/blockchain/store", ledger.RoleOperator, nil)
		require.Equal(t, 202, code, body)
	}
	resp, body := f.request("POST", "/api/admin/loans/R-1/blockchain/store", f.tokens[ledger.RoleOperator], "", nil)
	require.Equal(t, 429, resp.StatusCode)
	require.Equal(t, "rate_limited", body["code"])
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	// Reads are not limited.
	code, _ = f.call("GET", "/api/admin/loans/R-1/blockchain/status", ledger.RoleOperator, nil)
	require.Equal(t, 200, code)

	f.clock.Add(2 * time.Minute)
	code, _ = f.call("POST", "/api/admin/loans/R-1/blockchain/store", ledger.RoleOperator, nil)
	require.Equal(t, 202, code, "the limit recovers once the window has slid past")
}

func TestCORS(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{origins: []string{"https://admin.aartha.example"}})
	resp, body := f.request("OPTIONS", "/api/admin/loans", "", "", nil,
		"Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	require.Equal(t, 403, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, body["detail"], "ALLOWED_ORIGINS")

	resp, _ = f.request("OPTIONS", "/api/admin/loans", "", "", nil,
		"Origin", "https://admin.aartha.example", "Access-Control-Request-Method", "POST")
	require.Equal(t, 204, resp.StatusCode)
	require.Equal(t, "https://admin.aartha.example", resp.Header.Get("Access-Control-Allow-Origin"))

	// PUT /api/admin/maintenance is callable from an allowed origin.
	resp, _ = f.request("OPTIONS", "/api/admin/maintenance", "", "", nil,
		"Origin", "https://admin.aartha.example", "Access-Control-Request-Method", "PUT")
	require.Equal(t, 204, resp.StatusCode)
	require.Contains(t, strings.Split(resp.Header.Get("Access-Control-Allow-Methods"), ", "), "PUT")

	resp, _ = f.request("GET", "/api/admin/loans", f.tokens[ledger.RoleViewer], "", nil, "Origin", "https://evil.example")
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
}

// TestOpenAPIMatchesRoutes fails if a route is missing from the OpenAPI
// document or the document lists a route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	resp, _ := f.request("GET", "/api/openapi.json", "", "", nil)
	require.Equal(t, 200, resp.StatusCode)
	raw, err := os.ReadFile("openapi.json")
	require.NoError(t, err)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3."))
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	api := aarthahttp.NewAPI(aarthahttp.APIConfig{})
	served := append(api.Routes(), "GET /health", "GET /ready")
	slices.Sort(documented)
	slices.Sort(served)
	require.Equal(t, served, documented)

	// Every served route answers something other than the catch-all 404.
	for _, r := range served {
		method, path, _ := strings.Cut(r, " ")
		path = strings.ReplaceAll(path, "{loan_id}", "X-1")
		resp, body := f.request(method, path, "", "", nil)
		require.False(t, resp.StatusCode == 404 && strings.Contains(url.QueryEscape(toString(body["detail"])), "no+endpoint"), r)
	}
}

func toString(v any) string { s, _ := v.(string); return s }

func TestPublicVerifyNeedsNoLoginAndIsLimited(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	for i := 0; i < 3; i++ {
		resp, body := f.request("POST", "/api/verify", "", "application/json", []byte(`{"schema":"aartha.receipt/v1"}`))
		require.Equal(t, 200, resp.StatusCode, body)
	}
	resp, _ := f.request("POST", "/api/verify", "", "application/json", []byte(`{}`))
	require.Equal(t, 429, resp.StatusCode)
	resp, _ = f.request("POST", "/api/verify", "", "application/json", []byte(`{"nope":1}`))
	require.Equal(t, 429, resp.StatusCode)
}

func TestDoctorEndpoint(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	code, _ := f.call("GET", "/api/admin/doctor", ledger.RoleViewer, nil)
	require.Equal(t, nethttp.StatusForbidden, code, "diagnosis needs an operator")
	code, body := f.call("GET", "/api/admin/doctor", ledger.RoleOperator, nil)
	require.Equal(t, nethttp.StatusOK, code)
	require.Equal(t, "pass", body["worst"])
	checks := body["checks"].([]any)
	require.Equal(t, "database", checks[0].(map[string]any)["name"])
	require.Equal(t, "pass", checks[0].(map[string]any)["status"])
}

func TestMaintenanceMode(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t, apiOptions{})
	newLoan := map[string]any{"loan_id": "M-1", "borrower": "b", "lender": "l", "principal": "1000",
		"currency": "USD", "interest_rate_bps": 100, "term_months": 6}

	code, _ := f.call("PUT", "/api/admin/maintenance", ledger.RoleOperator, map[string]any{"on": true})
	require.Equal(t, nethttp.StatusForbidden, code, "only an admin switches maintenance")
	code, body := f.call("PUT", "/api/admin/maintenance", ledger.RoleAdmin, map[string]any{"on": true, "message": "upgrade until 10:00"})
	require.Equal(t, nethttp.StatusOK, code, body)
	require.Equal(t, true, body["on"])

	// Writes are refused with 503 and Retry-After, saying why.
	raw, err := json.Marshal(newLoan)
	require.NoError(t, err)
	resp, problem := f.request("POST", "/api/admin/loans", f.tokens[ledger.RoleOperator], "application/json", raw)
	require.Equal(t, nethttp.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, "60", resp.Header.Get("Retry-After"))
	require.Contains(t, problem["detail"], "upgrade until 10:00")

	// Reads go on.
	code, _ = f.call("GET", "/api/admin/loans", ledger.RoleViewer, nil)
	require.Equal(t, nethttp.StatusOK, code)
	code, body = f.call("GET", "/api/admin/maintenance", ledger.RoleViewer, nil)
	require.Equal(t, nethttp.StatusOK, code)
	require.Equal(t, true, body["on"])

	// Back on: writes work again, and both switches are in the audit trail.
	code, _ = f.call("PUT", "/api/admin/maintenance", ledger.RoleAdmin, map[string]any{"on": false})
	require.Equal(t, nethttp.StatusOK, code)
	code, body = f.call("POST", "/api/admin/loans", ledger.RoleOperator, newLoan)
	require.Equal(t, nethttp.StatusCreated, code, body)
	entries, err := f.db.AuditEntries(context.Background(), ledger.AuditFilter{Action: ledger.ActionMaintenance})
	require.NoError(t, err)
	require.Len(t, entries, 2)

	code, _ = f.call("PUT", "/api/admin/maintenance", ledger.RoleAdmin, map[string]any{"message": "no switch"})
	require.Equal(t, nethttp.StatusBadRequest, code, "on is required")
}
