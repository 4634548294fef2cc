package multichain

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// maxResponseBytes bounds what the client reads of one answer.
const maxResponseBytes = 64 << 20

// ClientConfig says how to reach a node. Credentials come from User and
// Password, from user info in URL, or from a multichain.conf (ConfFile);
// setting them in two places is an error.
type ClientConfig struct {
	// URL is the node's JSON-RPC endpoint, e.g. http://127.0.0.1:19538. With
	// ConfFile it may be empty (http://127.0.0.1:<rpcport>) or lack a port.
	URL      string
	User     string
	Password string
	// ConfFile is a multichain.conf to read rpcuser, rpcpassword and
	// rpcport from.
	ConfFile string
	// HTTPClient defaults to http.DefaultTransport's client without an
	// overall timeout: each call is bounded by CallTimeout instead.
	HTTPClient *http.Client
	// CallTimeout bounds each call by its method; default
	// DefaultCallTimeout. A call that runs out of time is a
	// *TransportError whose Timeout reports true.
	CallTimeout func(method string) time.Duration
	// OnCall, if set, is told about every call: its method, its error (nil
	// on success) and how long it took — for metrics. It must not block.
	OnCall func(method string, err error, d time.Duration)
}

// Client is a JSON-RPC 1.0 client of one MultiChain node: HTTP POST, Basic
// auth, params always an array. It is safe for concurrent use. Errors are
// *RPCError (the node answered with an error), *AuthError (401/403) or
// *TransportError (no usable answer); none of them contains the password,
// and they name the node by host only.
type Client struct {
	endpoint string // without user info
	host     string
	user     string
	password string
	hc       *http.Client
	timeout  func(method string) time.Duration
	onCall   func(method string, err error, d time.Duration)
	nextID   atomic.Uint64
}

