package ui_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/ui"
)

// chromium finds headless Chromium (Debian's chromium, which CI installs).
// Under CI=true a missing browser fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found: install Debian's chromium; CI needs the browser tests")
	}
	t.Skip("no Chromium on this machine: install Debian's chromium to run the browser tests")
	return ""
}

// erasureEnv is a UI with erasure on a SQLite store whose personal fields
// are encrypted, as aartha serve runs it with AARTHA_PII_MASTER_KEY.
func erasureEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "aartha.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	keys, err := store.NewPersonalDataKeys(bytes.Repeat([]byte{5}, store.MasterKeySize))
	require.NoError(t, err)
	db.SetPersonalDataKeys(keys)
	for email, role := range map[string]ledger.Role{"admin@example.com": ledger.RoleAdmin, "operator@example.com": ledger.RoleOperator} {
		h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
		require.NoError(t, err)
		require.NoError(t, db.CreateUser(ctx, ledger.SystemActor(), &ledger.User{Email: email, Role: role, PasswordHash: string(h), CreatedAt: time.Now()}))
	}
	auth, err := aarthahttp.NewAuthenticator([]byte("k7Qm2vX9pL4nR8sT1wY6zB3cF5hJ0dGa"), "HS256", time.Hour, nil)
	require.NoError(t, err)
	auth.UseSessions(db, 0)
	svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader, AnchorMode: ledger.ModeDirect}
	u, err := ui.New(ui.Config{Loans: svc, Store: db, Auth: auth, Chain: fakeChain{}, AnchorMode: ledger.ModeDirect,
		Erasure: &ledger.ErasureService{Store: db, Now: time.Now}})
	require.NoError(t, err)
	srv := httptest.NewServer(u)
	t.Cleanup(srv.Close)
	return &env{db: db, svc: svc, srv: srv}
}

// repaidAndFinal makes a repaid loan whose two records are final on chain.
func (e *env) repaidAndFinal(t *testing.T, id, borrower string) {
	t.Helper()
	ctx, admin := context.Background(), ledger.CLIActor("test")
	_, err := e.svc.Create(ctx, admin, ledger.NewLoan{ID: id, Borrower: borrower, Lender: "bank-1", Principal: "150000",
		Currency: "INR", InterestRateBps: 1250, TermMonths: 12})
	require.NoError(t, err)
	_, err = e.svc.Approve(ctx, admin, id)
	require.NoError(t, err)
	_, err = e.svc.MarkRepaid(ctx, admin, id, "150000")
	require.NoError(t, err)
	require.NoError(t, e.db.InTx(ctx, func(tx ledger.Tx) error {
		anchors, err := tx.AnchorsForUpdate(ctx, ledger.AnchorFilter{LoanID: id})
		require.NoError(t, err)
		for i, a := range anchors {
			a.Status, a.BlockNumber = ledger.AnchorFinal, uint64(7+i)
			a.TxHash, a.BlockHash = common.BytesToHash([]byte{0xaa, byte(i)}), common.BytesToHash([]byte{0xbb, byte(i)})
			if err := tx.UpdateAnchor(ctx, a); err != nil {
				return err
			}
		}
		return nil
	}))
}

