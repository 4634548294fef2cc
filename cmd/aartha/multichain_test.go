package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/multichain/multichaintest"
)

// multichainVars starts a fake MultiChain node mining every 100 ms and
// returns the variables that point the service at it (credentials in the
// URL), with the stream initialised by `aartha multichain init`.
func multichainVars(t *testing.T, mode string) (map[string]string, *multichaintest.Node) {
	t.Helper()
	node := multichaintest.Start(t, multichaintest.Options{})
	node.MineEvery(t, 100*time.Millisecond)
	u, err := url.Parse(node.URL)
	require.NoError(t, err)
	u.User = url.UserPassword(node.User, node.Password)
	vars := map[string]string{
		"AARTHA_DATA_DIR": t.TempDir(), "BLOCKCHAIN_BACKEND": "multichain",
		"MULTICHAIN_RPC_URL": u.String(), "MULTICHAIN_CHAIN_NAME": "testchain",
		"MULTICHAIN_STREAM": "aartha-loans", "MULTICHAIN_FROM_ADDRESS": node.NewAddress(),
		"BLOCKCHAIN_ANCHOR_MODE": mode, "BLOCKCHAIN_BATCH_WINDOW": "200ms",
	}
	out, err := run(t, context.Background(), vars, "multichain", "init")
	require.NoError(t, err, out)
	require.Contains(t, out, "created stream aartha-loans (write-restricted)")
	require.Contains(t, out, "granted aartha-loans.write to "+vars["MULTICHAIN_FROM_ADDRESS"])
	require.NotContains(t, out, node.Password)
	return vars, node
}

// TestMultiChainInitIsIdempotentAndServeRefusesAnUnreadyStream: init run
// twice changes nothing the second time; check and serve refuse a stream
// the publisher may not write, naming the fix, and never print the RPC
// password.
func TestMultiChainInitIsIdempotentAndServeRefusesAnUnreadyStream(t *testing.T) {
	t.Parallel()
	vars, node := multichainVars(t, "direct")
	out, err := run(t, context.Background(), vars, "multichain", "init")
	require.NoError(t, err, out)
	require.Contains(t, out, "stream aartha-loans exists")
	require.NotContains(t, out, "granted")

	out, err = run(t, context.Background(), vars, "multichain", "check")
	require.NoError(t, err, out)
	require.Contains(t, out, "ready")

	node.Revoke(vars["MULTICHAIN_FROM_ADDRESS"], "aartha-loans.write")
	out, err = run(t, context.Background(), vars, "multichain", "check")
	require.Error(t, err)
	require.Contains(t, err.Error(), "lacks aartha-loans.write: run aartha multichain init")
	out2, err2 := run(t, context.Background(), vars, "serve")
	require.Error(t, err2)
	require.Contains(t, err2.Error(), "aartha multichain init")
	require.NotContains(t, out+out2+err.Error()+err2.Error(), node.Password)

	out, err = run(t, context.Background(), vars, "doctor")
	require.Error(t, err, "a doctor failure exits non-zero")
	require.Contains(t, out, "PASS  multichain node")
	require.Contains(t, out, "FAIL  multichain stream")
	require.Contains(t, out, "aartha multichain init")

	bad := map[string]string{}
	for k, v := range vars {
		bad[k] = v
	}
	bad["MULTICHAIN_RPC_URL"] = strings.Replace(vars["MULTICHAIN_RPC_URL"], node.Password, "wrong-password", 1)
	out, err = run(t, context.Background(), bad, "multichain", "check")
	require.Error(t, err)
	require.Contains(t, err.Error(), "401")
	require.NotContains(t, out+err.Error(), "wrong-password")
}

