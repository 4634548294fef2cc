package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// forgeries are edits of a genuine receipt that a forger could make: every
// field the verifier passes to the chain, set to values the chain refuses
// or that lead nowhere. None may make verification error out.
func forgeries(receipt map[string]any) map[string]map[string]any {
	const hash = "0x4242424242424242424242424242424242424242424242424242424242424242"
	edits := map[string]func(r map[string]any){
		"block number past the head": func(r map[string]any) { r["block_number"] = 999999 },
		"largest block number":       func(r map[string]any) { r["block_number"] = json.RawMessage("18446744073709551615") },
		"block number zero":          func(r map[string]any) { r["block_number"] = 0 },
		"unknown transaction":        func(r map[string]any) { r["tx_hash"] = hash },
		"zero transaction":           func(r map[string]any) { r["tx_hash"] = "0x" + zeros(64) },
		"another block hash":         func(r map[string]any) { r["block_hash"] = hash },
		"log index past the outputs": func(r map[string]any) { r["log_index"] = 99 },
		"log index beyond 32 bits":   func(r map[string]any) { r["log_index"] = json.RawMessage("4294967296") },
		"another contract":           func(r map[string]any) { r["contract"] = "0x4242424242424242424242424242424242424242" },
		"zero contract":              func(r map[string]any) { r["contract"] = "0x" + zeros(40) },
	}
	// Another chain of the same family: the chain id also picks which
	// kind of node `aartha verify` asks.
	if chain, _ := receipt["chain"].(string); strings.HasPrefix(chain, "multichain:") {
		edits["another chain"] = func(r map[string]any) { r["chain"] = "multichain:otherchain" }
	} else {
		edits["another chain"] = func(r map[string]any) { r["chain"] = "eip155:424242" }
	}
	if receipt["mode"] == "batch" {
		edits["huge batch sequence"] = func(r map[string]any) { r["batch_seq"] = json.RawMessage("18446744073709551615") }
		edits["unknown root"] = func(r map[string]any) { r["root"] = hash }
		edits["proof of garbage"] = func(r map[string]any) { r["proof"] = []string{hash, hash, hash} }
	}
	out := map[string]map[string]any{}
	for name, edit := range edits {
		r := maps.Clone(receipt)
		edit(r)
		out[name] = r
	}
	return out
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// requireForgeriesFail posts every forgery of a genuine receipt to the
// public POST /api/verify — each must answer 200 with verified false, never
// a 5xx — and, when verifyArgs is set, checks it with `aartha verify`
// (verifyArgs gives the flags after the receipt's path), which must report
// the failed checks, not stop with an error of its own.
func requireForgeriesFail(t *testing.T, public *apiClient, receipt map[string]any, verifyArgs []string) {
	t.Helper()
	dir := t.TempDir()
	for name, forged := range forgeries(receipt) {
		code, body := public.do("POST", "/api/verify", forged)
		require.Equal(t, http.StatusOK, code, "%s: %v", name, body)
		require.Equal(t, false, body["verified"], name)
		if verifyArgs == nil {
			continue
		}
		raw, err := json.Marshal(forged)
		require.NoError(t, err)
		path := filepath.Join(dir, "forged.json")
		require.NoError(t, os.WriteFile(path, raw, 0o600))
		out, err := run(t, context.Background(), map[string]string{}, append([]string{"verify", path}, verifyArgs...)...)
		require.ErrorIs(t, err, errNotVerified{}, "%s: %s", name, out)
		require.Contains(t, out, "MISMATCH", name)
	}
}
