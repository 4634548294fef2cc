package simchain_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/simchain"
)

// TestRPCAnswersBrowsersFromAnyOrigin: the offline verifier page, opened
// from a file (origin "null") or any site, may call the JSON-RPC: the
// preflight is answered and so is the call.
func TestRPCAnswersBrowsersFromAnyOrigin(t *testing.T) {
	t.Parallel()
	c := start(t, simchain.Options{RPCAddr: "127.0.0.1:0"})
	for _, origin := range []string{"null", "https://verifier.example"} {
		req, err := http.NewRequest(http.MethodOptions, c.RPCURL(), nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Less(t, resp.StatusCode, 300, origin)
		require.Contains(t, []string{"*", origin}, resp.Header.Get("Access-Control-Allow-Origin"), origin)
		require.Contains(t, strings.ToLower(resp.Header.Get("Access-Control-Allow-Methods")), "post", origin)

		req, err = http.NewRequest(http.MethodPost, c.RPCURL(), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`))
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "application/json")
		resp, err = http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Contains(t, []string{"*", origin}, resp.Header.Get("Access-Control-Allow-Origin"), origin)
		require.Contains(t, string(body), `"result":"0x539"`) // 1337
	}
}
