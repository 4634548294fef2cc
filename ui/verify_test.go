package ui_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/ui"
)

// offlineChain verifies a receipt with its real offline check (record,
// salt, commitment, loan key, leaf and proof) and then "finds" it on chain
// when the receipt's chain is its own: enough to tell a good receipt from a
// tampered one without a node.
type offlineChain struct{ asked *int }

func (offlineChain) Network() string { return "eip155:137" }
func (offlineChain) Contract() common.Address {
	return common.HexToAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3")
}
func (c offlineChain) VerifyReceipt(_ context.Context, r *ledger.Receipt) (*ledger.Verification, error) {
	*c.asked++
	v := &ledger.Verification{Confirmations: 12}
	_, err := r.CheckOffline()
	found := "consistent"
	if err != nil {
		found = ledger.ErrorMessage(err)
	}
	if !v.Compare("record matches commitment, loan key and proof", "consistent", found) {
		return v.Conclude(), nil
	}
	v.Compare("chain", r.Chain, "eip155:137")
	return v.Conclude(), nil
}
func (offlineChain) HeadBlock(context.Context) (uint64, error) { return 10, nil }
func (offlineChain) SignerBalance(context.Context) (common.Address, *big.Int, error) {
	return common.Address{}, nil, ui.ErrNoBalance
}

type verifyEnv struct {
	srv     *httptest.Server
	limiter *aarthahttp.MemoryLimiter
	asked   int
}

func setupVerify(t *testing.T, chain bool, limit int) *verifyEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "aartha.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	auth, err := aarthahttp.NewAuthenticator([]byte("k7Qm2vX9pL4nR8sT1wY6zB3cF5hJ0dGa"), "HS256", time.Hour, nil)
	require.NoError(t, err)
	e := &verifyEnv{limiter: aarthahttp.NewMemoryLimiter()}
	cfg := ui.Config{Loans: &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader}, Store: db, Auth: auth,
		Limiter: e.limiter, VerifyLimit: limit, ExplorerURL: "https://explorer.example", OfflinePage: []byte("<!doctype html><title>offline</title>")}
	if chain {
		cfg.Chain = offlineChain{asked: &e.asked}
	}
	u, err := ui.New(cfg)
	require.NoError(t, err)
	e.srv = httptest.NewServer(u.VerifyPage())
	t.Cleanup(e.srv.Close)
	return e
}

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "receipts", name))
	require.NoError(t, err)
	return b
}

// upload posts the receipt as the form's file, as a browser does when a
// file is chosen or dropped.
func (e *verifyEnv) upload(t *testing.T, data []byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "receipt.json")
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, mw.WriteField("receipt", ""))
	require.NoError(t, mw.Close())
	resp, err := http.Post(e.srv.URL+ui.VerifyPath, mw.FormDataContentType(), &body)
	require.NoError(t, err)
	return resp, readBody(t, resp)
}

func (e *verifyEnv) paste(t *testing.T, text string) (*http.Response, string) {
	t.Helper()
	resp, err := http.PostForm(e.srv.URL+ui.VerifyPath, url.Values{"receipt": {text}})
	require.NoError(t, err)
	return resp, readBody(t, resp)
}

