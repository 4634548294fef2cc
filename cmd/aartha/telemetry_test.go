package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/telemetry/telemetrytest"
)

// TestServeSendsTracesWithoutSecrets runs `aartha serve` against a stand-in
// OTLP collector and Sentry, walks a loan onto the embedded chain, stops
// the server and looks at what arrived: server spans for the requests, a
// span for the anchoring send, and none of the secrets.
func TestServeSendsTracesWithoutSecrets(t *testing.T) {
	t.Parallel()
	const sentryKey = "fedcba9876543210fedcba9876543210"
	sentry := telemetrytest.NewSentry(t, sentryKey, "7")
	collector := telemetrytest.NewCollector(t)
	addr := freeAddr(t)
	vars := map[string]string{
		"AARTHA_DATA_DIR": t.TempDir(), "AARTHA_DEV_CHAIN_RPC": "127.0.0.1:0", "AARTHA_LISTEN_ADDR": addr,
		"BLOCKCHAIN_ANCHOR_MODE": "direct",
		"AARTHA_ADMIN_EMAIL":     testAdminEmail, "AARTHA_ADMIN_PASSWORD": testAdminPassword,
		"JWT_SECRET_KEY": testJWTKey,
		"SENTRY_DSN":     sentry.DSN, "OTEL_EXPORTER_OTLP_ENDPOINT": collector.Endpoint,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = run(t, ctx, vars, "serve")
		done <- err
	}()
	c := &apiClient{t: t, base: "http://" + addr}
	waitReady(t, c.base)
	c.login(testAdminEmail, testAdminPassword)

	id := "TRACE-1"
	code, body := c.do("POST", "/api/admin/loans", map[string]any{
		"loan_id": id, "borrower": "cust-42", "lender": "bank-1",
		"principal": "150000", "currency": "INR", "interest_rate_bps": 1250, "term_months": 12,
	})
	require.Equal(t, http.StatusCreated, code, body)
	code, body = c.do("POST", "/api/admin/loans/"+id+"/approve", nil)
	require.Equal(t, http.StatusOK, code, body)
	code, body = c.do("POST", "/api/admin/loans/"+id+"/blockchain/store?wait=20s", nil)
	require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, code, body)
	eventually(t, 60*time.Second, "anchor final", func() (bool, any) {
		code, body := c.do("GET", "/api/admin/loans/"+id+"/blockchain/verify?record=approved", nil)
		return code == http.StatusOK && body["verified"] == true, body
	})

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err, out)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}

	// Stopping flushed everything: no waiting needed.
	raw := collector.Raw()
	for _, secret := range []string{testJWTKey, testAdminPassword, c.token} {
		require.NotContains(t, raw, secret)
	}
	var approve, send bool
	for _, s := range collector.Spans() {
		if strings.HasSuffix(telemetrytest.Attr(s, "http.route"), "/approve") && telemetrytest.Attr(s, "http.response.status_code") == "200" {
			approve = true
		}
		if s.GetName() == "anchor.send" {
			send = true
			var steps []string
			for _, e := range s.GetEvents() {
				steps = append(steps, e.GetName())
			}
			require.Contains(t, steps, string(ledger.AnchorSubmitted), "span events: %v", steps)
		}
		require.NotEqual(t, "/ready", telemetrytest.Attr(s, "url.path"))
	}
	require.True(t, approve, "a server span for the approve request")
	require.True(t, send, "a span for the anchoring send")
	require.Contains(t, collector.Resource(), "service.name=aartha")
	require.Empty(t, sentry.Envelopes(), "healthy traffic reports nothing")
}