// TestMultiChainLifecycle is TestAPILifecycle on a MultiChain stream (the
// fake node): create, approve, store (txid), verify, mark repaid, verify
// again through the API; the receipt names multichain:<chain> and the
// publisher, verifies on the public endpoint and with `aartha verify`
// against the node, and fails when tampered with; the audit rows name the
// chain and the stream; then reconcile finds every record matching,
// rebuild finds nothing missing, and the doctor passes the node and the
// stream. On SQLite and PostgreSQL, in direct and batch mode.
func TestMultiChainLifecycle(t *testing.T) {
	t.Parallel()
	for _, tc := range storesAndModes {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vars, node := multichainVars(t, tc.mode)
			if tc.postgres {
				vars["DATABASE_URL"] = postgresURL(t)
				_, err := run(t, context.Background(), vars, "migrate")
				require.NoError(t, err)
			}
			c := startServe(t, vars)
			id := "MC-" + strings.ReplaceAll(tc.name, " ", "-")

			code, body := c.do("POST", "/api/admin/loans", map[string]any{
				"loan_id": id, "borrower": "cust-42", "lender": "bank-1",
				"borrower_address": "0x00000000000000000000000000000000000000aa",
				"principal":        "150000", "currency": "INR", "interest_rate_bps": 1250, "term_months": 12,
			})
			require.Equal(t, http.StatusCreated, code, body)
			code, body = c.do("POST", "/api/admin/loans/"+id+"/approve", nil)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, "queued", body["blockchain_status"])

			code, body = c.do("POST", "/api/admin/loans/"+id+"/blockchain/store?wait=20s", nil)
			require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, code, body)
			require.Regexp(t, "^0x[0-9a-f]{64}$", body["transaction_hash"], body)
			require.Equal(t, "multichain:testchain", body["anchor"].(map[string]any)["network"])

			verify := func(record string) map[string]any {
				var last map[string]any
				eventually(t, 60*time.Second, "verify "+record, func() (bool, any) {
					code, body := c.do("GET", "/api/admin/loans/"+id+"/blockchain/verify?record="+record, nil)
					last = body
					return code == http.StatusOK && body["verified"] == true, body
				})
				return last
			}
			v := verify("approved")
			require.Equal(t, tc.mode, v["mode"])
			require.Equal(t, "multichain:testchain", v["network"])
			checks := map[string]bool{}
			for _, ch := range v["checks"].([]any) {
				checks[ch.(map[string]any)["name"].(string)] = true
			}
			require.True(t, checks["publisher"] && checks["stream"] && checks["block hash"], checks)

			code, body = c.do("POST", "/api/admin/loans/"+id+"/blockchain/mark-repaid", map[string]string{"amount_repaid": "168000"})
			require.Equal(t, http.StatusOK, code, body)
			verify("approved")
			verify("repaid")

			code, receipt := c.do("GET", "/api/admin/loans/"+id+"/blockchain/receipt?record=repaid", nil)
			require.Equal(t, http.StatusOK, code)
			require.Equal(t, "multichain:testchain", receipt["chain"])
			public := &apiClient{t: t, base: c.base}
			code, body = public.do("POST", "/api/verify", receipt)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, true, body["verified"], body)

			// `aartha verify` checks the same receipt against the node, with
			// no database, and refuses it once tampered with.
			path := filepath.Join(t.TempDir(), "receipt.json")
			raw, err := json.Marshal(receipt)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, raw, 0o600))
			out, err := run(t, context.Background(), map[string]string{}, "verify", path, "--rpc", vars["MULTICHAIN_RPC_URL"], "--stream", "aartha-loans")
			require.NoError(t, err, out)
			require.Contains(t, out, "verified: loan "+id+", repaid record")
			require.NotContains(t, out, node.Password)
			requireForgeriesFail(t, public, receipt, []string{"--rpc", vars["MULTICHAIN_RPC_URL"], "--stream", "aartha-loans"})

			receipt["record"].(map[string]any)["amount_repaid"] = "1"
			code, body = public.do("POST", "/api/verify", receipt)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, false, body["verified"], "a tampered receipt does not verify")
			raw, err = json.Marshal(receipt)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, raw, 0o600))
			_, err = run(t, context.Background(), map[string]string{}, "verify", path, "--rpc", vars["MULTICHAIN_RPC_URL"])
			require.Error(t, err)

			if tc.mode == "direct" {
				// A receipt verifies once its item is in a block; the
				// repayment's final step may come a poll later.
				var entries []any
				require.Eventually(t, func() bool {
					code, body = c.do("GET", "/api/admin/audit?loan_id="+id+"&action=anchor.final", nil)
					require.Equal(t, http.StatusOK, code)
					entries = body["entries"].([]any)
					return len(entries) >= 2
				}, time.Minute, 200*time.Millisecond)
				require.Len(t, entries, 2, "one final step per record")
				for _, e := range entries {
					chain := e.(map[string]any)["chain"].(map[string]any)
					require.Equal(t, "multichain:testchain", chain["network"])
					require.Equal(t, "aartha-loans", chain["contract"])
				}
			}

			out, err = run(t, context.Background(), vars, "reconcile", "--all")
			require.NoError(t, err, out)
			require.Contains(t, out, "chain multichain:testchain")
			require.Contains(t, out, "match 2, mismatch 0, missing on chain 0, unknown on chain 0, pending 0")

			out, err = run(t, context.Background(), vars, "rebuild", "--dry-run")
			require.NoError(t, err, out)
			require.Contains(t, out, "0 missing")
			require.Contains(t, out, "0 altered")

			// Rebuild from the stream alone: delete the anchor index and get
			// the same rows back (batch members from the chain-log export).
			e := &opsEnv{vars: vars, dir: vars["AARTHA_DATA_DIR"]}
			export := filepath.Join(e.dir, "chainlog.jsonl")
			out, err = e.run(t, "export", "--out", export)
			require.NoError(t, err, out)
			before := e.anchorIndex(t)
			require.Len(t, before, map[string]int{"direct": 2, "batch": 4}[tc.mode], "two anchors (and their batches)")
			e.exec(t, "DELETE FROM anchors")
			e.exec(t, "DELETE FROM batches")
			args := []string{"rebuild", "--from-block", "0"}
			if tc.mode == "batch" {
				args = append(args, "--leaves", export)
			}
			out, err = e.run(t, args...)
			require.NoError(t, err, out)
			require.Contains(t, out, "0 altered")
			require.Equal(t, before, e.anchorIndex(t))

			out, err = run(t, context.Background(), vars, "doctor")
			require.Contains(t, out, "PASS  multichain node", out)
			require.Contains(t, out, "PASS  multichain stream", out)
			require.NotContains(t, out, node.Password)
		})
	}
}