func TestVerifyPageChecksReceipts(t *testing.T) {
	t.Parallel()
	e := setupVerify(t, true, 100)

	// The form: no login, no cookie, no script, a link to the offline page.
	resp, body := get(t, e.srv.URL+ui.VerifyPath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, resp.Cookies(), "the public page keeps no session")
	require.Contains(t, body, `id="verify-form"`)
	require.Contains(t, body, `href="/verify/offline.html"`)
	require.NotContains(t, body, "<script")
	require.NotContains(t, body, "/admin/loans", "no admin menu on the public page")
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")

	// A good receipt, uploaded: verified, with its terms and every check.
	resp, body = e.upload(t, golden(t, "evm-direct.json"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "✔ Verified")
	require.Contains(t, body, "12 blocks deep")
	require.Contains(t, body, "1,500,000.00 INR (150000000 minor units)")
	require.Contains(t, body, "1450 basis points a year (14.5%)")
	require.Contains(t, body, "https://explorer.example/tx/0x")
	require.Contains(t, body, "record matches commitment, loan key and proof")

	// The same receipt with one digit of the principal changed, pasted:
	// not verified, and the failure is explained.
	tampered := strings.Replace(string(golden(t, "evm-direct.json")), `"principal": "150000000"`, `"principal": "150000001"`, 1)
	require.NotEqual(t, string(golden(t, "evm-direct.json")), tampered)
	resp, body = e.paste(t, tampered)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "✘ Not verified")
	require.Contains(t, body, "commitment does not match the record")
	require.Contains(t, body, "was changed after the receipt was issued")
	require.Contains(t, body, "150000001", "the form keeps the pasted receipt")

	// A receipt for another chain: explained as such.
	_, body = e.paste(t, string(golden(t, "multichain-direct.json")))
	require.Contains(t, body, "✘ Not verified")
	require.Contains(t, body, "is for another chain than the one this server reads")

	// Malformed input is a 400 naming what is wrong; the chain is not asked.
	before := e.asked
	for input, want := range map[string]string{
		"{not json":         "receipt is not valid JSON",
		`{"schema": 1}`:     "receipt is not valid JSON",
		`{"rooot": "0x00"}`: `unknown field "rooot"`,
		"   ":               "no receipt was given",
		string(golden(t, "evm-direct.json")) + "{}": "data after its JSON object",
	} {
		resp, body := e.paste(t, input)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, input)
		require.Contains(t, body, "This is not a valid receipt", input)
		require.Contains(t, body, htmlEscape(want), input)
	}
	resp, body = e.upload(t, []byte{0xff, 0xfe, '{', '}'})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "not UTF-8")
	resp, _ = e.upload(t, bytes.Repeat([]byte(" "), ledger.MaxReceiptBytes+10))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, before, e.asked, "no malformed receipt reached the chain")
}

func htmlEscape(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "'", "&#39;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	return resp, readBody(t, resp)
}

// TestVerifyPageFollowsReceiptLinks: the link a printed certificate's QR
// code carries opens the page with the receipt checked; a damaged link is
// a 400.
func TestVerifyPageFollowsReceiptLinks(t *testing.T) {
	t.Parallel()
	e := setupVerify(t, true, 100)
	for _, name := range []string{"evm-direct.json", "evm-batch-one.json", "evm-batch-many.json"} {
		rc, err := ledger.ParseReceipt(golden(t, name))
		require.NoError(t, err)
		token, err := ledger.ReceiptToken(rc)
		require.NoError(t, err)
		resp, body := get(t, e.srv.URL+ui.VerifyPath+"?r="+token)
		require.Equal(t, http.StatusOK, resp.StatusCode, name)
		require.Contains(t, body, "✔ Verified", name)
		require.Contains(t, body, rc.LoanID, name)
	}
	resp, body := get(t, e.srv.URL+ui.VerifyPath+"?r=not*base64")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "receipt link is damaged")
	resp, body = get(t, e.srv.URL+ui.VerifyPath+"?r=AAAA")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "receipt link is damaged")
}

// TestVerifyPageIsRateLimitedWithTheAPI: checks count under the API's
// verify key, so page and API share one allowance per IP.
func TestVerifyPageIsRateLimitedWithTheAPI(t *testing.T) {
	t.Parallel()
	e := setupVerify(t, true, 3)
	ok, _, err := e.limiter.Allow(context.Background(), "verify:ip:127.0.0.1", 3, time.Minute) // one POST /api/verify
	require.NoError(t, err)
	require.True(t, ok)
	for range 2 {
		resp, _ := e.upload(t, golden(t, "evm-batch-one.json"))
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	resp, body := e.upload(t, golden(t, "evm-batch-one.json"))
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Contains(t, body, "too many receipt checks: 3 a minute are allowed")
	resp, _ = get(t, e.srv.URL+ui.VerifyPath) // the empty form costs nothing
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 2, e.asked)
}

func TestVerifyPageWithAnchoringOff(t *testing.T) {
	t.Parallel()
	e := setupVerify(t, false, 100)
	resp, body := e.upload(t, golden(t, "evm-direct.json"))
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, body, "cannot check receipts")
	resp, body = get(t, e.srv.URL+ui.OfflinePath)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "<title>offline</title>")
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "connect-src *")
}
