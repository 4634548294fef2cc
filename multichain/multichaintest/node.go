package multichaintest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/aartha/ledger/multichain"
)

// The address parameters of the chain in the real-node transcript, so that
// the fake's addresses look and decode like that chain's.
var transcriptParams = multichain.AddressParams{Version: []byte{0x00, 0x79, 0xb5, 0x51}, ChecksumValue: 0xfe1dcaf3}

// Options configure a fake node. Zero values take the defaults.
type Options struct {
	ChainName string // default "testchain"
	User      string // default "multichainrpc"
	Password  string // default "fake-rpc-password"
	// Now stamps blocks and items; default time.Now.
	Now func() time.Time
	// MaxShownData, if positive, makes items whose data is longer (as JSON)
	// show as {"txid","vout","size"}, as a real node does past its
	// maxshowndata; gettxoutdata then returns the data.
	MaxShownData int
}

// Node is an in-process fake MultiChain 2.3.3 node: an HTTP JSON-RPC server
// that answers the calls the adapter makes as the real node in
// real-node-transcript.txt does. It is safe for concurrent use. Start it
// with Start; it stops with the test.
type Node struct {
	// URL is the node's endpoint, without credentials.
	URL      string
	User     string
	Password string

	opts   Options
	server *httptest.Server

	mu       sync.Mutex
	address  string // the node's own address: all global permissions
	wallet   []string
	perms    map[string]map[string]bool // address → permissions ("send", "loans.write", ...)
	streams  map[string]*stream
	order    []*stream
	txs      map[common.Hash]*tx
	blocks   []*block
	mempool  []*tx
	nextID   uint64
	crashed  bool
	down     bool          // Down: every connection dropped until Up
	hang     chan struct{} // HangWallet: closed when wallet calls may answer again
	calls    []string
	unixTime int64
}

type stream struct {
	name       string
	createTxID common.Hash
	open       bool
	subscribed bool
	items      []*item // chain order, mempool last
}

type item struct {
	stream     *stream
	tx         *tx
	keys       []string
	publishers []string
	data       json.RawMessage // as published: "hex", {"json":...} or {"text":...}
}

type tx struct {
	id       common.Hash
	block    *block
	index    int // position in its block
	time     int64
	items    []*item
	from     string
	received int64
}

type block struct {
	height uint64
	hash   common.Hash
	time   int64
	txs    []*tx
}

// Start starts a fake node with its server and genesis blocks (tip at
// height 3, as in the transcript) and registers its shutdown with t.
func Start(t interface{ Cleanup(func()) }, opts Options) *Node {
	n := New(opts)
	n.server = httptest.NewServer(n)
	n.URL = n.server.URL
	t.Cleanup(n.server.Close)
	return n
}

// New returns a fake node without a server: it is an http.Handler.
func New(opts Options) *Node {
	if opts.ChainName == "" {
		opts.ChainName = "testchain"
	}
	if opts.User == "" {
		opts.User = "multichainrpc"
	}
	if opts.Password == "" {
		opts.Password = "fake-rpc-password"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	n := &Node{
		User: opts.User, Password: opts.Password, opts: opts,
		perms: map[string]map[string]bool{}, streams: map[string]*stream{}, txs: map[common.Hash]*tx{},
	}
	n.address = n.newAddressLocked()
	for _, p := range []string{"connect", "send", "receive", "issue", "create", "mine", "activate", "admin"} {
		n.perms[n.address][p] = true
	}
	for range 4 {
		n.mineLocked()
	}
	return n
}

// Address is the node's own address, which holds every global permission.
func (n *Node) Address() string { return n.address }

// NewAddress adds an address without permissions to the node's wallet (as
// getnewaddress does).
func (n *Node) NewAddress() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.newAddressLocked()
}

// Revoke takes a permission away from an address.
func (n *Node) Revoke(address, permission string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.perms[address], permission)
}