// TestEraseButtonInBrowser erases a repaid loan's personal data by
// clicking, in headless Chromium: an operator sees no erase control; an
// admin sets a legal hold (the erase form goes away), lifts it, gets a clear
// refusal for a wrong typed confirmation, erases with the right one, and
// sees the loan labelled "Personal data erased <date>" on its page and in
// the list, with the erasure certificate to download; an open loan offers
// no erasure.
func TestEraseButtonInBrowser(t *testing.T) {
	t.Parallel()
	execPath := chromium(t)
	e := erasureEnv(t)
	const id, borrower = "ER-1", "Borrower Meenakshi KYC-90817"
	e.repaidAndFinal(t, id, borrower)
	_, err := e.svc.Create(context.Background(), ledger.CLIActor("test"), ledger.NewLoan{ID: "ER-open", Borrower: "cust-7", Lender: "bank-1",
		Principal: "1000", Currency: "INR", InterestRateBps: 100, TermMonths: 3})
	require.NoError(t, err)

	// An operator may not erase: no form, and a forged post is refused.
	op := e.browser(t)
	token := op.login("operator@example.com")
	_, body := op.get("/admin/loans/" + id)
	require.Contains(t, body, `id="personal-data"`)
	require.NotContains(t, body, `id="erase-form"`)
	require.NotContains(t, body, `id="hold-form"`)
	resp, _ := op.post("/admin/loans/"+id+"/erase", url.Values{"csrf": {token}, "reason": {"x"}, "confirm": {id}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")), chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTime)

	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, steps...))
	}
	submit := func(sel string) {
		t.Helper()
		_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		require.NoError(t, err, "click %s", sel)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err, "text of %s", sel)
		return strings.Join(strings.Fields(s), " ")
	}
	has := func(sel string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.querySelector('"+sel+"') !== null"))
		require.NoError(t, err)
		return v
	}
	// shot saves a screenshot when AARTHA_SCREENSHOT_DIR is set, for a
	// person to look at.
	shot := func(name string) {
		t.Helper()
		dir := os.Getenv("AARTHA_SCREENSHOT_DIR")
		if dir == "" {
			return
		}
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "erase-"+name+".png"), b, 0o644))
	}
	login := func(email string) {
		t.Helper()
		do(chromedp.Navigate(e.srv.URL+"/admin/login"), chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), password))
		submit("#login")
	}
	loan := e.srv.URL + "/admin/loans/" + id

	login("admin@example.com")
	do(chromedp.Navigate(e.srv.URL + "/admin/loans/ER-open"))
	require.False(t, has("#erase-form"), "an open loan cannot be erased")
	require.Contains(t, text("#erase-hint"), "once the loan is closed")

	// A legal hold hides the erase form until it is lifted.
	do(chromedp.Navigate(loan))
	require.Contains(t, text("#record-h + dl"), borrower)
	do(chromedp.SendKeys(chromedp.CSS("#hold-reason"), "litigation 2026/44"))
	submit("#set-hold")
	require.Contains(t, text("#notice"), "Legal hold set")
	require.Contains(t, text("#legal-hold"), "litigation 2026/44")
	shot("held")
	require.False(t, has("#erase-form"), "a held loan offers no erasure")
	do(chromedp.SendKeys(chromedp.CSS("#hold-reason"), "case closed"))
	submit("#lift-hold")
	require.Contains(t, text("#notice"), "Legal hold lifted")

	// The erase button sits behind a confirmation: a wrong loan id
	// erases nothing and says why.
	do(chromedp.Click(chromedp.CSS("#erase-open")),
		chromedp.SendKeys(chromedp.CSS("#erase-reason"), "borrower request, ticket 311"),
		chromedp.SendKeys(chromedp.CSS("#erase-confirm"), "ER-2"))
	shot("confirm")
	submit("#erase")
	require.Contains(t, text("#error"), "type the loan id ER-1 to confirm")
	require.Contains(t, text("#record-h + dl"), borrower, "nothing was erased")

	do(chromedp.Click(chromedp.CSS("#erase-open")),
		chromedp.SendKeys(chromedp.CSS("#erase-reason"), "borrower request, ticket 311"),
		chromedp.SendKeys(chromedp.CSS("#erase-confirm"), id))
	submit("#erase")
	today := time.Now().UTC().Format("2006-01-02")
	require.Contains(t, text("#notice"), "Personal data erased")
	require.Equal(t, "Personal data erased "+today, text("#erased-label"))
	require.Contains(t, text("#erasure-summary"), "erased by admin@example.com")
	require.Contains(t, text("#erasure-summary"), "borrower request, ticket 311")
	require.NotContains(t, text("#record-h + dl"), borrower)
	require.False(t, has("#erase-form") || has("#hold-form"), "nothing left to erase or hold")
	require.False(t, has("#verify-approved") || has("#receipt-approved"), "no receipt can be made without the salt")
	require.Contains(t, text("#no-receipts"), "Receipts handed out earlier keep verifying")
	shot("erased")
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#erasure-certificate"), "href"))
	require.NoError(t, err)
	require.Equal(t, "/admin/loans/ER-1/erasure", href.Value)

	do(chromedp.Navigate(e.srv.URL + "/admin/loans"))
	require.Contains(t, text("#loans"), "Personal data erased "+today)
	require.NotContains(t, text("#loans"), borrower)
	shot("list")

	// The certificate the link downloads, read as a person would.
	b := e.browser(t)
	b.login("admin@example.com")
	resp, body = b.get("/admin/loans/ER-1/erasure")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	file := filepath.Join(t.TempDir(), "erasure.pdf")
	require.NoError(t, os.WriteFile(file, []byte(body), 0o600))
	tool, err := exec.LookPath("pdftotext")
	if err != nil && os.Getenv("CI") != "true" {
		t.Skip("pdftotext not found: install Debian's poppler-utils to read the certificate")
	}
	require.NoError(t, err, "pdftotext: install Debian's poppler-utils")
	out, err := exec.Command(tool, "-layout", file, "-").CombinedOutput()
	require.NoError(t, err, "%s", out)
	pdfText := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"ER-1", "borrower request, ticket 311", "admin@example.com", "eip155:1337",
		"Approval record (direct mode, final)", "Repayment record (direct mode, final)", common.BytesToHash([]byte{0xaa, 0}).Hex()} {
		require.Contains(t, pdfText, want)
	}
	require.NotContains(t, pdfText, borrower)
}
