package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// anchoredReceipts runs `aartha serve` on the embedded chain, in batch mode
// and then (same folder, same chain) in direct mode, and returns real
// receipts of every shape, keyed by shape, with the server's base URL and
// the chain's RPC URL. The server keeps running in direct mode.
func anchoredReceipts(t *testing.T) (receipts map[string][]byte, base, rpc string) {
	t.Helper()
	dir, rpcAddr := t.TempDir(), freeAddr(t)
	vars := func(mode string) map[string]string {
		return map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_DEV_CHAIN_RPC": rpcAddr,
			"BLOCKCHAIN_ANCHOR_MODE": mode, "BLOCKCHAIN_BATCH_WINDOW": "300ms",
			"RATE_LIMIT_VERIFY": "1000"} // the tests check many receipts from one IP
	}
	receipts = map[string][]byte{}
	create := func(c *apiClient, id string) {
		code, body := c.do("POST", "/api/admin/loans", map[string]any{"loan_id": id, "borrower": "cust-" + id, "lender": "bank-1",
			"borrower_address": "0x00000000000000000000000000000000000000aa",
			"principal":        "150000", "currency": "INR", "interest_rate_bps": 1250, "term_months": 12})
		require.Equal(t, http.StatusCreated, code, body)
		code, body = c.do("POST", "/api/admin/loans/"+id+"/approve", nil)
		require.Equal(t, http.StatusOK, code, body)
	}
	fetch := func(c *apiClient, id, record string) []byte {
		var raw []byte
		eventually(t, 90*time.Second, id+" "+record+" receipt", func() (bool, any) {
			code, b := c.raw("GET", "/api/admin/loans/"+id+"/blockchain/receipt?record="+record)
			raw = b
			return code == http.StatusOK, string(b)
		})
		return raw
	}

	batch, stopBatch := startServeStoppable(t, vars("batch"))
	for _, id := range []string{"VP-1", "VP-2", "VP-3"} {
		create(batch, id)
	}
	receipts["batch-many"] = fetch(batch, "VP-2", "approved")
	code, body := batch.do("POST", "/api/admin/loans/VP-1/blockchain/mark-repaid", map[string]string{"amount_repaid": "160000"})
	require.Equal(t, http.StatusOK, code, body)
	receipts["batch-one"] = fetch(batch, "VP-1", "repaid")
	stopBatch()

	direct, _ := startServeStoppable(t, vars("direct"))
	create(direct, "VP-4")
	receipts["direct"] = fetch(direct, "VP-4", "approved")
	code, body = direct.do("POST", "/api/admin/loans/VP-4/blockchain/mark-repaid", map[string]string{"amount_repaid": "151000"})
	require.Equal(t, http.StatusOK, code, body)
	receipts["direct-repaid"] = fetch(direct, "VP-4", "repaid")

	var many struct {
		Proof []string `json:"proof"`
	}
	require.NoError(t, json.Unmarshal(receipts["batch-many"], &many))
	require.NotEmpty(t, many.Proof, "VP-2 shares its batch")
	return receipts, direct.base, "http://" + rpcAddr
}

// tamperedCase is a case of testdata/receipts/tampered/cases.json.
type tamperedCase struct {
	Name       string          `json:"name"`
	From       string          `json:"from"`
	Field      string          `json:"field"`
	Value      json.RawMessage `json:"value"`
	Fails      string          `json:"fails"`
	NeedsChain bool            `json:"needs_chain"`
	Shape      string          `json:"-"` // the anchoredReceipts key of From
	File       []byte          `json:"-"` // the published tampered receipt
}

func tamperedCases(t *testing.T) []tamperedCase {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "receipts", "tampered")
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	require.NoError(t, err)
	var cases []tamperedCase
	require.NoError(t, json.Unmarshal(b, &cases))
	require.NotEmpty(t, cases)
	shapes := map[string]string{"evm-direct.json": "direct", "evm-batch-one.json": "batch-one", "evm-batch-many.json": "batch-many", "multichain-direct.json": ""}
	for i := range cases {
		shape, ok := shapes[cases[i].From]
		require.True(t, ok, cases[i].From)
		cases[i].Shape = shape
		cases[i].File, err = os.ReadFile(filepath.Join(dir, cases[i].Name+".json"))
		require.NoError(t, err)
	}
	return cases
}

// apply makes the case's edit to a receipt.
func (tc tamperedCase) apply(t *testing.T, receipt []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(receipt, &m))
	m[tc.Field] = tc.Value
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// startServeStoppable is startServe with a stop function, for a test that
// restarts the server on the same folder.
func startServeStoppable(t *testing.T, vars map[string]string) (*apiClient, func()) {
	t.Helper()
	addr := freeAddr(t)
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
	c := &apiClient{t: t, base: "http://" + addr}
	waitReady(t, c.base)
	c.login(testAdminEmail, testAdminPassword)
	return c, stop
}

