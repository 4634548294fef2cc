package ui_test

import (
	"context"
	"crypto/rand"
	"io"
	"io/fs"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/ui"
)

const password = "a-long-test-password"

// fakeChain answers like a chain that holds everything it is asked about.
type fakeChain struct{}

var _ ui.Chain = fakeChain{}

func (fakeChain) Network() string { return "eip155:1337" }
func (fakeChain) Contract() common.Address {
	return common.HexToAddress("0x00000000000000000000000000000000000000cc")
}
func (fakeChain) VerifyReceipt(context.Context, *ledger.Receipt) (*ledger.Verification, error) {
	return &ledger.Verification{Verified: true, Confirmations: 3, Checks: []ledger.Check{{Name: "chain", Expected: "eip155:1337", Found: "eip155:1337", OK: true}}}, nil
}
func (fakeChain) HeadBlock(context.Context) (uint64, error) { return 10, nil }
func (fakeChain) SignerBalance(context.Context) (common.Address, *big.Int, error) {
	return common.HexToAddress("0x00000000000000000000000000000000000000dd"), big.NewInt(1e17), nil
}

// env is a UI on a fresh SQLite store with an admin and a viewer.
type env struct {
	db  *store.DB
	svc *ledger.LoanService
	srv *httptest.Server
}

func setup(t *testing.T, chain bool) *env { t.Helper(); return setupOn(t, chain, nil) }

// setupOn is setup on the store open makes (nil: a SQLite file).
func setupOn(t *testing.T, chain bool, open func(testing.TB) *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	var db *store.DB
	if open != nil {
		db = open(t)
	} else {
		var err error
		db, err = store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "aartha.db"))
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
	}
	_, err := db.Migrate(ctx)
	require.NoError(t, err)
	for email, role := range map[string]ledger.Role{"admin@example.com": ledger.RoleAdmin, "viewer@example.com": ledger.RoleViewer} {
		// The lowest bcrypt cost keeps the tests fast under -race; the
		// check is the same at any cost.
		h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		require.NoError(t, err)
		require.NoError(t, db.CreateUser(ctx, ledger.SystemActor(), &ledger.User{Email: email, Role: role, PasswordHash: string(h), CreatedAt: time.Now()}))
	}
	auth, err := aarthahttp.NewAuthenticator([]byte("k7Qm2vX9pL4nR8sT1wY6zB3cF5hJ0dGa"), "HS256", time.Hour, nil)
	require.NoError(t, err)
	auth.UseSessions(db, 0)
	svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader}
	cfg := ui.Config{Loans: svc, Store: db, Auth: auth, ExplorerURL: "https://explorer.example/", AnchorMode: ledger.ModeBatch}
	if chain {
		cfg.Chain = fakeChain{}
		svc.AnchorMode = ledger.ModeBatch
	}
	u, err := ui.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(u)
	t.Cleanup(srv.Close)
	return &env{db: db, svc: svc, srv: srv}
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (e *env) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: e.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	require.NoError(b.t, err)
	return resp, readBody(b.t, resp)
}

func (b *browser) post(path string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	return resp, readBody(b.t, resp)
}

func readBody(t *testing.T, resp *http.Response) string {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	require.NotNil(t, m, "no CSRF token in the page")
	return m[1]
}

// login logs in through the form and returns the session's CSRF token.
func (b *browser) login(email string) string {
	b.t.Helper()
	_, body := b.get("/admin/login")
	resp, _ := b.post("/admin/login", url.Values{"csrf": {csrfOf(b.t, body)}, "email": {email}, "password": {password}, "next": {"/admin/loans"}})
	require.Equal(b.t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(b.t, "/admin/loans", resp.Header.Get("Location"))
	_, body = b.get("/admin/loans")
	return csrfOf(b.t, body)
}

func (e *env) loan(t *testing.T, id string) {
	_, err := e.svc.Create(context.Background(), ledger.CLIActor("test"), ledger.NewLoan{
		ID: id, Borrower: "cust-42", Lender: "bank-1", Principal: "150000", Currency: "INR", InterestRateBps: 1250, TermMonths: 12,
	})
	require.NoError(t, err)
}

func TestPagesNeedALogin(t *testing.T) {
	t.Parallel()
	e := setup(t, true)
	b := e.browser(t)
	for _, p := range []string{"/admin/", "/admin/loans", "/admin/audit", "/admin/batches", "/admin/loans/L-1"} {
		resp, _ := b.get(p)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, p)
		require.Equal(t, "/admin/login?next="+url.QueryEscape(p), resp.Header.Get("Location"), p)
	}
	resp, body := b.post("/admin/loans/L-1/approve", url.Values{})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, body, "log in again")
}

