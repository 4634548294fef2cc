package multichaintest_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/multichain/multichaintest"
)

// recorded is one section of real-node-answers-2.md: a situation, the
// answer's first line (JSON, or the recording's words where it described
// the answer) and the HTTP status (0 when the section names none).
type recorded struct {
	title  string
	answer string
	status int
}

func readAnswers(t *testing.T) []recorded {
	t.Helper()
	f, err := os.Open("../testdata/real-node-answers-2.md")
	require.NoError(t, err)
	defer f.Close()
	var out []recorded
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "### "):
			out = append(out, recorded{title: strings.TrimPrefix(line, "### ")})
		case len(out) == 0 || line == "":
		case strings.HasPrefix(line, "<<< HTTP "):
			_, err := fmt.Sscanf(line, "<<< HTTP %d", &out[len(out)-1].status)
			require.NoError(t, err, line)
		case out[len(out)-1].answer == "":
			out[len(out)-1].answer = line
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// answerSetup is a fake node prepared as the recording's node was: a
// write-restricted stream "aartha-loans" the node is subscribed to with
// one raw item, and a stream "unsubscribed" it is not subscribed to with
// one item.
type answerSetup struct {
	node         *multichaintest.Node
	rawTxID      string // the item a1b2c3d4 in aartha-loans
	unsubTxID    string // the item in "unsubscribed"
	noPermission string // a wallet address without permissions
}

func setupAnswers(t *testing.T) answerSetup {
	t.Helper()
	n := multichaintest.Start(t, multichaintest.Options{})
	s := answerSetup{node: n, noPermission: n.NewAddress()}
	call := func(method string, params ...any) string {
		status, body := rpc(t, n, n.Password, method, params...)
		require.Equal(t, http.StatusOK, status, "%s: %s", method, body)
		var r struct{ Result json.RawMessage }
		require.NoError(t, json.Unmarshal([]byte(body), &r))
		var id string
		_ = json.Unmarshal(r.Result, &id)
		return id
	}
	call("create", "stream", "aartha-loans", false)
	call("subscribe", "aartha-loans")
	s.rawTxID = call("publish", "aartha-loans", "k", "a1b2c3d4")
	call("create", "stream", "unsubscribed", false)
	s.unsubTxID = call("publish", "unsubscribed", "k", "00")
	n.Mine() // the streams' creations are confirmed: they have refs
	return s
}

