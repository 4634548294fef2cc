package evm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// Compile-time checks: a Client deploys and runs bound contracts.
var (
	_ DeployBackend        = (*Client)(nil)
	_ bind.ContractBackend = (*Client)(nil)
	_ bind.DeployBackend   = (*Client)(nil)
)

// ClientOptions tunes a Client. The zero value is usable.
type ClientOptions struct {
	// CallTimeout bounds each call to one endpoint, so that a hung primary
	// fails over instead of blocking. Default 10s.
	CallTimeout time.Duration
	// Cooldown is how long the primary is left alone after a connection
	// failure before it is tried again. Default 30s.
	Cooldown time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OnFailover, if set, is called (synchronously) whenever a call moves
	// from one endpoint to the other, with the endpoint names ("primary",
	// "backup") and the connection error. It must not block.
	OnFailover func(from, to string, err error)
	// OnCall, if set, is told about every call once it is over (failover
	// included): its operation (one of Operations), its error and how long
	// it took. "Not found" answers (a receipt not yet mined) are reported
	// with a nil error. It is called synchronously and must not block.
	OnCall func(operation string, err error, d time.Duration)
}

// Operations are the operation names Client reports to
// ClientOptions.OnCall: each kind of call, named after what it does.
var Operations = []string{
	"read_chain_id", "read_block_number", "read_header", "read_nonce", "read_pending_nonce",
	"read_balance", "read_code", "read_pending_code", "suggest_gas_price", "suggest_gas_tip",
	"estimate_gas", "send_transaction", "read_receipt", "read_transaction", "call_contract",
	"filter_logs",
}

func (o *ClientOptions) defaults() {
	if o.CallTimeout <= 0 {
		o.CallTimeout = 10 * time.Second
	}
	if o.Cooldown <= 0 {
		o.Cooldown = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// endpoint is one JSON-RPC node.
type endpoint struct {
	name string // "primary" or "backup"
	host string // URL with path, query and credentials removed, for messages
	rpc  *rpc.Client
	eth  *ethclient.Client
}

// Client is an Ethereum JSON-RPC client over a primary and an optional
// backup endpoint. Every call goes to the primary; when the primary fails at
// the connection level (refused, reset, timed out, HTTP 5xx, a closed
// client) the same call is repeated on the backup, and the primary is left
// alone for ClientOptions.Cooldown before it is tried again. Answers from a
// node — a JSON-RPC error, a revert, "not found" — are returned as they are
// and never fail over.
//
// Failing over a write is safe because the only write is
// SendTransaction of an already signed transaction: sending it twice is
// idempotent by hash (the second node answers "already known" or "nonce too
// low", which the transaction manager understands).
//
// Errors never contain an endpoint's full URL, since provider URLs often
// carry an API key; they name the endpoint and its host. A Client is safe
// for concurrent use. Close it when done.
type Client struct {
	opts      ClientOptions
	eps       []*endpoint
	mu        sync.Mutex
	downUntil time.Time // primary is skipped until then
	active    *endpoint // the endpoint that answered the latest call; nil if none did
	closeOnce sync.Once
}

// Dial connects to primaryURL and, if backupURL is not empty, to
// backupURL. Dialling HTTP endpoints does not contact the node, so Dial
// succeeds even if both are down; the first call tells. It fails only for a
// malformed URL.
func Dial(ctx context.Context, primaryURL, backupURL string, opts ClientOptions) (*Client, error) {
	if primaryURL == "" {
		return nil, errors.New("dial chain: no primary RPC URL")
	}
	primary, err := rpc.DialContext(ctx, primaryURL)
	if err != nil {
		return nil, fmt.Errorf("dial primary RPC %s: %w", RedactURL(primaryURL), err)
	}
	var backup *rpc.Client
	if backupURL != "" {
		backup, err = rpc.DialContext(ctx, backupURL)
		if err != nil {
			primary.Close()
			return nil, fmt.Errorf("dial backup RPC %s: %w", RedactURL(backupURL), err)
		}
	}
	c := NewClient(primary, backup, opts)
	c.eps[0].host = RedactURL(primaryURL)
	if backup != nil {
		c.eps[1].host = RedactURL(backupURL)
	}
	return c, nil
}

// NewClient wraps already connected RPC clients (for example an in-process
// one); backup may be nil. The Client takes ownership: Close closes them.
func NewClient(primary, backup *rpc.Client, opts ClientOptions) *Client {
	opts.defaults()
	c := &Client{opts: opts}
	c.eps = append(c.eps, &endpoint{name: "primary", host: "in-process", rpc: primary, eth: ethclient.NewClient(primary)})
	if backup != nil {
		c.eps = append(c.eps, &endpoint{name: "backup", host: "in-process", rpc: backup, eth: ethclient.NewClient(backup)})
	}
	return c
}

// RedactURL returns scheme://host[:port] of a URL, dropping credentials,
// path and query, which is where providers put API keys. It returns
// "(invalid URL)" for something it cannot parse.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host
}

// Close closes the connections. It is safe to call more than once.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		for _, ep := range c.eps {
			ep.rpc.Close()
		}
	})
}