func TestLoginSessionCookieAndCSRF(t *testing.T) {
	t.Parallel()
	e := setup(t, true)
	b := e.browser(t)
	resp, body := b.get("/admin/login")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	token := csrfOf(t, body)
	for _, l := range []string{`<label for="email">`, `<label for="password">`} {
		require.Contains(t, body, l)
	}

	// Without the login form's token (a forged cross-site login) it fails.
	anon := e.browser(t)
	resp, _ = anon.post("/admin/login", url.Values{"csrf": {token}, "email": {"admin@example.com"}, "password": {password}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	resp, body = b.post("/admin/login", url.Values{"csrf": {token}, "email": {"admin@example.com"}, "password": {"wrong-password-1"}})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, body, "email or password is wrong")
	require.Contains(t, body, `value="admin@example.com"`, "the email is kept")

	token = csrfOf(t, body)
	resp, _ = b.post("/admin/login", url.Values{"csrf": {token}, "email": {"admin@example.com"}, "password": {password}, "next": {"//evil.example/x"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/admin/", resp.Header.Get("Location"), "an off-site next is ignored")
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "aartha_session" {
			session = c
		}
	}
	require.NotNil(t, session)
	require.True(t, session.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, session.SameSite)
	require.False(t, session.Secure, "plain HTTP without SecureCookies")
	require.Equal(t, "/admin", session.Path)

	resp, body = b.get("/admin/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "admin@example.com")
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")

	// Logging out needs the token too, then ends the session.
	resp, _ = b.post("/admin/logout", url.Values{})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = b.post("/admin/logout", url.Values{"csrf": {csrfOf(t, body)}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = b.get("/admin/")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestSecureCookieBehindTLS(t *testing.T) {
	t.Parallel()
	e := setup(t, false)
	srv := httptest.NewTLSServer(e.srv.Config.Handler)
	t.Cleanup(srv.Close)
	c := srv.Client()
	resp, err := c.Get(srv.URL + "/admin/login")
	require.NoError(t, err)
	resp.Body.Close()
	require.NotEmpty(t, resp.Cookies())
	for _, ck := range resp.Cookies() {
		require.True(t, ck.Secure, ck.Name)
	}
}

func TestFormsNeedTheSessionToken(t *testing.T) {
	t.Parallel()
	e := setup(t, true)
	e.loan(t, "L-1")
	b := e.browser(t)
	token := b.login("admin@example.com")

	resp, body := b.post("/admin/loans/L-1/approve", url.Values{})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "security token")
	resp, _ = b.post("/admin/loans/L-1/approve", url.Values{"csrf": {"forged"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	// A browser marks a cross-site form post; it is refused even with a token.
	resp, _ = b.post("/admin/loans/L-1/approve", url.Values{"csrf": {token}}, "Sec-Fetch-Site", "cross-site")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	l, err := e.db.Loan(context.Background(), "L-1")
	require.NoError(t, err)
	require.Equal(t, ledger.LoanSubmitted, l.Status)

	resp, _ = b.post("/admin/loans/L-1/approve", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/admin/loans/L-1?done=approve", resp.Header.Get("Location"))
	_, body = b.get("/admin/loans/L-1?done=approve")
	require.Contains(t, body, "Loan approved")
	require.Contains(t, body, `id="loan-status">approved<`)
	require.Contains(t, body, "loan.approve")

	// A refused step shows the loan page with the reason and the status.
	resp, body = b.post("/admin/loans/L-1/approve", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, body, `role="alert"`)
}

func TestLoanLifecycleByForms(t *testing.T) {
	t.Parallel()
	e := setup(t, true)
	b := e.browser(t)
	token := b.login("admin@example.com")

	form := url.Values{"csrf": {token}, "loan_id": {"L-9"}, "borrower": {"cust-9"}, "lender": {"bank-1"},
		"principal": {"150000"}, "currency": {"XYZ"}, "interest_rate_bps": {"1250"}, "term_months": {"12"}}
	resp, body := b.post("/admin/loans", form)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "ISO 4217")
	require.Contains(t, body, `value="cust-9"`, "the form comes back filled in")

	form.Set("currency", "inr")
	resp, _ = b.post("/admin/loans", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = b.get("/admin/loans/L-9?done=created")
	require.Contains(t, body, "1,500.00 INR")
	require.Contains(t, body, `id="approve"`)
	require.Contains(t, body, `id="reject"`)

	resp, _ = b.post("/admin/loans/L-9/approve", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = b.get("/admin/loans/L-9")
	require.Contains(t, body, `id="chain-status">queued<`)
	require.Contains(t, body, `id="mark-repaid"`)
	require.NotContains(t, body, `id="anchor"`, "a queued anchor needs no anchor-now")

	// Not on chain yet: verification says so instead of failing.
	resp, body = b.get("/admin/loans/L-9/verify?record=approved")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `id="verification"`)

	resp, body = b.post("/admin/loans/L-9/repaid", url.Values{"csrf": {token}, "amount_repaid": {"12.5"}})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "amount_repaid")
	resp, _ = b.post("/admin/loans/L-9/repaid", url.Values{"csrf": {token}, "amount_repaid": {"168000"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = b.get("/admin/loans/L-9?done=repaid")
	require.Contains(t, body, "Repayment recorded")
	require.Contains(t, body, "1,680.00 INR")

	// The list, with filters, search and the chain columns.
	_, body = b.get("/admin/loans?status=repaid&q=L-&blockchain_status=queued")
	require.Contains(t, body, `href="/admin/loans/L-9"`)
	require.Contains(t, body, ">Blockchain<")
	_, body = b.get("/admin/loans?status=submitted")
	require.Contains(t, body, "No loans match")
	_, body = b.get("/admin/loans?borrower=cust-9")
	require.Contains(t, body, `href="/admin/loans/L-9"`, "search by borrower")
	require.Contains(t, body, `id="borrower" name="borrower" type="search" value="cust-9"`)
	_, body = b.get("/admin/loans?borrower=cust-1")
	require.Contains(t, body, "No loans match")
	resp, _ = b.get("/admin/loans?status=bogus")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	_, body = b.get("/admin/audit?loan_id=L-9&action=loan.mark_repaid")
	require.Contains(t, body, "<td>loan.mark_repaid</td>")
	require.Contains(t, body, `id="audit-chain"`)
	require.NotContains(t, body, "<td>loan.approve</td>")
}

func TestLoansPagination(t *testing.T) {
	t.Parallel()
	e := setup(t, false)
	for i := range 25 {
		e.loan(t, "P-"+string(rune('A'+i)))
	}
	b := e.browser(t)
	b.login("admin@example.com")
	_, body := b.get("/admin/loans?q=P-")
	require.Equal(t, 20, strings.Count(body, `href="/admin/loans/P-`))
	next := regexp.MustCompile(`href="([^"]+)" id="next-page"`).FindStringSubmatch(body)
	require.NotNil(t, next)
	_, body = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	require.Equal(t, 5, strings.Count(body, `href="/admin/loans/P-`))
	require.NotContains(t, body, `id="next-page"`)
	require.Contains(t, body, "First page")
}

func TestViewerCannotChangeLoans(t *testing.T) {
	t.Parallel()
	e := setup(t, true)
	e.loan(t, "L-2")
	b := e.browser(t)
	token := b.login("viewer@example.com")
	_, body := b.get("/admin/loans/L-2")
	require.NotContains(t, body, `id="approve"`)
	require.NotContains(t, body, `id="reject"`)
	require.Contains(t, body, `id="read-only"`)
	_, body = b.get("/admin/loans")
	require.NotContains(t, body, `id="new-loan"`)

	resp, body := b.post("/admin/loans/L-2/approve", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "needs the operator role")
	resp, _ = b.get("/admin/loans/new")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestChainOffHidesChainActionsAndColumns(t *testing.T) {
	t.Parallel()
	e := setup(t, false)
	e.loan(t, "L-3")
	_, err := e.svc.Approve(context.Background(), ledger.CLIActor("test"), "L-3")
	require.NoError(t, err)
	b := e.browser(t)
	token := b.login("admin@example.com")
	for _, p := range []string{"/admin/", "/admin/loans", "/admin/loans/L-3", "/admin/audit"} {
		resp, body := b.get(p)
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
		for _, s := range []string{">Blockchain<", `id="anchor"`, "Verify", "receipt", "/admin/batches", "On the chain", "Signer balance"} {
			require.NotContains(t, body, s, "%s shows %q", p, s)
		}
	}
	_, body := b.get("/admin/loans/L-3")
	require.Contains(t, body, `id="mark-repaid"`, "repaying is a lifecycle step, not a chain action")
	for _, p := range []string{"/admin/batches", "/admin/loans/L-3/verify", "/admin/loans/L-3/receipt"} {
		resp, _ := b.get(p)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, p)
	}
	resp, _ := b.post("/admin/loans/L-3/anchor", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestDashboardAndBatchesDraw(t *testing.T) {
	t.Parallel()
	e := setup(t, true)
	b := e.browser(t)
	b.login("admin@example.com")
	resp, body := b.get("/admin/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 4, strings.Count(body, `<svg class="chart"`))
	require.Contains(t, body, `<svg class="gauge"`)
	require.Contains(t, body, `id="balance">0.1<`)
	require.Contains(t, body, "Reconciliation runs")
	resp, body = b.get("/admin/batches")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "No batches")
	resp, _ = b.get("/admin/batches?status=bogus")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, _ = b.get("/admin/static/app.css")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/css")
}

// TestNoExternalRequests: no template or static file names another origin
// (fonts, scripts, images are all served from here), except the example in
// a placeholder.
func TestNoExternalRequests(t *testing.T) {
	t.Parallel()
	ext := regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//|url\(\s*['"]?(https?:)?//|@import`)
	for _, dir := range []string{"templates", "static"} {
		err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(os.DirFS(dir), p)
			require.NoError(t, err)
			require.Nil(t, ext.FindIndex(b), "%s/%s refers to another origin", dir, p)
			return nil
		})
		require.NoError(t, err)
	}
}