// NewClient resolves cfg into a client. It does not contact the node. Its
// errors are EINVALID and name the setting at fault.
func NewClient(cfg ClientConfig) (*Client, error) {
	user, password := cfg.User, cfg.Password
	raw := cfg.URL
	if cfg.ConfFile != "" {
		conf, err := ReadConf(cfg.ConfFile)
		if err != nil {
			return nil, err
		}
		if user != "" || password != "" {
			return nil, ledger.Errorf(ledger.EINVALID, "multichain credentials are given both directly and in %s: use one", cfg.ConfFile)
		}
		user, password = conf.User, conf.Password
		switch {
		case raw == "" && conf.Port == 0:
			return nil, ledger.Errorf(ledger.EINVALID, "multichain RPC URL is empty and %s has no rpcport", cfg.ConfFile)
		case raw == "":
			raw = "http://127.0.0.1:" + strconv.Itoa(conf.Port)
		}
		if u, err := url.Parse(raw); err == nil && u.Port() == "" && conf.Port != 0 {
			u.Host += ":" + strconv.Itoa(conf.Port)
			raw = u.String()
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, ledger.Errorf(ledger.EINVALID, "multichain RPC URL must be http(s)://host:port")
	}
	if u.User != nil {
		if user != "" || password != "" {
			return nil, ledger.Errorf(ledger.EINVALID, "multichain credentials are given both in the URL and elsewhere: use one")
		}
		user = u.User.Username()
		password, _ = u.User.Password()
		u.User = nil
	}
	if user == "" || password == "" {
		return nil, ledger.Errorf(ledger.EINVALID, "multichain rpcuser and rpcpassword are required (directly, in the URL or in multichain.conf)")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	timeout := cfg.CallTimeout
	if timeout == nil {
		timeout = DefaultCallTimeout
	}
	return &Client{endpoint: u.String(), host: u.Host, user: user, password: password, hc: hc, timeout: timeout, onCall: cfg.OnCall}, nil
}

// walletMethods are the calls a node answers from its wallet: a wallet
// that is locked, rescanning or stuck leaves them hanging while chain
// reads still answer.
var walletMethods = map[string]bool{
	"validateaddress": true, "getaddresses": true, "getnewaddress": true, "dumpprivkey": true,
	"publish": true, "publishfrom": true, "grant": true, "grantfrom": true, "create": true, "createfrom": true,
	"gettransaction": true, "getwallettransaction": true,
}

// IsWalletMethod reports whether the node answers method from its wallet.
func IsWalletMethod(method string) bool { return walletMethods[method] }

// DefaultCallTimeout is the time a call may take, by what the node does to
// answer it: reads of its chain state held in memory (getblockchaininfo,
// getinfo, getblockhash, listpermissions, liststreams, subscribe) 10 s;
// wallet calls, which a busy or locked wallet holds up (validateaddress,
// getaddresses, publishfrom, grant, create, ...) 20 s; reads that walk a
// stream or the transaction index (liststreamitems, liststreamkeyitems, a
// page of up to PageSize items; getstreamitem, getrawtransaction,
// gettxoutdata, which may be large) 60 s; anything else 30 s.
func DefaultCallTimeout(method string) time.Duration {
	switch method {
	case "getblockchaininfo", "getinfo", "getblockcount", "getblockhash", "listpermissions", "liststreams", "subscribe", "getblockchainparams":
		return 10 * time.Second
	case "liststreamitems", "liststreamkeyitems", "getstreamitem", "getrawtransaction", "gettxoutdata":
		return 60 * time.Second
	}
	if walletMethods[method] {
		return 20 * time.Second
	}
	return 30 * time.Second
}

// Host is the node's host:port, fit for messages.
func (c *Client) Host() string { return c.host }

// String names the client by host only.
func (c *Client) String() string { return "multichain node at " + c.host }

// request and response are JSON-RPC 1.0 envelopes.
type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      string `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// txidParams lists, for the methods that take transaction ids, the positions
// of those ids in params. Call refuses to send one that is not 64 hex
// digits: a malformed txid has crashed a real node.
var txidParams = map[string][]int{
	"getstreamitem":        {1},
	"getrawtransaction":    {0},
	"gettransaction":       {0},
	"getwallettransaction": {0},
	"gettxout":             {0},
	"gettxoutdata":         {0},
	"getblock":             {}, // takes a hash or a height; checked in checkTxIDs
}

// Call sends one JSON-RPC call and decodes its result into result (which
// may be nil). params nil is sent as []. It is an EINVALID error, before
// anything is sent, to pass a malformed txid to a method that takes one.
func (c *Client) Call(ctx context.Context, method string, params []any, result any) error {
	if c.onCall == nil {
		return c.call(ctx, method, params, result)
	}
	start := time.Now()
	err := c.call(ctx, method, params, result)
	c.onCall(method, err, time.Since(start))
	return err
}

func (c *Client) call(ctx context.Context, method string, params []any, result any) error {
	if params == nil {
		params = []any{}
	}
	if err := checkTxIDs(method, params); err != nil {
		return err
	}
	body, err := json.Marshal(request{JSONRPC: "1.0", ID: "aartha-" + strconv.FormatUint(c.nextID.Add(1), 10), Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("multichain %s: encode params: %w", method, err)
	}
	limit := c.timeout(method)
	callCtx, cancel := context.WithTimeoutCause(ctx, limit, errCallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(callCtx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("multichain %s: %w", method, err)
	}
	req.SetBasicAuth(c.user, c.password)
	req.Header.Set("Content-Type", "application/json")
	timedOut := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("multichain %s: %w", method, ctx.Err())
		}
		if errors.Is(context.Cause(callCtx), errCallTimeout) {
			return &TransportError{Host: c.host, Method: method, Err: fmt.Errorf("no answer within %s: %w", limit, errCallTimeout)}
		}
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return timedOut(&TransportError{Host: c.host, Method: method, Err: stripURL(err)})
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return timedOut(&TransportError{Host: c.host, Method: method, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)})
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return &AuthError{Host: c.host, Status: resp.StatusCode}
	case http.StatusOK, http.StatusInternalServerError, http.StatusNotFound:
	default:
		return &TransportError{Host: c.host, Method: method, Status: resp.StatusCode, Err: errors.New(snippet(data))}
	}
	var r response
	if err := json.Unmarshal(data, &r); err != nil {
		return &TransportError{Host: c.host, Method: method, Status: resp.StatusCode, Err: fmt.Errorf("answer is not JSON-RPC: %s", snippet(data))}
	}
	if r.Error != nil {
		return &RPCError{Method: method, Code: r.Error.Code, Message: r.Error.Message}
	}
	if resp.StatusCode != http.StatusOK {
		return &TransportError{Host: c.host, Method: method, Status: resp.StatusCode, Err: errors.New("error status without an error body")}
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(r.Result, result); err != nil {
		return fmt.Errorf("multichain %s: decode result: %w", method, err)
	}
	return nil
}

// checkTxIDs validates the transaction ids among params.
func checkTxIDs(method string, params []any) error {
	positions, ok := txidParams[method]
	if !ok {
		return nil
	}
	if method == "getblock" && len(params) > 0 {
		if s, isString := params[0].(string); isString {
			if _, err := ParseTxID(s); err != nil {
				return ledger.Errorf(ledger.EINVALID, "getblock: block hash %q is not 64 hex digits", truncate(s, 80))
			}
		}
		return nil
	}
	for _, i := range positions {
		if i >= len(params) {
			continue // the node answers a missing argument with its help text
		}
		s, _ := params[i].(string)
		if _, err := ParseTxID(s); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
	}
	return nil
}

// ParseTxID reads a transaction id: exactly 64 hex digits, no 0x. Its error
// is EINVALID.
func ParseTxID(s string) (common.Hash, error) {
	var h common.Hash
	if len(s) != 64 {
		return h, ledger.Errorf(ledger.EINVALID, "txid %q is not 64 hex digits", truncate(s, 80))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, ledger.Errorf(ledger.EINVALID, "txid %q is not 64 hex digits", truncate(s, 80))
	}
	return h, nil
}

// TxIDString renders a txid the way the node writes it: 64 lower-case hex
// digits without 0x.
func TxIDString(h common.Hash) string { return hex.EncodeToString(h[:]) }

// stripURL keeps a *url.Error's operation and cause but not its URL, which
// could carry credentials.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "empty body"
	}
	return truncate(s, 200)
}
