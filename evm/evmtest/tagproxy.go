// Package evmtest holds test doubles for EVM nodes that misbehave in ways
// real ones do, placed in front of a real node (the embedded chain or geth).
package evmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TagProxy is a JSON-RPC proxy that answers for the "finalized" and "safe"
// block tags with the block Lag below the upstream node's head — Lag 0 is a
// node whose finality tags simply follow the head, as several development
// nodes and some L2 RPCs answer. Every other call passes through unchanged.
type TagProxy struct {
	URL string // the proxy's endpoint
	// lag is read on every call, so a test can change the node's story.
	lag      atomic.Uint64
	upstream string
}

// NewTagProxy starts a proxy in front of upstream (an HTTP JSON-RPC URL),
// closed when the test ends.
func NewTagProxy(t testing.TB, upstream string, lag uint64) *TagProxy {
	t.Helper()
	p := &TagProxy{upstream: upstream}
	p.lag.Store(lag)
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// SetLag changes how far below the head the finality tags answer.
func (p *TagProxy) SetLag(lag uint64) { p.lag.Store(lag) }

type rpcCall struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id,omitempty"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params,omitempty"`
}

func (p *TagProxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	trimmed := bytes.TrimSpace(body)
	var calls []rpcCall
	batch := len(trimmed) > 0 && trimmed[0] == '['
	if batch {
		err = json.Unmarshal(trimmed, &calls)
	} else {
		calls = make([]rpcCall, 1)
		err = json.Unmarshal(trimmed, &calls[0])
	}
	if err == nil {
		if body, err = p.rewrite(calls, batch); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
	}
	resp, err := http.Post(p.upstream, "application/json", bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// rewrite replaces the finality tags of eth_getBlockByNumber calls with a
// block number Lag below the head, and re-encodes the calls.
func (p *TagProxy) rewrite(calls []rpcCall, batch bool) ([]byte, error) {
	for i, c := range calls {
		if c.Method != "eth_getBlockByNumber" || len(c.Params) == 0 {
			continue
		}
		var tag string
		if json.Unmarshal(c.Params[0], &tag) != nil || (tag != "finalized" && tag != "safe") {
			continue
		}
		head, err := p.head()
		if err != nil {
			return nil, err
		}
		n := uint64(0)
		if lag := p.lag.Load(); head > lag {
			n = head - lag
		}
		calls[i].Params[0] = json.RawMessage(fmt.Sprintf(`"0x%x"`, n))
	}
	if batch {
		return json.Marshal(calls)
	}
	return json.Marshal(calls[0])
}

// head asks the upstream node for its latest block number.
func (p *TagProxy) head() (uint64, error) {
	resp, err := http.Post(p.upstream, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}`))
	if err != nil {
		return 0, fmt.Errorf("tag proxy: ask the head: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Result string `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, fmt.Errorf("tag proxy: read the head: %w", err)
	}
	var n uint64
	if _, err := fmt.Sscanf(out.Result, "0x%x", &n); err != nil {
		return 0, fmt.Errorf("tag proxy: head %q: %w", out.Result, err)
	}
	return n, nil
}
