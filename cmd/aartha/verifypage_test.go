package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
	receipts, c, rpc := anchoredReceiptsClient(t)
	return receipts, c.base, rpc
}

// anchoredReceiptsClient is anchoredReceipts returning a logged-in client
// of the server, whose API_BASE_URL is its own address.
func anchoredReceiptsClient(t *testing.T) (receipts map[string][]byte, direct *apiClient, rpc string) {
	t.Helper()
	dir, rpcAddr, addr := t.TempDir(), freeAddr(t), freeAddr(t)
	vars := func(mode string) map[string]string {
		return map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_DEV_CHAIN_RPC": rpcAddr,
			"BLOCKCHAIN_ANCHOR_MODE": mode, "BLOCKCHAIN_BATCH_WINDOW": "5s",
			"RATE_LIMIT_VERIFY":  "1000", // the tests check many receipts from one IP
			"AARTHA_LISTEN_ADDR": addr, "API_BASE_URL": "http://" + addr}
	}
	receipts = map[string][]byte{}
	// Loans are created first and approved back to back, so that the
	// batch window (5s) takes at least two of them into one batch.
	create := func(c *apiClient, ids ...string) {
		for _, id := range ids {
			code, body := c.do("POST", "/api/admin/loans", map[string]any{"loan_id": id, "borrower": "cust-" + id, "lender": "bank-1",
				"borrower_address": "0x00000000000000000000000000000000000000aa",
				"principal":        "150000", "currency": "INR", "interest_rate_bps": 1250, "term_months": 12})
			require.Equal(t, http.StatusCreated, code, body)
		}
		for _, id := range ids {
			code, body := c.do("POST", "/api/admin/loans/"+id+"/approve", nil)
			require.Equal(t, http.StatusOK, code, body)
		}
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
	create(batch, "VP-1", "VP-2", "VP-3")
	// The receipt of a loan whose batch has more than one leaf (on a loaded
	// machine an approval may miss the window and go in a batch alone).
	for _, id := range []string{"VP-2", "VP-3", "VP-1"} {
		var rc struct {
			Proof []string `json:"proof"`
		}
		b := fetch(batch, id, "approved")
		require.NoError(t, json.Unmarshal(b, &rc))
		if len(rc.Proof) > 0 {
			receipts["batch-many"] = b
			break
		}
	}
	require.NotNil(t, receipts["batch-many"], "two of three loans approved back to back share a batch")
	code, body := batch.do("POST", "/api/admin/loans/VP-1/blockchain/mark-repaid", map[string]string{"amount_repaid": "160000"})
	require.Equal(t, http.StatusOK, code, body)
	receipts["batch-one"] = fetch(batch, "VP-1", "repaid")
	stopBatch()

	direct, _ = startServeStoppable(t, vars("direct"))
	create(direct, "VP-4")
	receipts["direct"] = fetch(direct, "VP-4", "approved")
	code, body = direct.do("POST", "/api/admin/loans/VP-4/blockchain/mark-repaid", map[string]string{"amount_repaid": "151000"})
	require.Equal(t, http.StatusOK, code, body)
	receipts["direct-repaid"] = fetch(direct, "VP-4", "repaid")

	return receipts, direct, "http://" + rpcAddr
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
	addr, ok := vars["AARTHA_LISTEN_ADDR"]
	if !ok {
		addr = freeAddr(t)
	}
	s := serveUI(t, addr, vars)
	c := &apiClient{t: t, base: s.base}
	c.login(testAdminEmail, testAdminPassword)
	return c, s.stop
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
// The receipt's PDF certificate, from the API and the admin UI, shows the
// terms and the chain's block time, and its QR code opens this page with
// the receipt verified.
// The page makes no request to another origin and fits a phone's screen.
func TestVerifyPageInBrowser(t *testing.T) {
	t.Parallel()
	receipts, c, _ := anchoredReceiptsClient(t)
	p := newBrowser(t, c.base)

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

	// The printable certificate of the API and the admin UI; its QR code
	// opens this page with the receipt.
	p.checkCertificates(c, receipts["direct"])

	// A phone: the verdict and the checks fit (tables scroll in place).
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	p.checkReceipt(receipts["batch-many"], false)
	require.Equal(t, "✔ Verified", p.text("#verdict-h"))
	p.shot("verify-phone")

	p.mu.Lock()
	defer p.mu.Unlock()
	require.Empty(t, p.others, "the verify page asked for something from another origin")
}

// offlineVerdict runs the offline verifier page on a receipt and the RPC
// URL and returns its verdict and the names of the failed checks.
func (p *page) offlineVerdict(receipt []byte, rpc string) (string, []string) {
	p.t.Helper()
	values, err := json.Marshal([]string{string(receipt), rpc})
	require.NoError(p.t, err)
	// chromedp.SetValue refuses an empty value: set both in one script.
	_, err = chromedp.Run(p.ctx, chromedp.Evaluate[bool](fmt.Sprintf(
		`(([r, u]) => { document.getElementById('receipt').value = r; document.getElementById('rpc').value = u; return true })(%s)`, values)))
	require.NoError(p.t, err)
	p.do(chromedp.Click(chromedp.CSS("#verify")))
	var verdict string
	require.Eventually(p.t, func() bool {
		v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById('verdict').dataset.verdict || ''`))
		require.NoError(p.t, err)
		verdict = v
		return v != "" && v != "running"
	}, 60*time.Second, 50*time.Millisecond)
	failed, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#checks tr.bad')].map(tr => tr.dataset.check)`))
	require.NoError(p.t, err)
	return verdict, failed
}

// TestOfflineVerifierInBrowser opens the one-file offline verifier, as
// written by `aartha verifier-page` and opened from disk (origin "null"),
// in headless Chromium and checks receipts against the embedded chain's
// JSON-RPC: every real receipt of every shape is verified; every tampered
// case of testdata/receipts/tampered fails at the check it names (the
// chain-refuted ones applied to the real receipt of their shape); the
// golden receipts pass offline and fail at "chain" against this chain.
// The page asks nothing of anyone but the RPC URL typed. The same page
// served at /verify/offline.html works too.
func TestOfflineVerifierInBrowser(t *testing.T) {
	t.Parallel()
	receipts, base, rpc := anchoredReceipts(t)
	file := filepath.Join(t.TempDir(), "verify.html")
	out, err := run(t, context.Background(), nil, "verifier-page", "--out", file)
	require.NoError(t, err, out)
	written, err := os.ReadFile(file)
	require.NoError(t, err)
	code, served := (&apiClient{t: t, base: base}).raw("GET", "/verify/offline.html")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, string(served), string(written), "the served page is the written one")

	p := newBrowser(t, "file://"+file, rpc, "file://"+file)
	p.do(chromedp.Navigate("file://" + file))
	p.shot("offline-empty")

	for _, shape := range []string{"direct", "direct-repaid", "batch-one", "batch-many"} {
		verdict, failed := p.offlineVerdict(receipts[shape], rpc)
		require.Equal(t, "verified", verdict, "%s: failed %v", shape, failed)
		require.GreaterOrEqual(t, mustCount(p, "#checks tr.ok"), 10, shape)
		require.Contains(t, p.text("#verdict"), "✔ Verified", shape)
	}
	p.shot("offline-verified")

	for _, tc := range tamperedCases(t) {
		receipt := tc.File
		if tc.NeedsChain {
			receipt = tc.apply(t, receipts[tc.Shape])
		}
		verdict, failed := p.offlineVerdict(receipt, rpc)
		require.Equal(t, "rejected", verdict, tc.Name)
		require.Contains(t, failed, tc.Fails, tc.Name)
		if !tc.NeedsChain {
			require.Equal(t, []string{tc.Fails}, failed, "%s fails offline at exactly its check", tc.Name)
		}
	}
	p.shot("offline-tampered")

	for _, name := range []string{"evm-direct.json", "evm-batch-one.json", "evm-batch-many.json", "multichain-direct.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "receipts", name))
		require.NoError(t, err)
		verdict, failed := p.offlineVerdict(b, "")
		require.Equal(t, "offline-only", verdict, "%s is consistent offline: %v", name, failed)
		verdict, failed = p.offlineVerdict(b, rpc)
		require.Equal(t, "rejected", verdict, name)
		require.Equal(t, []string{"chain"}, failed, "%s names another chain", name)
	}

	// `aartha verify FOLDER`: every real receipt verified, a tampered one
	// named with its failing check.
	folder := t.TempDir()
	for shape, b := range receipts {
		require.NoError(t, os.WriteFile(filepath.Join(folder, shape+".json"), b, 0o600))
	}
	out, err = run(t, context.Background(), nil, "verify", folder, "--rpc", rpc)
	require.NoError(t, err, out)
	require.Contains(t, out, "4 of 4 receipts verified")
	for _, tc := range tamperedCases(t) {
		if tc.Name == "evm-batch-many.batch-seq" {
			require.NoError(t, os.WriteFile(filepath.Join(folder, "tampered.json"), tc.apply(t, receipts[tc.Shape]), 0o600))
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(folder, "broken.json"), []byte(`{"schema":`), 0o600))
	out, err = run(t, context.Background(), nil, "verify", folder, "--rpc", rpc)
	require.ErrorAs(t, err, new(errNotVerified), out)
	require.Contains(t, out, "4 of 6 receipts verified")
	require.Regexp(t, `NOT verified: tampered.json: failed event batch sequence \(expected 99, found \d+\)`, out)
	require.Contains(t, out, "NOT verified: broken.json: receipt is not valid JSON")

	// A file chosen in the page is read locally into the text box.
	f := filepath.Join(t.TempDir(), "receipt.json")
	require.NoError(t, os.WriteFile(f, receipts["batch-many"], 0o600))
	require.True(t, p.eval(`(document.getElementById('receipt').value = '') === ''`))
	p.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{f}))
	require.Eventually(t, func() bool {
		v, err := chromedp.Run(p.ctx, chromedp.Value(chromedp.CSS("#receipt")))
		require.NoError(t, err)
		return v == string(receipts["batch-many"])
	}, 10*time.Second, 50*time.Millisecond)

	// At phone width it fits.
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	verdict, _ := p.offlineVerdict(receipts["direct"], rpc)
	require.Equal(t, "verified", verdict)
	p.shot("offline-phone")

	// The page as the server serves it (its own origin, the server's CSP).
	p.base = base
	p.open("/verify/offline.html")
	verdict, failed := p.offlineVerdict(receipts["batch-one"], rpc)
	require.Equal(t, "verified", verdict, "served page: %v", failed)

	p.mu.Lock()
	defer p.mu.Unlock()
	var others []string
	for _, u := range p.others {
		if !strings.HasPrefix(u, base+"/verify/offline.html") {
			others = append(others, u)
		}
	}
	require.Empty(t, others, "the offline verifier asked for something but the RPC URL")
}