// order returns the endpoints in the order to try them now.
func (c *Client) order() []*endpoint {
	if len(c.eps) == 1 {
		return c.eps
	}
	c.mu.Lock()
	down := c.opts.Now().Before(c.downUntil)
	c.mu.Unlock()
	if down {
		return []*endpoint{c.eps[1], c.eps[0]}
	}
	return c.eps
}

// markDown records a connection failure of ep.
func (c *Client) markDown(ep *endpoint) {
	if ep != c.eps[0] || len(c.eps) == 1 {
		return
	}
	c.mu.Lock()
	c.downUntil = c.opts.Now().Add(c.opts.Cooldown)
	c.mu.Unlock()
}

// markUp records that ep answered.
func (c *Client) markUp(ep *endpoint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active = ep
	if ep == c.eps[0] {
		c.downUntil = time.Time{}
	}
}

// markNoneAnswered records that no endpoint answered the latest call.
func (c *Client) markNoneAnswered() {
	c.mu.Lock()
	c.active = nil
	c.mu.Unlock()
}

// EndpointNames returns the names of the Client's endpoints, primary
// first: "primary", and "backup" when there is one. The names never carry
// a URL, so they are safe as metric labels.
func (c *Client) EndpointNames() []string {
	names := make([]string, len(c.eps))
	for i, ep := range c.eps {
		names[i] = ep.name
	}
	return names
}

// ActiveEndpoint returns the endpoint in use: the name ("primary" or
// "backup") and redacted host (see RedactURL; "in-process" for NewClient's)
// of the endpoint that answered the latest call. An answer is any reply
// from the node, errors included; only connection failures move calls to
// the other endpoint. Both are empty before the first call and after a
// call that no endpoint answered. Safe for concurrent use; with calls in
// flight it reflects the latest to finish.
func (c *Client) ActiveEndpoint() (name, host string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active == nil {
		return "", ""
	}
	return c.active.name, c.active.host
}

// do runs call against the endpoints in order until one answers and
// reports it to ClientOptions.OnCall.
func (c *Client) do(ctx context.Context, what string, call func(ctx context.Context, ec *ethclient.Client) error) error {
	if c.opts.OnCall == nil {
		return c.try(ctx, what, call)
	}
	start := c.opts.Now()
	err := c.try(ctx, what, call)
	reported := err
	if errors.Is(err, ethereum.NotFound) {
		reported = nil
	}
	c.opts.OnCall(strings.ReplaceAll(what, " ", "_"), reported, c.opts.Now().Sub(start))
	return err
}

// try runs call against the endpoints in order until one answers.
func (c *Client) try(ctx context.Context, what string, call func(ctx context.Context, ec *ethclient.Client) error) error {
	var errs []error
	eps := c.order()
	for i, ep := range eps {
		callCtx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
		err := call(callCtx, ep.eth)
		cancel()
		redactURLError(err)
		if err == nil {
			c.markUp(ep)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		if !IsConnectionError(err) {
			c.markUp(ep)
			return fmt.Errorf("%s: %w", what, err)
		}
		c.markDown(ep)
		errs = append(errs, fmt.Errorf("%s RPC %s: %w", ep.name, ep.host, err))
		if i+1 < len(eps) && c.opts.OnFailover != nil {
			c.opts.OnFailover(ep.name, eps[i+1].name, err)
		}
	}
	c.markNoneAnswered()
	return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, errors.Join(errs...))
}

// redactURLError cuts the URL that net/http puts in its errors ("Post
// \"https://host/v3/KEY\": ...") down to scheme and host, in place: the
// error was made for this call and is not shared.
func redactURLError(err error) {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		urlErr.URL = RedactURL(urlErr.URL)
	}
}

