package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/doctor"
)

// TestDoctorAgainstARunningService diagnoses a running `aartha serve` with
// its embedded chain: all green; then, with the service stopped, the chain
// check fails and the exit status says so.
func TestDoctorAgainstARunningService(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{
		"AARTHA_DATA_DIR": dir, "AARTHA_DEV_CHAIN_RPC": freeAddr(t), "AARTHA_LISTEN_ADDR": freeAddr(t),
		"BLOCKCHAIN_MAX_GAS_PRICE": "500",
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, vars, "serve")
		done <- err
	}()
	require.Eventually(t, func() bool {
		r, err := http.Get("http://" + vars["AARTHA_LISTEN_ADDR"] + "/health")
		if err != nil {
			return false
		}
		r.Body.Close()
		return true
	}, 2*time.Minute, 100*time.Millisecond)

	out, err := run(t, context.Background(), vars, "doctor", "--json")
	require.NoError(t, err, out)
	var report doctor.Report
	require.NoError(t, json.Unmarshal([]byte(out[:len(out)]), &report), out)
	require.Equal(t, doctor.Pass, report.Worst, out)
	names := map[string]doctor.Status{}
	for _, c := range report.Checks {
		names[c.Name] = c.Status
	}
	for _, want := range []string{"database", "anchor failure rate", "rpc embedded", "registry", "finality", "fees", "signer balance", "transactions"} {
		require.Equal(t, doctor.Pass, names[want], "check %q in %s", want, out)
	}

	cancel()
	require.NoError(t, <-done)
	out, err = run(t, context.Background(), vars, "doctor")
	var ec exitCode
	require.True(t, errors.As(err, &ec), "%v", err)
	require.Equal(t, 2, ec.code)
	require.Contains(t, out, "FAIL  rpc embedded")
}