// Mine puts every pending transaction into a new block and returns its
// height.
func (n *Node) Mine() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mineLocked().height
}

// MineEvery mines a block every interval, as a real chain's miners do,
// until the test ends. Empty blocks count: they confirm the ones below.
func (n *Node) MineEvery(t interface{ Cleanup(func()) }, interval time.Duration) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				n.Mine()
			}
		}
	}()
	t.Cleanup(func() { close(done); <-stopped })
}

// Reorg undoes the newest depth blocks: their transactions go back to the
// mempool (as after a chain reorganisation), to be mined into new blocks.
func (n *Node) Reorg(depth int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var back []*tx
	for range depth {
		if len(n.blocks) <= 1 {
			break
		}
		b := n.blocks[len(n.blocks)-1]
		n.blocks = n.blocks[:len(n.blocks)-1]
		for _, t := range b.txs {
			t.block = nil
		}
		back = append(b.txs, back...)
	}
	n.mempool = append(back, n.mempool...)
	n.reorderLocked()
}

// DropPending evicts every pending transaction (as a restart with a
// cleared mempool or a conflicting block would): their items vanish.
func (n *Node) DropPending() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, t := range n.mempool {
		delete(n.txs, t.id)
		for _, it := range t.items {
			it.stream.items = slices.DeleteFunc(it.stream.items, func(x *item) bool { return x == it })
		}
	}
	n.mempool = nil
}

// ExternalAddress makes an address of this chain whose private key is not
// in the node's wallet (as one made on another node of the chain):
// publishfrom from it answers -709.
func (n *Node) ExternalAddress() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nextID++
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("external"), n.nextID))
	addr, _ := multichain.EncodeAddress(common.BytesToAddress(h[:20]), transcriptParams)
	return addr
}

// Down makes the node unreachable, as a stopped multichaind is: every
// connection is dropped without an answer until Up. The chain's state is
// kept.
func (n *Node) Down() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = true
}

// Up ends Down.
func (n *Node) Up() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = false
}

// HangWallet makes wallet calls (multichain.IsWalletMethod: publishfrom,
// validateaddress, getaddresses, ...) hang without an answer while other
// calls answer, as a node with a stuck wallet did; HangWallet(false) lets
// them answer again.
func (n *Node) HangWallet(hang bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case hang && n.hang == nil:
		n.hang = make(chan struct{})
	case !hang && n.hang != nil:
		close(n.hang)
		n.hang = nil
	}
}

// Crashed reports whether the node went down (after a malformed txid, as
// the real one once did, or a stop call).
func (n *Node) Crashed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.crashed
}

// Calls lists the methods called so far, in order.
func (n *Node) Calls() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.calls)
}

// Height is the height of the tip.
func (n *Node) Height() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.tip().height
}

func (n *Node) tip() *block { return n.blocks[len(n.blocks)-1] }

func (n *Node) newAddressLocked() string {
	n.nextID++
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("address"), n.nextID))
	addr, _ := multichain.EncodeAddress(common.BytesToAddress(h[:20]), transcriptParams)
	n.wallet = append(n.wallet, addr)
	n.perms[addr] = map[string]bool{}
	return addr
}

func (n *Node) newHash(kind string) common.Hash {
	n.nextID++
	return sha256.Sum256(binary.BigEndian.AppendUint64([]byte(kind+n.opts.ChainName), n.nextID))
}

func (n *Node) now() int64 {
	t := n.opts.Now().Unix()
	if t <= n.unixTime {
		t = n.unixTime + 1 // strictly increasing, like block times in a test
	}
	n.unixTime = t
	return t
}

func (n *Node) mineLocked() *block {
	b := &block{height: uint64(len(n.blocks)), time: n.now()}
	b.hash = n.newHash("block")
	b.hash[0] = 0 // block hashes start with zeros
	b.txs, n.mempool = n.mempool, nil
	for i, t := range b.txs {
		t.block, t.index = b, i+1 // index 0 is the coinbase
	}
	n.blocks = append(n.blocks, b)
	return b
}

