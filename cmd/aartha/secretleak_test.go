package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// leakVault is a wire-level fake of Vault's KV v2 read (GET
// /v1/secret/data/aartha with X-Vault-Token) holding the service's
// secrets; fail makes it answer 503 as a sealed Vault does.
type leakVault struct {
	mu    sync.Mutex
	token string
	data  map[string]any
	fail  bool
	reads int
}

func (v *leakVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reads++
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Header.Get("X-Vault-Token") != v.token:
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"errors":["permission denied"]}`)
	case v.fail:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"errors":["Vault is sealed"]}`)
	case r.Method != http.MethodGet || r.URL.Path != "/v1/secret/data/aartha":
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"errors":[]}`)
	default:
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"data": v.data, "metadata": map[string]any{"version": 1}}})
	}
}

func (v *leakVault) set(key string, value any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.data[key] = value
}

// TestNoSecretLeaks runs the lifecycle — migrate, deploy, serve, create,
// approve, anchor, verify, repay, receipt, audit, doctor, metrics, a JWT
// key rotation and a failing secret store — with debug logging and secrets
// that come from Vault references, a _FILE and plain variables, then looks
// for every secret value in the logs, command output and errors, metrics,
// HTTP answers and every database row.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	_, chainURL, chainKey := httpChain(t)
	dbURL := postgresURL(t)

	const (
		jwtKey     = "leakcheck-jwt-Qx7Vb2Nm9Lp4Rt6Ws1Yz3Kd8"
		jwtKey2    = "leakcheck-jwt2-Hs5Ug3Ej1Oa8Ic7Xf2Nr9"
		adminPW    = "leakcheck-admin-Pw5Hj8Ua"
		hookToken  = "leakcheck-hook-T0k3nBb"
		smtpPW     = "leakcheck-smtp-Zz81Yq"
		dbPW       = "leakcheck-db-Pg62Ww"
		vaultToken = "hvs.leakcheck-vault-Tk44"
	)
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hooks.Close)
	vault := &leakVault{token: vaultToken, data: map[string]any{
		"jwt": jwtKey, "private_key": "0x" + chainKey, "webhook": hooks.URL + "/hooks/" + hookToken,
		"smtp_password": smtpPW, "db_password": dbPW,
	}}
	vaultSrv := httptest.NewServer(vault)
	t.Cleanup(vaultSrv.Close)
	tokenFile := filepath.Join(t.TempDir(), "vault-token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(vaultToken+"\n"), 0o600))
	secretValues := []string{jwtKey, jwtKey2, adminPW, hookToken, smtpPW, dbPW, vaultToken, chainKey, strings.ToUpper(chainKey)}

	var outputs []string // every command's output and error
	deployOut, err := runDeploy(ctx, map[string]string{"BLOCKCHAIN_RPC_URL": chainURL, "BLOCKCHAIN_PRIVATE_KEY": chainKey})
	require.NoError(t, err, deployOut)
	outputs = append(outputs, deployOut)
	registry := regexp.MustCompile(`BLOCKCHAIN_CONTRACT_ADDRESS=(0x[0-9a-fA-F]{40})`).FindStringSubmatch(deployOut)
	require.NotNil(t, registry, deployOut)

	vars := map[string]string{
		"AARTHA_DATA_DIR": t.TempDir(), "AARTHA_LOG_LEVEL": "debug", "AARTHA_SECRET_REFRESH": "500ms",
		"VAULT_ADDR": vaultSrv.URL, "VAULT_TOKEN_FILE": tokenFile,
		"DATABASE_URL": dbURL, "DATABASE_PASSWORD": "vault://secret/aartha#db_password",
		"JWT_SECRET_KEY":         "vault://secret/aartha#jwt",
		"BLOCKCHAIN_PRIVATE_KEY": "vault://secret/aartha#private_key",
		"BLOCKCHAIN_WEBHOOK_URL": "vault://secret/aartha#webhook",
		"SMTP_USERNAME":          "alerts", "SMTP_PASSWORD": "vault://secret/aartha#smtp_password",
		"AARTHA_ADMIN_EMAIL": testAdminEmail, "AARTHA_ADMIN_PASSWORD": adminPW,
		"BLOCKCHAIN_RPC_URL": chainURL, "BLOCKCHAIN_CONTRACT_ADDRESS": registry[1],
		"BLOCKCHAIN_CONFIRMATIONS": "1", "BLOCKCHAIN_ANCHOR_MODE": "direct",
	}
	out, err := run(t, ctx, vars, "migrate")
	require.NoError(t, err, out)
	outputs = append(outputs, out)
	out, err = run(t, ctx, vars, "config", "check")
	require.NoError(t, err, out)
	require.Contains(t, out, "vault://secret/aartha#jwt", "config check shows the reference")
	outputs = append(outputs, out)
	// A broken reference fails naming the reference, not a value.
	bad := map[string]string{}
	for k, v := range vars {
		bad[k] = v
	}
	bad["SMTP_PASSWORD"] = "vault://secret/aartha#nope"
	out, err = run(t, ctx, bad, "config", "check")
	require.ErrorContains(t, err, "SMTP_PASSWORD: cannot fetch secret reference: vault://secret/aartha#nope: key not found in the secret")
	outputs = append(outputs, out, err.Error())

	// serve runs in this process, like startServe, keeping its output.
	vars["AARTHA_LISTEN_ADDR"] = freeAddr(t)
	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	var logs lockedBuffer
	served := make(chan error, 1)
	go func() {
		out, err := run(t, serveCtx, vars, "serve")
		_, _ = logs.Write([]byte(out))
		served <- err
	}()
	c := &apiClient{t: t, base: "http://" + vars["AARTHA_LISTEN_ADDR"]}
	waitReady(t, c.base)
	var answers []string // every HTTP answer, re-encoded
	call := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		code, got := c.do(method, path, body)
		b, _ := json.Marshal(got)
		answers = append(answers, string(b))
		return code, got
	}
	login := func() string {
		t.Helper()
		c.token = ""
		code, body := call(http.MethodPost, "/api/auth/login", map[string]string{"email": testAdminEmail, "password": adminPW})
		require.Equal(t, http.StatusOK, code, body)
		return body["access_token"].(string)
	}
	c.token = login()
	code, body := call(http.MethodPost, "/api/auth/login", map[string]string{"email": testAdminEmail, "password": "wrong-" + adminPW[:4]})
	require.Equal(t, http.StatusUnauthorized, code, body)

	const id = "LEAK-1"
	code, body = call(http.MethodPost, "/api/admin/loans", map[string]any{
		"loan_id": id, "borrower": "cust-42", "lender": "bank-1",
		"principal": "150000", "currency": "INR", "interest_rate_bps": 1250, "term_months": 12,
	})
	require.Equal(t, http.StatusCreated, code, body)
	code, body = call(http.MethodPost, "/api/admin/loans/"+id+"/approve", nil)
	require.Equal(t, http.StatusOK, code, body)
	code, body = call(http.MethodPost, "/api/admin/loans/"+id+"/blockchain/store?wait=30s", nil)
	require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, code, body)
	verified := func(record string) {
		eventually(t, time.Minute, "verify "+record, func() (bool, any) {
			code, body := call(http.MethodGet, "/api/admin/loans/"+id+"/blockchain/verify?record="+record, nil)
			return code == http.StatusOK && body["verified"] == true, body
		})
	}
	verified("approved")
	code, body = call(http.MethodPost, "/api/admin/loans/"+id+"/blockchain/mark-repaid", map[string]string{"amount_repaid": "168000"})
	require.Equal(t, http.StatusOK, code, body)
	verified("repaid")
	for _, path := range []string{"/api/admin/loans/" + id + "/blockchain/receipt?record=repaid", "/api/admin/audit?limit=500",
		"/api/admin/doctor", "/api/admin/loans", "/health", "/ready"} {
		call(http.MethodGet, path, nil)
	}

	// The JWT key is rotated in Vault: the service signs with the new key
	// and still accepts tokens of the old one.
	oldToken := c.token
	vault.set("jwt", jwtKey2)
	var newToken string
	eventually(t, 30*time.Second, "JWT key rotation", func() (bool, any) {
		newToken = login()
		_, err := jwt.Parse(newToken, func(*jwt.Token) (any, error) { return []byte(jwtKey2), nil })
		return err == nil, err
	})
	for _, tok := range []string{oldToken, newToken} {
		c.token = tok
		code, body = call(http.MethodGet, "/api/admin/loans/"+id, nil)
		require.Equal(t, http.StatusOK, code, body)
	}

	// Vault fails: the last good values stay in use, an alert metric is set.
	vault.mu.Lock()
	vault.fail = true
	vault.mu.Unlock()
	metricsText := func() string {
		resp, err := http.Get(c.base + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	eventually(t, 30*time.Second, "refresh failure metric", func() (bool, any) {
		return strings.Contains(metricsText(), `aartha_secret_refresh_failing{variable="JWT_SECRET_KEY"} 1`), nil
	})
	code, body = call(http.MethodGet, "/api/admin/loans/"+id, nil)
	require.Equal(t, http.StatusOK, code, body)
	metrics := metricsText()
	require.Contains(t, metrics, "aartha_secret_refresh_failures_total")

	stopServe()
	require.NoError(t, <-served)
	require.Contains(t, logs.String(), "level=DEBUG", "the service ran with debug logging")
	require.Contains(t, logs.String(), `msg="secret rotated; the new value is in use" variable=JWT_SECRET_KEY`)
	require.Contains(t, logs.String(), `msg="secret refresh failed; keeping the last good value" variable=JWT_SECRET_KEY ref=vault://secret/aartha#jwt`)

	// Every row of every table, as JSON.
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Contains(t, tables, "audit_log")
	var dump []string
	for _, table := range tables {
		var rowsJSON *string
		require.NoError(t, conn.QueryRow(ctx, `SELECT json_agg(t)::text FROM `+pgx.Identifier{table}.Sanitize()+` t`).Scan(&rowsJSON))
		if rowsJSON != nil {
			dump = append(dump, *rowsJSON)
		}
	}
	require.Contains(t, strings.Join(dump, "\n"), id, "the dump holds the loan, so it is the right database")

	where := map[string]string{
		"serve logs and output": logs.String(), "command output and errors": strings.Join(outputs, "\n"),
		"metrics": metrics, "HTTP answers": strings.Join(answers, "\n"), "database rows": strings.Join(dump, "\n"),
	}
	for place, text := range where {
		for _, secret := range secretValues {
			require.NotContains(t, text, secret, "a secret value appears in the %s", place)
		}
		require.NotContains(t, text, "leakcheck-", "a secret value appears in the %s", place)
	}
}
