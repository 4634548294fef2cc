package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds headless Chromium: Debian's /usr/bin/chromium (what
// .ci/run installs) or another Chrome on PATH. Under CI=true a missing
// browser fails the test; on a laptop without one it is skipped.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found (looked for chromium, chromium-browser, google-chrome): install Debian's chromium; CI needs the browser tests")
	}
	t.Skip("no Chromium on this machine: install Debian's chromium to run the browser tests")
	return ""
}

// screenshotDir is where the browser test saves a screenshot of every
// page: AARTHA_SCREENSHOT_DIR, kept after the test so a person can look at
// them, or else the test's temporary folder, removed with it (the pages are
// still rendered and checked).
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("AARTHA_SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Logf("screenshots of the admin UI: %s", dir)
	return dir
}

// uiServer is a running `aartha serve` for the browser.
type uiServer struct {
	base string
	stop func()
}

// serveUI starts `aartha serve` with vars plus the test admin and key, waits
// until it is ready, and returns it; stop ends it (also at test end).
func serveUI(t *testing.T, addr string, vars map[string]string) *uiServer {
	t.Helper()
	vars["AARTHA_LISTEN_ADDR"] = addr
	vars["AARTHA_ADMIN_EMAIL"] = testAdminEmail
	vars["AARTHA_ADMIN_PASSWORD"] = testAdminPassword
	vars["JWT_SECRET_KEY"] = testJWTKey
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = run(t, ctx, vars, "serve")
		done <- err
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			err := <-done
			if t.Failed() || err != nil {
				t.Logf("serve output:\n%s", out)
			}
			require.NoError(t, err)
		})
	}
	t.Cleanup(stop)
	s := &uiServer{base: "http://" + addr, stop: stop}
	waitReady(t, s.base)
	return s
}

// page drives one browser tab through the admin UI.
type page struct {
	t      *testing.T
	ctx    context.Context
	base   string
	shots  string
	n      int
	mu     sync.Mutex
	others []string // requests to anything but the server
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, steps...))
}

// submit clicks a button (or link) and waits for the page it leads to.
func (p *page) submit(sel string) {
	p.t.Helper()
	_, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS(sel)))
	require.NoError(p.t, err, "click %s", sel)
}

func (p *page) open(path string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base + path))
}

func (p *page) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(p.t, err, "text of %s", sel)
	return strings.TrimSpace(s)
}

func (p *page) eval(js string) bool {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js))
	require.NoError(p.t, err, js)
	return v
}

func (p *page) has(sel string) bool {
	return p.eval(fmt.Sprintf("document.querySelector(%q) !== null", sel))
}

func (p *page) location() string {
	p.t.Helper()
	l, err := chromedp.Run(p.ctx, chromedp.Location())
	require.NoError(p.t, err)
	return l
}

