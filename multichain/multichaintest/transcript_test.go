package multichaintest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/multichain/multichaintest"
)

// exchange is one request of the transcript with the answer the real node
// gave: HTTP status and body. Status 0 means the transcript lost the end of
// the answer (it cut some long lines).
type exchange struct {
	line       int
	request    string
	body       string
	status     int
	mineBefore bool
}

func readTranscript(t *testing.T) []exchange {
	t.Helper()
	f, err := os.Open("../testdata/real-node-transcript.txt")
	require.NoError(t, err)
	defer f.Close()
	var (
		out     []exchange
		cur     *exchange
		waiting bool
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ">>> "):
			out = append(out, exchange{line: n, request: strings.TrimPrefix(line, ">>> "), mineBefore: waiting})
			cur, waiting = &out[len(out)-1], false
		case strings.HasPrefix(line, "<<< HTTP "):
			if cur != nil {
				cur.status, _ = strconv.Atoi(strings.TrimPrefix(line, "<<< HTTP "))
				cur = nil
			}
		case strings.HasPrefix(line, "--- waiting for a block"):
			waiting = true
		case cur != nil && cur.body == "" && strings.HasPrefix(line, "{"):
			cur.body = line
		}
	}
	require.NoError(t, sc.Err())
	return out
}

var (
	hash64    = regexp.MustCompile(`"[0-9a-f]{64}"`)
	timeField = regexp.MustCompile(`"(blocktime|time|timereceived)":\d+`)
)

// TestReplayTranscript sends every request of the real node's transcript to
// the fake, in order, and compares: the HTTP status always; the error code
// and message of every error (the help text by its first line); and, for
// the stream calls, the whole answer with hashes and times masked and the
// real node's addresses and txids mapped to the fake's.
func TestReplayTranscript(t *testing.T) {
	t.Parallel()
	node := multichaintest.Start(t, multichaintest.Options{})
	ex := readTranscript(t)
	require.Greater(t, len(ex), 30)

	// The transcript's addresses: the node's own, and one made later.
	realToFake := map[string]string{
		"1W1Ph4dZrZ8rLt3cxwUhgs2eJr49Kq77yxVZvZ": node.Address(),
		"1VosG7SydwufKXq3PRo4kxJsCK5aeseruX1hp5": node.NewAddress(),
	}
	mapIDs := func(s string) string {
		for r, f := range realToFake {
			s = strings.ReplaceAll(s, r, f)
		}
		return s
	}
	compareWhole := map[string]bool{
		"create": true, "liststreams": true, "subscribe": true, "liststreamkeyitems": true,
		"liststreamitems": true, "getstreamitem": true,
	}
	var errorsCompared, wholeCompared int
	for _, e := range ex {
		var req struct {
			Method string `json:"method"`
		}
		require.NoError(t, json.Unmarshal([]byte(e.request), &req), "line %d", e.line)
		if e.mineBefore {
			node.Mine() // the transcript's items were two blocks deep after the wait
			node.Mine()
		}
		password := node.Password
		if e.status == http.StatusUnauthorized {
			password = "wrong"
		}
		status, body := post(t, node, mapIDs(e.request), password)
		if e.status == 0 {
			continue // the transcript lost this answer
		}
		require.Equal(t, e.status, status, "line %d: %s", e.line, e.request)
		if e.body == "" {
			require.Empty(t, strings.TrimSpace(body), "line %d: an empty body", e.line)
			continue
		}
		var want, got struct {
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		require.NoError(t, json.Unmarshal([]byte(e.body), &want), "line %d", e.line)
		require.NoError(t, json.Unmarshal([]byte(body), &got), "line %d", e.line)
		if want.Error != nil {
			require.NotNil(t, got.Error, "line %d: %s", e.line, e.request)
			require.Equal(t, want.Error.Code, got.Error.Code, "line %d", e.line)
			wantMsg, _, _ := strings.Cut(want.Error.Message, "\n")
			gotMsg, _, _ := strings.Cut(got.Error.Message, "\n")
			require.Equal(t, strings.TrimSpace(wantMsg), strings.TrimSpace(gotMsg), "line %d", e.line)
			errorsCompared++
			continue
		}
		require.Nil(t, got.Error, "line %d: %s", e.line, body)
		// Learn the fake's txid for each txid the real node returned.
		var wantID, gotID string
		if json.Unmarshal(want.Result, &wantID) == nil && json.Unmarshal(got.Result, &gotID) == nil && len(wantID) == 64 {
			realToFake[wantID] = gotID
		}
		if compareWhole[req.Method] {
			require.JSONEq(t, mask(mapIDs(string(want.Result))), mask(string(got.Result)), "line %d: %s", e.line, e.request)
			wholeCompared++
		}
		if req.Method == "getrawtransaction" || req.Method == "getwallettransaction" {
			compareFields(t, e.line, mapIDs(string(want.Result)), string(got.Result), "txid", "blockhash", "confirmations")
		}
		if req.Method == "getinfo" || req.Method == "getblockchaininfo" {
			compareFields(t, e.line, string(want.Result), string(got.Result), "chainname", "blocks")
		}
	}
	require.True(t, node.Crashed(), "the transcript ends with stop")
	require.Equal(t, 9, errorsCompared, "every error answer of the transcript")
	require.GreaterOrEqual(t, wholeCompared, 12)
}

func post(t *testing.T, node *multichaintest.Node, body, password string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, node.URL, bytes.NewBufferString(body))
	require.NoError(t, err)
	req.SetBasicAuth(node.User, password)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(data)
}

// mask hides what differs between any two nodes: hashes and clock times.
func mask(s string) string {
	s = hash64.ReplaceAllString(s, `"<hash>"`)
	return timeField.ReplaceAllString(s, `"$1":0`)
}

func compareFields(t *testing.T, line int, want, got string, fields ...string) {
	t.Helper()
	var w, g map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(want), &w))
	require.NoError(t, json.Unmarshal([]byte(got), &g))
	for _, f := range fields {
		require.Equal(t, mask(string(w[f])), mask(string(g[f])), "line %d: field %s", line, f)
	}
}
