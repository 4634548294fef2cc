package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testAdminEmail    = "ops@example.com"
	testAdminPassword = "a-long-test-password"
	testJWTKey        = "k7Qm2vX9pL4nR8sT1wY6zB3cF5hJ0dGa"
)

// apiClient talks to a running `aartha serve` over HTTP.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c *apiClient) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	if len(raw) > 0 {
		require.NoError(c.t, json.Unmarshal(raw, &out), "%s %s: %s", method, path, raw)
	}
	return resp.StatusCode, out
}

// eventually calls fn until it reports true, failing the test after limit.
func eventually(t *testing.T, limit time.Duration, what string, fn func() (bool, any)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last any
	for time.Now().Before(deadline) {
		ok, seen := fn()
		if ok {
			return
		}
		last = seen
		time.Sleep(150 * time.Millisecond)
	}
	t.Fatalf("%s: not done after %s; last answer: %v", what, limit, last)
}

// startServe runs `aartha serve` with vars (plus a test admin and key) and
// returns a logged-in client; the server stops when the test ends.
func startServe(t *testing.T, vars map[string]string) *apiClient {
	t.Helper()
	addr := freeAddr(t)
	vars["AARTHA_LISTEN_ADDR"] = addr
	vars["AARTHA_ADMIN_EMAIL"] = testAdminEmail
	vars["AARTHA_ADMIN_PASSWORD"] = testAdminPassword
	if _, ok := vars["JWT_SECRET_KEY"]; !ok {
		vars["JWT_SECRET_KEY"] = testJWTKey
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = run(t, ctx, vars, "serve")
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		err := <-done
		if t.Failed() || err != nil {
			t.Logf("serve output:\n%s", out)
		}
		require.NoError(t, err)
	})
	c := &apiClient{t: t, base: "http://" + addr}
	waitReady(t, c.base)
	c.login(testAdminEmail, testAdminPassword)
	return c
}

// TestAPILifecycle is the lifecycle integration test against the real server
// over HTTP: create, approve, store on chain (transaction hash), verify,
// mark repaid, verify again, on SQLite and PostgreSQL in direct and batch
// mode.
func TestAPILifecycle(t *testing.T) {
	t.Parallel()
	for _, tc := range storesAndModes {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{
				"AARTHA_DATA_DIR": t.TempDir(), "AARTHA_DEV_CHAIN_RPC": "127.0.0.1:0",
				"BLOCKCHAIN_ANCHOR_MODE": tc.mode, "BLOCKCHAIN_BATCH_WINDOW": "200ms",
			}
			if tc.postgres {
				vars["DATABASE_URL"] = postgresURL(t)
				_, err := run(t, context.Background(), vars, "migrate")
				require.NoError(t, err)
			}
			c := startServe(t, vars)
			id := "LIFE-" + strings.ReplaceAll(tc.name, " ", "-")

			code, body := c.do("POST", "/api/admin/loans", map[string]any{
				"loan_id": id, "borrower": "cust-42", "lender": "bank-1",
				"borrower_address": "0x00000000000000000000000000000000000000aa",
				"principal":        "150000", "currency": "INR", "interest_rate_bps": 1250, "term_months": 12,
			})
			require.Equal(t, http.StatusCreated, code, body)
			require.Equal(t, "submitted", body["status"])
			require.Equal(t, "150000", body["principal"])

			code, body = c.do("POST", "/api/admin/loans/"+id+"/approve", nil)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, "approved", body["status"])
			require.Equal(t, "queued", body["blockchain_status"])

			code, body = c.do("POST", "/api/admin/loans/"+id+"/blockchain/store?wait=20s", nil)
			require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, code, body)
			require.Regexp(t, "^0x[0-9a-f]{64}$", body["transaction_hash"], body)

			verify := func(record string) {
				eventually(t, 60*time.Second, "verify "+record, func() (bool, any) {
					code, body := c.do("GET", "/api/admin/loans/"+id+"/blockchain/verify?record="+record, nil)
					return code == http.StatusOK && body["verified"] == true, body
				})
			}
			verify("approved")
			code, body = c.do("GET", "/api/admin/loans/"+id+"/blockchain/verify", nil)
			require.Equal(t, http.StatusOK, code)
			require.Equal(t, tc.mode, body["mode"])
			require.NotEmpty(t, body["checks"])

			code, body = c.do("POST", "/api/admin/loans/"+id+"/blockchain/mark-repaid", map[string]string{"amount_repaid": "168000"})
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, "repaid", body["status"])
			require.Equal(t, "168000", body["amount_repaid"])

			verify("approved")
			verify("repaid")

			// The receipt verifies on the public endpoint too, without a login.
			code, receipt := c.do("GET", "/api/admin/loans/"+id+"/blockchain/receipt?record=repaid", nil)
			require.Equal(t, http.StatusOK, code)
			public := &apiClient{t: t, base: c.base}
			code, body = public.do("POST", "/api/verify", receipt)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, true, body["verified"])
			requireForgeriesFail(t, public, receipt, nil) // forged_test.go
			receipt["record"].(map[string]any)["amount_repaid"] = "1"
			code, body = public.do("POST", "/api/verify", receipt)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, false, body["verified"], "a tampered receipt does not verify")

			code, body = c.do("GET", "/api/admin/audit?loan_id="+id, nil)
			require.Equal(t, http.StatusOK, code)
			actions := map[string]bool{}
			for _, e := range body["entries"].([]any) {
				actions[e.(map[string]any)["action"].(string)] = true
			}
			require.True(t, actions["loan.create"] && actions["loan.approve"] && actions["loan.mark_repaid"], actions)

			code, body = c.do("GET", "/api/admin/loans?status=repaid&q=LIFE", nil)
			require.Equal(t, http.StatusOK, code)
			require.Len(t, body["loans"], 1)

			out, err := run(t, context.Background(), vars, "audit", "verify")
			require.NoError(t, err, out)
			require.Contains(t, out, "audit trail holds")
		})
	}
}

// waitReady waits until the server at base answers /ready with 200; a
// loaded machine may take a while to start one.
func waitReady(t *testing.T, base string) {
	t.Helper()
	require.Eventually(t, func() bool {
		r, err := http.Get(base + "/ready")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond)
}

// login signs the client in and keeps its access token.
func (c *apiClient) login(email, password string) {
	c.t.Helper()
	code, body := c.do("POST", "/api/auth/login", map[string]string{"email": email, "password": password})
	require.Equal(c.t, http.StatusOK, code, body)
	c.token = body["access_token"].(string)
}

// storesAndModes are the four setups the lifecycle tests run in: each
// database in each anchoring mode.
var storesAndModes = []struct {
	name, mode string
	postgres   bool
}{
	{"sqlite direct", "direct", false},
	{"sqlite batch", "batch", false},
	{"postgres direct", "direct", true},
	{"postgres batch", "batch", true},
}