// ErrUnavailable means no endpoint could be reached. It is wrapped together
// with each endpoint's connection error.
var ErrUnavailable = errors.New("chain RPC unavailable")

// IsConnectionError reports whether err is a failure to talk to a node
// rather than an answer from it: a network error, a timeout, an HTTP error
// status, a closed connection or ErrUnavailable. A JSON-RPC error object (for
// example a revert or "nonce too low") is an answer, and so is
// ethereum.NotFound.
func IsConnectionError(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	var rpcErr rpc.Error
	if errors.As(err, &rpcErr) || errors.Is(err, ethereum.NotFound) {
		return false
	}
	var httpErr rpc.HTTPError
	var netErr net.Error
	var urlErr *url.Error
	var opErr *net.OpError
	switch {
	case errors.As(err, &httpErr), errors.As(err, &netErr), errors.As(err, &urlErr), errors.As(err, &opErr):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, context.DeadlineExceeded), errors.Is(err, rpc.ErrClientQuit):
		return true
	}
	return false
}

// ChainID returns the chain id the node reports.
func (c *Client) ChainID(ctx context.Context) (*big.Int, error) {
	var id *big.Int
	err := c.do(ctx, "read chain id", func(ctx context.Context, ec *ethclient.Client) (err error) {
		id, err = ec.ChainID(ctx)
		return err
	})
	return id, err
}

// BlockNumber returns the number of the latest block.
func (c *Client) BlockNumber(ctx context.Context) (uint64, error) {
	var n uint64
	err := c.do(ctx, "read block number", func(ctx context.Context, ec *ethclient.Client) (err error) {
		n, err = ec.BlockNumber(ctx)
		return err
	})
	return n, err
}

// HeaderByNumber returns a header; number nil is the latest block, and the
// rpc.*BlockNumber tags (e.g. big.NewInt(int64(rpc.FinalizedBlockNumber)))
// select tagged blocks. A missing block is ethereum.NotFound (wrapped).
func (c *Client) HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error) {
	var h *types.Header
	err := c.do(ctx, "read header", func(ctx context.Context, ec *ethclient.Client) (err error) {
		h, err = ec.HeaderByNumber(ctx, number)
		return err
	})
	return h, err
}

// HeaderByHash returns the header with the given hash.
func (c *Client) HeaderByHash(ctx context.Context, hash common.Hash) (*types.Header, error) {
	var h *types.Header
	err := c.do(ctx, "read header", func(ctx context.Context, ec *ethclient.Client) (err error) {
		h, err = ec.HeaderByHash(ctx, hash)
		return err
	})
	return h, err
}

// FinalizedHeader returns the header the node tags "finalized". Chains
// without the tag answer with an error.
func (c *Client) FinalizedHeader(ctx context.Context) (*types.Header, error) {
	return c.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
}

// NonceAt returns the nonce of account at block (nil for latest).
func (c *Client) NonceAt(ctx context.Context, account common.Address, block *big.Int) (uint64, error) {
	var n uint64
	err := c.do(ctx, "read nonce", func(ctx context.Context, ec *ethclient.Client) (err error) {
		n, err = ec.NonceAt(ctx, account, block)
		return err
	})
	return n, err
}

// PendingNonceAt returns the next nonce of account, counting transactions in
// the node's pool.
func (c *Client) PendingNonceAt(ctx context.Context, account common.Address) (uint64, error) {
	var n uint64
	err := c.do(ctx, "read pending nonce", func(ctx context.Context, ec *ethclient.Client) (err error) {
		n, err = ec.PendingNonceAt(ctx, account)
		return err
	})
	return n, err
}

// BalanceAt returns the balance of account at block (nil for latest).
func (c *Client) BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error) {
	var b *big.Int
	err := c.do(ctx, "read balance", func(ctx context.Context, ec *ethclient.Client) (err error) {
		b, err = ec.BalanceAt(ctx, account, block)
		return err
	})
	return b, err
}

// CodeAt returns the code at account at block (nil for latest).
func (c *Client) CodeAt(ctx context.Context, account common.Address, block *big.Int) ([]byte, error) {
	var code []byte
	err := c.do(ctx, "read code", func(ctx context.Context, ec *ethclient.Client) (err error) {
		code, err = ec.CodeAt(ctx, account, block)
		return err
	})
	return code, err
}