// TestMultiChainAdminUI walks a loan through the admin UI on a MultiChain
// stream: log in, create, approve, wait for the approval to verify on the
// loan's verify page, mark it repaid, and read the dashboard, which says the
// stream charges no fees instead of showing a balance.
func TestMultiChainAdminUI(t *testing.T) {
	t.Parallel()
	vars, _ := multichainVars(t, "direct")
	api := startServe(t, vars)
	ui := newUIClient(t, api.base)

	id := "MC-UI-1"
	page := ui.post("/admin/loans/new", "/admin/loans", url.Values{
		"loan_id": {id}, "borrower": {"cust-7"}, "lender": {"bank-1"}, "principal": {"50000"},
		"currency": {"EUR"}, "interest_rate_bps": {"900"}, "term_months": {"6"},
	})
	require.Contains(t, page, id)
	ui.post("/admin/loans/"+id, "/admin/loans/"+id+"/approve", url.Values{})
	eventually(t, 60*time.Second, "verified in the UI", func() (bool, any) {
		page := ui.get("/admin/loans/" + id + "/verify")
		return strings.Contains(page, "✔ Verified"), page
	})
	ui.post("/admin/loans/"+id, "/admin/loans/"+id+"/repaid", url.Values{"amount_repaid": {"52000"}})
	eventually(t, 60*time.Second, "repayment verified in the UI", func() (bool, any) {
		page := ui.get("/admin/loans/" + id + "/verify?record=repaid")
		return strings.Contains(page, "✔ Verified"), page
	})
	receipt := ui.get("/admin/loans/" + id + "/receipt?record=repaid")
	require.Contains(t, receipt, `"chain": "multichain:testchain"`)
	dash := ui.get("/admin/")
	require.Contains(t, dash, "multichain:testchain")
	require.Contains(t, dash, "charges no fees")
	require.Contains(t, dash, `stream <span class="mono">aartha-loans</span>, publisher`)
}