// reorderLocked restores chain order in every stream: mined items by
// block and position, pending ones after them in arrival order.
func (n *Node) reorderLocked() {
	pos := map[*tx]int{}
	i := 0
	for _, b := range n.blocks {
		for _, t := range b.txs {
			pos[t] = i
			i++
		}
	}
	for _, t := range n.mempool {
		pos[t] = i
		i++
	}
	for _, s := range n.order {
		slices.SortStableFunc(s.items, func(a, b *item) int { return pos[a.tx] - pos[b.tx] })
	}
}

// addTx records a new pending transaction.
func (n *Node) addTx(from string) *tx {
	now := n.now()
	t := &tx{id: n.newHash("tx"), time: now, received: now, from: from}
	n.txs[t.id] = t
	n.mempool = append(n.mempool, t)
	return t
}

func (n *Node) confirmations(t *tx) uint64 {
	if t.block == nil {
		return 0
	}
	return n.tip().height - t.block.height + 1
}

func hashHex(h common.Hash) string { return hex.EncodeToString(h[:]) }

// ServeHTTP implements http.Handler: POST with Basic auth, a JSON-RPC 1.0
// body, answers with 200, 500 (any error) or 404 (unknown method), 401
// with an empty body for wrong credentials.
func (n *Node) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	crashed := n.crashed || n.down
	n.mu.Unlock()
	if crashed {
		dropConnection(w)
		return
	}
	user, password, ok := r.BasicAuth()
	if !ok || user != n.User || password != n.Password {
		w.Header().Set("WWW-Authenticate", `Basic realm="jsonrpc"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var req struct {
		ID     json.RawMessage   `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil {
		writeAnswer(w, http.StatusInternalServerError, nil, nil, &rpcErr{-32700, "Parse error"})
		return
	}
	n.mu.Lock()
	hang := n.hang
	n.mu.Unlock()
	if hang != nil && multichain.IsWalletMethod(req.Method) {
		select {
		case <-hang:
		case <-r.Context().Done():
			return
		}
	}
	n.mu.Lock()
	n.calls = append(n.calls, req.Method)
	result, rerr, crash := n.dispatch(req.Method, req.Params)
	if crash {
		n.crashed = true
	}
	n.mu.Unlock()
	if crash {
		dropConnection(w)
		if n.server != nil {
			go n.server.Listener.Close()
		}
		return
	}
	status := http.StatusOK
	switch {
	case rerr != nil && rerr.Code == -32601:
		status = http.StatusNotFound
	case rerr != nil:
		status = http.StatusInternalServerError
	}
	writeAnswer(w, status, req.ID, result, rerr)
}

// dropConnection closes the connection without an answer, as a crashing
// daemon does.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

type rpcErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func writeAnswer(w http.ResponseWriter, status int, id json.RawMessage, result any, e *rpcErr) {
	if id == nil {
		id = json.RawMessage("null")
	}
	body, _ := json.Marshal(struct {
		Result any             `json:"result"`
		Error  *rpcErr         `json:"error"`
		ID     json.RawMessage `json:"id"`
	}{result, e, id})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// help is the start of the node's help text for a method called with the
// wrong number of arguments (the real node sends the whole text).
func help(method, usage string) *rpcErr {
	return &rpcErr{-1, method + " " + usage + "\n\n(help text of " + method + ")\n"}
}

func errorf(code int, format string, args ...any) *rpcErr {
	return &rpcErr{code, fmt.Sprintf(format, args...)}
}

var _ http.Handler = (*Node)(nil)

func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// validTxID is the check the real node lacked: anything else crashes it.
func validTxID(s string) bool { return len(s) == 64 && isHex(s) }

func trimQuotes(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return strings.TrimSpace(s)
}