// TestReplayAnswers2 puts the fake in each situation of
// real-node-answers-2.md and compares its answer with the real node's:
// the HTTP status, the error code and message, and the shape of results.
// Every section of the file must have its replay here.
func TestReplayAnswers2(t *testing.T) {
	t.Parallel()
	s := setupAnswers(t)
	n := s.node
	const otherChainAddr = "1HrciRJS4XsqvFs3oKk3fXLfbMBAVRvAw5FdNo" // from the recording: another chain's
	external := n.ExternalAddress()
	unknown := strings.Repeat("0", 64)
	type replay struct {
		password string
		method   string
		params   []any
		// check, if set, compares what the recording describes in words.
		check func(t *testing.T, r recorded, status int, body string)
		// substitute maps the recording's values onto the fake's in the
		// expected message.
		substitute map[string]string
	}
	replays := map[string]replay{
		"publishfrom not-in-wallet (valid-format addr from another chain)": {
			method: "publishfrom", params: []any{otherChainAddr, "aartha-loans", "k", "00"}},
		"publishfrom in-wallet address without send": {
			method: "publishfrom", params: []any{s.noPermission, "aartha-loans", "k", "00"}},
		"create duplicate":                    {method: "create", params: []any{"stream", "aartha-loans", false}},
		"subscribe missing":                   {method: "subscribe", params: []any{"nosuch"}},
		"liststreams missing":                 {method: "liststreams", params: []any{"nosuch"}},
		"getblockhash out of range":           {method: "getblockhash", params: []any{999999}},
		"grant on unknown stream":             {method: "grant", params: []any{s.noPermission, "nosuch.write"}},
		"getstreamitem aartha-loans unknown":  {method: "getstreamitem", params: []any{"aartha-loans", unknown}},
		"getrawtransaction unknown":           {method: "getrawtransaction", params: []any{unknown, 1}},
		"gettxoutdata bad vout":               {method: "gettxoutdata", params: []any{s.rawTxID, 7}},
		"gettxoutdata vout 0":                 {method: "gettxoutdata", params: []any{s.rawTxID, 0}},
		"listpermissions send (no perm addr)": {method: "listpermissions", params: []any{"send", s.noPermission}},
		"publishfrom from a valid address of this chain whose private key is not in the node's wallet": {
			method: "publishfrom", params: []any{external, "aartha-loans", "k", "00"}},
		"getstreamitem on a stream the node is NOT subscribed to, unknown txid": {
			method: "getstreamitem", params: []any{"unsubscribed", unknown}},
		"listpermissions stream.write": {
			method: "listpermissions", params: []any{"aartha-loans.write", n.Address()},
			substitute: map[string]string{"1WF958bMTipRw2b5gyXxjk2tqh3hqN77hq9dGn": n.Address()}},
		"getstreamitem on a stream the node is NOT subscribed to, with a txid of an item in it": {
			method: "getstreamitem", params: []any{"unsubscribed", s.unsubTxID},
			check: func(t *testing.T, _ recorded, status int, body string) {
				require.Equal(t, http.StatusOK, status, body)
				item := result[map[string]any](t, body)
				require.Equal(t, s.unsubTxID, item["txid"])
				require.Contains(t, item, "confirmations")
				for _, list := range []struct {
					method string
					params []any
				}{{"liststreamitems", []any{"unsubscribed"}}, {"liststreamkeyitems", []any{"unsubscribed", "k"}}} {
					status, body := rpc(t, n, n.Password, list.method, list.params...)
					require.Equal(t, http.StatusInternalServerError, status)
					require.JSONEq(t, `{"code":-703,"message":"Not subscribed to this stream"}`, errorPart(t, body), list.method)
				}
			}},
		`listpermissions "<stream>.write": the "for" object`: {
			method: "listpermissions", params: []any{"aartha-loans.write", n.Address()},
			check: func(t *testing.T, r recorded, status int, body string) {
				require.Equal(t, http.StatusOK, status)
				wantJSON, _, _ := strings.Cut(r.answer, "   ")
				var want map[string]any
				require.NoError(t, json.Unmarshal([]byte(wantJSON), &want))
				perms := result[[]map[string]any](t, body)
				require.Len(t, perms, 1)
				got, ok := perms[0]["for"].(map[string]any)
				require.True(t, ok, "for is an object: %s", body)
				require.ElementsMatch(t, keys(want), keys(got), "no createtxid")
				require.Equal(t, "aartha-loans", got["name"])
				require.Regexp(t, streamRef, got["streamref"])
				require.Regexp(t, streamRef, want["streamref"])
			}},
		"wrong rpcpassword": {
			password: "wrong", method: "getinfo",
			check: func(t *testing.T, _ recorded, status int, body string) {
				require.Equal(t, http.StatusUnauthorized, status)
				require.Empty(t, strings.TrimSpace(body))
			}},
	}

	sections := readAnswers(t)
	require.Len(t, sections, len(replays), "one replay per recorded answer")
	for _, r := range sections {
		rp, ok := replays[r.title]
		require.True(t, ok, "no replay for the recorded answer %q", r.title)
		t.Run(r.title, func(t *testing.T) {
			password := rp.password
			if password == "" {
				password = n.Password
			}
			status, body := rpc(t, n, password, rp.method, rp.params...)
			if rp.check != nil {
				rp.check(t, r, status, body)
				return
			}
			require.Equal(t, r.status, status, body)
			want := r.answer
			for from, to := range rp.substitute {
				want = strings.ReplaceAll(want, from, to)
			}
			var wantEnv, gotEnv struct {
				Result json.RawMessage  `json:"result"`
				Error  *json.RawMessage `json:"error"`
			}
			require.NoError(t, json.Unmarshal([]byte(want), &wantEnv))
			require.NoError(t, json.Unmarshal([]byte(body), &gotEnv))
			if wantEnv.Error != nil {
				require.NotNil(t, gotEnv.Error, body)
				require.JSONEq(t, string(*wantEnv.Error), string(*gotEnv.Error))
				return
			}
			require.Nil(t, gotEnv.Error, body)
			require.JSONEq(t, maskRefs(string(wantEnv.Result)), maskRefs(string(gotEnv.Result)))
		})
	}
}

var (
	streamRef    = regexp.MustCompile(`^\d+-\d+-\d+$`)
	streamRefStr = regexp.MustCompile(`"\d+-\d+-\d+"`)
)

// maskRefs hides stream references, which differ between any two chains.
func maskRefs(s string) string { return streamRefStr.ReplaceAllString(s, `"<ref>"`) }

func rpc(t *testing.T, n *multichaintest.Node, password, method string, params ...any) (int, string) {
	t.Helper()
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": "t1", "method": method, "params": params})
	require.NoError(t, err)
	return post(t, n, string(body), password)
}

func result[T any](t *testing.T, body string) T {
	t.Helper()
	var env struct{ Result T }
	require.NoError(t, json.Unmarshal([]byte(body), &env), body)
	return env.Result
}

func errorPart(t *testing.T, body string) string {
	t.Helper()
	var env struct{ Error json.RawMessage }
	require.NoError(t, json.Unmarshal([]byte(body), &env), body)
	return string(env.Error)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