// raw is do without decoding: the answer's bytes.
func (c *apiClient) raw(method, path string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, nil)
	require.NoError(c.t, err)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, b
}

// newBrowser starts headless Chromium for one test and returns a tab that
// records every request to anything but the allowed URL prefixes.
func newBrowser(t *testing.T, base string, allowed ...string) *page {
	t.Helper()
	execPath := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")), chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancelTime)
	p := &page{t: t, ctx: ctx, base: base, shots: screenshotDir(t)}
	p.do()
	allowed = append(allowed, base+"/", "data:")
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			for _, a := range allowed {
				if strings.HasPrefix(e.Request.URL, a) {
					return
				}
			}
			p.mu.Lock()
			p.others = append(p.others, e.Request.URL)
			p.mu.Unlock()
		}
	}))
	return p
}

// checkReceipt pastes a receipt into the public verify page (or chooses it
// as the file), submits it and requires a 200 answer.
func (p *page) checkReceipt(receipt []byte, asFile bool) {
	p.t.Helper()
	p.open("/verify")
	if asFile {
		f := filepath.Join(p.t.TempDir(), "receipt.json")
		require.NoError(p.t, os.WriteFile(f, receipt, 0o600))
		p.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{f}))
	} else {
		p.do(chromedp.SetValue(chromedp.CSS("#receipt"), string(receipt)))
	}
	resp, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS("#check")))
	require.NoError(p.t, err)
	require.EqualValues(p.t, http.StatusOK, resp.Status, "checking %s", receipt)
}

// TestVerifyPageInBrowser checks real receipts of every shape on the public
// verify page in headless Chromium, with no login: each good one is
// verified (pasted and uploaded), each tampered one is not and the page
// says why, a malformed one is refused with a 400 that names the problem.
// The page makes no request to another origin and fits a phone's screen.
func TestVerifyPageInBrowser(t *testing.T) {
	t.Parallel()
	receipts, base, _ := anchoredReceipts(t)
	p := newBrowser(t, base)

	for i, shape := range []string{"direct", "direct-repaid", "batch-one", "batch-many"} {
		p.checkReceipt(receipts[shape], i%2 == 0)
		require.Equal(t, "✔ Verified", p.text("#verdict-h"), shape)
		require.GreaterOrEqual(t, mustCount(p, "#checks tbody tr"), 6, "%s: every check is listed", shape)
		require.Zero(t, mustCount(p, "#checks .badge.bad"), shape)
		p.shot("verify-" + shape)
	}

	// Every tampered case of testdata/receipts/tampered: the ones a chain
	// refutes applied to the real receipt of their shape, the others as
	// published (their record or hashes no longer agree).
	for _, tc := range tamperedCases(t) {
		if !tc.NeedsChain {
			if tc.Fails == "json" || tc.Fails == "fields" {
				continue // refused as malformed: below
			}
			p.checkReceipt(tc.File, false)
			require.Equal(t, "✘ Not verified", p.text("#verdict-h"), tc.Name)
			require.Contains(t, p.text("#failures"), "record matches commitment, loan key and proof", tc.Name)
			continue
		}
		p.checkReceipt(tc.apply(t, receipts[tc.Shape]), false)
		require.Equal(t, "✘ Not verified", p.text("#verdict-h"), tc.Name)
		require.Contains(t, p.text("#failures"), tc.Fails+":", tc.Name)
		require.Positive(t, mustCount(p, "#checks .badge.bad"), tc.Name)
	}
	p.shot("verify-tampered")

	// Malformed: the browser gets a 400 and the reason.
	p.open("/verify")
	p.do(chromedp.SetValue(chromedp.CSS("#receipt"), `{"schema":"aartha.receipt/v1","rooot":1}`))
	resp, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS("#check")))
	require.NoError(t, err)
	require.EqualValues(t, http.StatusBadRequest, resp.Status)
	require.Contains(t, p.text("#error"), `unknown field "rooot"`)
	require.False(t, p.has("#verdict"))
	p.shot("verify-malformed")

	// A phone: the verdict and the checks fit (tables scroll in place).
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	p.checkReceipt(receipts["batch-many"], false)
	require.Equal(t, "✔ Verified", p.text("#verdict-h"))
	p.shot("verify-phone")

	p.mu.Lock()
	defer p.mu.Unlock()
	require.Empty(t, p.others, "the verify page asked for something from another origin")
}