// uiClient is a browser without JavaScript: cookies, forms with their CSRF
// tokens.
type uiClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newUIClient(t *testing.T, base string) *uiClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &uiClient{t: t, base: base, hc: &http.Client{Jar: jar}}
	page := c.post("/admin/login", "/admin/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}})
	require.Contains(t, page, "Dashboard")
	return c
}

func (c *uiClient) get(path string) string {
	c.t.Helper()
	resp, err := c.hc.Get(c.base + path)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, "GET %s: %s", path, b)
	return string(b)
}

// post submits form to action with the CSRF token of the page at from, and
// returns the page it ends on.
func (c *uiClient) post(from, action string, form url.Values) string {
	c.t.Helper()
	m := csrfInput.FindStringSubmatch(c.get(from))
	require.NotNil(c.t, m, "no CSRF token on %s", from)
	form.Set("csrf", m[1])
	resp, err := c.hc.PostForm(c.base+action, form)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, "POST %s: %s", action, b)
	return string(b)
}

// TestMultiChainDemo runs `aartha demo` on a MultiChain stream in batch
// mode: the anchors become final, the receipts verify against the node,
// and the written receipt names the chain.
func TestMultiChainDemo(t *testing.T) {
	t.Parallel()
	vars, _ := multichainVars(t, "batch")
	path := filepath.Join(t.TempDir(), "receipt.json")
	out, err := run(t, context.Background(), vars, "demo", "--loans", "3", "--timeout", "90s", "--receipt", path)
	require.NoError(t, err, out)
	require.Contains(t, out, "Anchoring on MultiChain multichain:testchain, stream aartha-loans")
	require.Contains(t, out, "repaid record, batch mode")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var receipt map[string]any
	require.NoError(t, json.Unmarshal(raw, &receipt))
	require.Equal(t, "multichain:testchain", receipt["chain"])
	require.Equal(t, "batch", receipt["mode"])
	require.NotEmpty(t, receipt["root"])
}

// TestMultiChainPublisherMustBeInTheWallet: a publishing address whose key
// the node's wallet lacks is refused by init, check, serve and the doctor,
// naming MULTICHAIN_FROM_ADDRESS (every publish would fail with -709); a
// wallet that stops answering while the chain answers is reported by the
// doctor as such; a malformed MULTICHAIN_PUBLISHERS is refused naming it.
func TestMultiChainPublisherMustBeInTheWallet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	vars, node := multichainVars(t, "direct")
	outside := map[string]string{}
	for k, v := range vars {
		outside[k] = v
	}
	outside["MULTICHAIN_FROM_ADDRESS"] = node.ExternalAddress()
	for _, args := range [][]string{{"multichain", "init"}, {"multichain", "check"}, {"serve"}} {
		out, err := run(t, ctx, outside, args...)
		require.Error(t, err, "%v: %s", args, out)
		require.Contains(t, err.Error(), "MULTICHAIN_FROM_ADDRESS "+outside["MULTICHAIN_FROM_ADDRESS"], args)
		require.Contains(t, err.Error(), "not in the wallet", args)
	}
	out, err := run(t, ctx, outside, "doctor")
	require.Error(t, err)
	require.Contains(t, out, "PASS  multichain node")
	require.Contains(t, out, "FAIL  multichain wallet")

	node.HangWallet(true)
	t.Cleanup(func() { node.HangWallet(false) })
	out, err = run(t, ctx, vars, "doctor", "--timeout", "500ms")
	require.Error(t, err)
	require.Contains(t, out, "PASS  multichain node", "chain calls still answer")
	require.Contains(t, out, "FAIL  multichain wallet")
	require.Contains(t, out, "its wallet did not answer validateaddress in time")
	node.HangWallet(false)

	bad := map[string]string{}
	for k, v := range vars {
		bad[k] = v
	}
	bad["MULTICHAIN_PUBLISHERS"] = vars["MULTICHAIN_FROM_ADDRESS"] + ",0xnot-an-address"
	_, err = run(t, ctx, bad, "multichain", "check")
	require.ErrorContains(t, err, "MULTICHAIN_PUBLISHERS")
}