// PendingCodeAt returns the code at account in the pending state.
func (c *Client) PendingCodeAt(ctx context.Context, account common.Address) ([]byte, error) {
	var code []byte
	err := c.do(ctx, "read pending code", func(ctx context.Context, ec *ethclient.Client) (err error) {
		code, err = ec.PendingCodeAt(ctx, account)
		return err
	})
	return code, err
}

// SuggestGasPrice returns the node's legacy gas price suggestion.
func (c *Client) SuggestGasPrice(ctx context.Context) (*big.Int, error) {
	var p *big.Int
	err := c.do(ctx, "suggest gas price", func(ctx context.Context, ec *ethclient.Client) (err error) {
		p, err = ec.SuggestGasPrice(ctx)
		return err
	})
	return p, err
}

// SuggestGasTipCap returns the node's suggested EIP-1559 priority fee.
func (c *Client) SuggestGasTipCap(ctx context.Context) (*big.Int, error) {
	var p *big.Int
	err := c.do(ctx, "suggest gas tip", func(ctx context.Context, ec *ethclient.Client) (err error) {
		p, err = ec.SuggestGasTipCap(ctx)
		return err
	})
	return p, err
}

// EstimateGas estimates the gas msg needs. A revert comes back as the
// node's error, with revert data that RevertReason decodes.
func (c *Client) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error) {
	var g uint64
	err := c.do(ctx, "estimate gas", func(ctx context.Context, ec *ethclient.Client) (err error) {
		g, err = ec.EstimateGas(ctx, msg)
		return err
	})
	return g, err
}

// SendTransaction broadcasts a signed transaction.
func (c *Client) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	return c.do(ctx, "send transaction", func(ctx context.Context, ec *ethclient.Client) error {
		return ec.SendTransaction(ctx, tx)
	})
}

// TransactionReceipt returns the receipt of a mined transaction, or
// ethereum.NotFound (wrapped) if it is not in the canonical chain.
func (c *Client) TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error) {
	var r *types.Receipt
	err := c.do(ctx, "read receipt", func(ctx context.Context, ec *ethclient.Client) (err error) {
		r, err = ec.TransactionReceipt(ctx, hash)
		return err
	})
	return r, err
}

// TransactionByHash returns a transaction and whether it is still pending.
func (c *Client) TransactionByHash(ctx context.Context, hash common.Hash) (*types.Transaction, bool, error) {
	var (
		tx      *types.Transaction
		pending bool
	)
	err := c.do(ctx, "read transaction", func(ctx context.Context, ec *ethclient.Client) (err error) {
		tx, pending, err = ec.TransactionByHash(ctx, hash)
		return err
	})
	return tx, pending, err
}

// CallContract runs msg as eth_call at block (nil for latest).
func (c *Client) CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error) {
	var out []byte
	err := c.do(ctx, "call contract", func(ctx context.Context, ec *ethclient.Client) (err error) {
		out, err = ec.CallContract(ctx, msg, block)
		return err
	})
	return out, err
}

// PendingCallContract runs msg as eth_call against the pending state.
func (c *Client) PendingCallContract(ctx context.Context, msg ethereum.CallMsg) ([]byte, error) {
	var out []byte
	err := c.do(ctx, "call contract", func(ctx context.Context, ec *ethclient.Client) (err error) {
		out, err = ec.PendingCallContract(ctx, msg)
		return err
	})
	return out, err
}

// FilterLogs returns the logs matching q.
func (c *Client) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	var logs []types.Log
	err := c.do(ctx, "filter logs", func(ctx context.Context, ec *ethclient.Client) (err error) {
		logs, err = ec.FilterLogs(ctx, q)
		return err
	})
	return logs, err
}

// SubscribeFilterLogs subscribes to new logs on the primary endpoint. It
// needs a WebSocket or in-process connection and does not fail over; use
// FilterLogs to poll over HTTP.
func (c *Client) SubscribeFilterLogs(ctx context.Context, q ethereum.FilterQuery, ch chan<- types.Log) (ethereum.Subscription, error) {
	sub, err := c.eps[0].eth.SubscribeFilterLogs(ctx, q, ch)
	if err != nil {
		return nil, fmt.Errorf("subscribe to logs: %w", err)
	}
	return sub, nil
}
