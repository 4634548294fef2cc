package main

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPersonalDataLeavesNoTrace runs `aartha serve` with encryption on and
// debug logs, takes a loan through create, approve, anchor, repay, anchor
// and erase over the API, checks that the borrower's receipts still verify
// (the public endpoint and `aartha verify` against the chain), stops the
// service, and then searches everything it wrote — its log output and every
// file of its data directory (the database with its WAL, the keyring, the
// embedded chain) — for the loan's personal values, as text and (addresses)
// as raw bytes, and for the loan's wrapped data key (read from the keyring
// before the erasure): none is there, so no copy of these files taken after
// the erasure opens the loan.
func TestPersonalDataLeavesNoTrace(t *testing.T) {
	dir := t.TempDir()
	rpcAddr := freeAddr(t)
	p := startServeProc(t, "serve", map[string]string{
		"AARTHA_DATA_DIR":       dir,
		"AARTHA_DEV_CHAIN_RPC":  rpcAddr,
		"AARTHA_PII_MASTER_KEY": hex.EncodeToString(bytes.Repeat([]byte{0x5a}, 32)),
		"AARTHA_LOG_LEVEL":      "debug",
	})
	c := newLoadClient(t, p.base)
	const (
		borrower     = "Trace Kalyani Borrower-77123"
		lender       = "Trace Lender Sahyadri-88412"
		borrowerAddr = "0x5a1f3c9e77b2d4a6c8e0f1a3b5c7d9e1f3a5b7c9"
		lenderAddr   = "0x6b2e4d8f11a3c5e7092b4d6f8a1c3e5079b1d3f5"
	)
	loan := testLoan("trace-1")
	loan["borrower"], loan["lender"], loan["borrower_address"], loan["lender_address"] = borrower, lender, borrowerAddr, lenderAddr
	code, body, err := c.call(http.MethodPost, "/api/admin/loans", loan)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code, body)
	code, body, err = c.call(http.MethodPost, "/api/admin/loans/trace-1/approve", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, body)
	waitForField(t, c, "/api/admin/loans/trace-1", "blockchain_status", "confirmed")
	code, body, err = c.call(http.MethodPost, "/api/admin/loans/trace-1/blockchain/mark-repaid", map[string]string{"amount_repaid": "168000"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, body)
	waitForField(t, c, "/api/admin/loans/trace-1", "repayment_blockchain_status", "confirmed")
	// The borrower's receipts, handed out before the erasure.
	receipts := map[string]string{}
	for _, record := range []string{"approved", "repaid"} {
		b := c.raw(t, "/api/admin/loans/trace-1/blockchain/receipt?record="+record)
		receipts[record] = filepath.Join(t.TempDir(), record+".json")
		require.NoError(t, os.WriteFile(receipts[record], b, 0o600))
	}

	// The loan's wrapped data key, as the keyring file holds it now.
	ring, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "keyring.db")+"?mode=ro")
	require.NoError(t, err)
	var wrappedKey []byte
	require.NoError(t, ring.QueryRow("SELECT wrapped FROM pii_data_keys WHERE loan_id = 'trace-1'").Scan(&wrappedKey))
	require.NoError(t, ring.Close())
	require.NotEmpty(t, wrappedKey)

	code, body, err = c.call(http.MethodPost, "/api/admin/loans/trace-1/erase", map[string]string{"reason": "borrower asked"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, body)
	code, body, err = c.call(http.MethodGet, "/api/admin/loans/trace-1", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "", body["borrower"])
	require.NotEmpty(t, body["erased_at"])

	// The receipts keep verifying: through the public verify endpoint
	// (no login) and with `aartha verify` against the chain alone.
	for record, path := range receipts {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		resp, err := http.Post(p.base+"/api/verify", "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		var verdict map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&verdict))
		resp.Body.Close()
		require.Equal(t, true, verdict["verified"], "%s receipt after the erasure: %v", record, verdict)
		out, err := runProc(t, t.Context(), nil, "verify", path, "--rpc", "http://"+rpcAddr)
		require.NoError(t, err, out)
		require.Contains(t, out, "verified: loan trace-1, "+record+" record")
	}

	p.signal(syscall.SIGTERM)
	require.NoError(t, p.wait(time.Minute))

	needles := map[string][]byte{}
	for _, v := range []string{borrower, lender, borrowerAddr, lenderAddr} {
		needles[v] = []byte(v)
		needles[v+" (lower case)"] = []byte(strings.ToLower(v))
	}
	for _, a := range []string{borrowerAddr, lenderAddr} {
		raw, err := hex.DecodeString(a[2:])
		require.NoError(t, err)
		needles[a+" (raw bytes)"] = raw
		needles[a+" (hex without 0x)"] = []byte(a[2:])
	}
	needles["the wrapped data key"] = wrappedKey
	haystacks := map[string][]byte{"the service's output": []byte(p.out.String())}
	files := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		haystacks[path] = b
		files++
		return nil
	}))
	require.Contains(t, haystacks, filepath.Join(dir, "keyring.db"), "the keyring is in the data directory")
	require.Greater(t, files, 3)
	for where, b := range haystacks {
		for what, n := range needles {
			require.False(t, bytes.Contains(b, n), "%s holds %s", where, what)
		}
	}
	require.Contains(t, p.out.String(), "trace-1", "the output does mention the loan, so the search is not empty")
}

// raw GETs path as the logged-in client and returns the body as sent.
func (c *loadClient) raw(t *testing.T, path string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	return b
}

// waitForField polls a JSON resource until field has the value want.
func waitForField(t *testing.T, c *loadClient, path, field, want string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, body, err := c.call(http.MethodGet, path, nil)
		if err == nil && code == http.StatusOK && body[field] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s is not %q after 2 minutes: %d %v %v", path, field, want, code, body, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