// shot saves a full-page screenshot, and checks what every page must do:
// a label on every control, and nothing wider than the screen.
func (p *page) shot(name string) {
	p.t.Helper()
	b, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	require.NoError(p.t, err)
	p.n++
	require.NoError(p.t, os.WriteFile(filepath.Join(p.shots, fmt.Sprintf("%02d-%s.png", p.n, name)), b, 0o644))
	unlabelled, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id)`))
	require.NoError(p.t, err)
	require.Empty(p.t, unlabelled, "%s: controls without a label", name)
	require.True(p.t, p.eval(`document.documentElement.scrollWidth <= window.innerWidth`), "%s: the page is wider than the screen", name)
}

// waitFor reloads path until sel's text is want (the pages have no script
// that would refresh them), failing after limit.
func (p *page) waitFor(path, sel, want string, limit time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	last := ""
	for time.Now().Before(deadline) {
		p.open(path)
		if p.has(sel) {
			if last = p.text(sel); last == want {
				return
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	p.t.Fatalf("%s %s: want %q, still %q after %s", path, sel, want, last, limit)
}

// login logs in with the keyboard only: type, Tab, type, Enter.
func (p *page) login(email, password string) {
	p.t.Helper()
	p.open("/admin/")
	require.Contains(p.t, p.location(), "/admin/login", "a visitor without a session is sent to the login page")
	p.do(chromedp.Focus(chromedp.CSS("#email")), chromedp.KeyEvent(email), chromedp.KeyEvent("\t"), chromedp.KeyEvent(password))
	_, err := chromedp.RunResponse(p.ctx, chromedp.KeyEvent("\r"))
	require.NoError(p.t, err)
	require.Equal(p.t, email, strings.Fields(p.text("#who"))[0])
}

// TestAdminUIInBrowser walks the whole loan lifecycle by clicking, in
// headless Chromium, against `aartha serve` on the embedded store and chain:
// with anchoring off it creates and approves a loan (no chain column or
// action anywhere); after a restart with anchoring on it anchors the loan
// with "Anchor now", sees it confirmed with the explorer link, verifies it,
// marks it repaid, downloads the receipt and checks it with `aartha verify`,
// finds the actions in the audit log, and logs in as a viewer, who gets no
// approve button. Every page is screenshotted, at desktop and phone width.
func TestAdminUIInBrowser(t *testing.T) {
	t.Parallel()
	execPath := chromiumPath(t)
	shots := screenshotDir(t)
	dir := t.TempDir()
	addr, rpcAddr := freeAddr(t), freeAddr(t)
	const explorer = "https://explorer.example.org"

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")), chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancelTime)

	p := &page{t: t, ctx: ctx, base: "http://" + addr, shots: shots}
	p.do() // open the tab before listening, so no event of its start is missed
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			u := e.Request.URL
			if !strings.HasPrefix(u, p.base+"/") && !strings.HasPrefix(u, "data:") {
				p.mu.Lock()
				p.others = append(p.others, u)
				p.mu.Unlock()
			}
		}
	}))
	const id = "UI-1001"

	// 1. Anchoring off: log in, create and approve a loan.
	off := serveUI(t, addr, map[string]string{"AARTHA_DATA_DIR": dir, "ENABLE_BLOCKCHAIN": "false"})
	p.open("/admin/")
	p.shot("login")
	p.login(testAdminEmail, testAdminPassword)
	require.Equal(t, "Dashboard", p.text("h1"))
	require.False(t, p.has(`a[href="/admin/batches"]`), "no batches page without a chain")
	p.shot("dashboard-chain-off")

	p.open("/admin/loans")
	p.submit("#new-loan")
	for field, v := range map[string]string{
		"#loan_id": id, "#borrower": "cust-42", "#lender": "bank-1", "#principal": "150000",
		"#interest_rate_bps": "1250", "#term_months": "12",
	} {
		p.do(chromedp.SendKeys(chromedp.CSS(field), v))
	}
	p.do(chromedp.SetValue(chromedp.CSS("#currency"), "INR"))
	p.shot("loan-new")
	p.submit("#create")
	require.Equal(t, "submitted", p.text("#loan-status"))
	require.Equal(t, "1,500.00 INR", p.text("#principal"))
	p.submit("#approve")
	require.Contains(t, p.text("#notice"), "Loan approved")
	require.Equal(t, "approved", p.text("#loan-status"))
	require.False(t, p.has("#chain-status") || p.has("#anchor"), "no chain status or action with anchoring off")
	p.shot("loan-approved-chain-off")
	p.open("/admin/loans")
	require.False(t, p.eval(`[...document.querySelectorAll('th')].some(th => th.textContent === 'Blockchain')`))
	off.stop()

	// 2. Anchoring on (batch mode, the default), same database, same key:
	// the session survives the restart.
	serveUI(t, addr, map[string]string{
		"AARTHA_DATA_DIR": dir, "AARTHA_DEV_CHAIN_RPC": rpcAddr, "BLOCKCHAIN_BATCH_WINDOW": "200ms",
		"BLOCKCHAIN_EXPLORER_URL": explorer,
	})
	loan := "/admin/loans/" + id
	p.open(loan)
	require.Equal(t, "not_stored", p.text("#chain-status"))
	p.submit("#anchor")
	require.Contains(t, p.text("#notice"), "queued for the chain")
	p.waitFor(loan, "#chain-status", "confirmed", 90*time.Second)
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#chain-status + a.tx"), "href"))
	require.NoError(t, err)
	require.Regexp(t, "^"+explorer+"/tx/0x[0-9a-f]{64}$", href.Value)
	p.shot("loan-anchored")

	p.submit("#verify-approved")
	require.Contains(t, p.text("#verify-result"), "Verified")
	require.True(t, p.eval(`document.querySelectorAll('#verification tbody tr').length >= 3`), "the checks are listed")
	p.shot("loan-verified")

	p.open(loan)
	p.do(chromedp.SendKeys(chromedp.CSS("#amount_repaid"), "168000"))
	p.submit("#mark-repaid")
	require.Contains(t, p.text("#notice"), "Repayment recorded")
	require.Equal(t, "repaid", p.text("#loan-status"))
	p.waitFor(loan, "#repayment-chain-status", "confirmed", 90*time.Second)
	p.shot("loan-repaid")

	// Download the repayment's receipt and check it as a third party would.
	downloads := filepath.Join(dir, "downloads")
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	p.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		yes := true
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &yes,
		})
		return err
	}), chromedp.Click(chromedp.CSS("#receipt-repaid")))
	var receipt string
	for ev, err := range progress {
		require.NoError(t, err)
		if ev.State == browser.DownloadProgressStateCompleted {
			receipt = filepath.Join(downloads, ev.GUID)
			break
		}
		require.NotEqual(t, browser.DownloadProgressStateCanceled, ev.State, "the download was cancelled")
	}
	out, err := run(t, context.Background(), nil, "verify", receipt, "--rpc", "http://"+rpcAddr)
	require.NoError(t, err, out)
	require.Contains(t, out, "verified: loan "+id)

	// The actions are in the audit log, whose hash chain holds.
	p.open("/admin/audit?loan_id=" + id)
	rows := p.text("#audit")
	for _, action := range []string{"loan.create", "loan.approve", "loan.anchor", "loan.mark_repaid"} {
		require.Contains(t, rows, action)
	}
	require.Contains(t, rows, testAdminEmail)
	require.True(t, p.has("#audit-chain"))
	p.shot("audit")

	p.open("/admin/batches")
	require.Contains(t, p.text("#batches"), "final")
	require.True(t, p.has(`#batches a[href^="`+explorer+`/tx/0x"]`))
	p.shot("batches")
	p.open("/admin/")
	require.Equal(t, 4, mustCount(p, "svg.chart"))
	desc, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("svg.chart desc")))
	require.NoError(t, err)
	require.NotContains(t, desc, "final: 0 ", "the anchors chart counts today's records")
	doc := p.text("#doctor")
	require.Contains(t, doc, "database", "the doctor panel lists its checks")
	require.True(t, p.has("#doctor .badge"), "each doctor line has its pass/warn/fail badge")
	p.shot("dashboard")

	// A phone-width screen: every page still fits (tables scroll in place).
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, path := range []string{"/admin/", "/admin/loans", loan, "/admin/audit"} {
		p.open(path)
		p.shot("phone" + strings.ReplaceAll(strings.TrimRight(strings.TrimPrefix(path, "/admin"), "/"), "/", "-"))
	}
	p.do(chromedp.EmulateViewport(1280, 900))

	// A viewer reads but cannot approve.
	admin := &apiClient{t: t, base: p.base}
	code, body := admin.do("POST", "/api/auth/login", map[string]string{"email": testAdminEmail, "password": testAdminPassword})
	require.Equal(t, http.StatusOK, code, body)
	admin.token = body["access_token"].(string)
	code, body = admin.do("POST", "/api/admin/users", map[string]string{"email": "viewer@example.com", "role": "viewer", "password": testAdminPassword})
	require.Equal(t, http.StatusCreated, code, body)
	code, body = admin.do("POST", "/api/admin/loans", map[string]any{"loan_id": "UI-1002", "borrower": "cust-7", "lender": "bank-1",
		"principal": "99900", "currency": "USD", "interest_rate_bps": 900, "term_months": 6})
	require.Equal(t, http.StatusCreated, code, body)

	p.open("/admin/")
	p.submit(`form[action="/admin/logout"] button`)
	require.Contains(t, p.text("#notice"), "logged out")
	p.login("viewer@example.com", testAdminPassword)
	p.open("/admin/loans/UI-1002")
	require.Equal(t, "submitted", p.text("#loan-status"))
	require.False(t, p.has("#approve") || p.has("#reject"), "a viewer gets no approve or reject button")
	require.True(t, p.has("#read-only"))
	p.shot("viewer-loan")
	p.open(loan)
	require.True(t, p.has("#verify-approved"), "a viewer may verify")
	require.False(t, p.has("#mark-repaid") || p.has("#anchor"))

	p.mu.Lock()
	defer p.mu.Unlock()
	require.Empty(t, p.others, "the pages asked for something from another origin")
}

func mustCount(p *page, sel string) int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	require.NoError(p.t, err)
	return n
}
