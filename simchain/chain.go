package simchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/aartha/ledger/evm"
)

// ChainID is the embedded chain's id, the usual one for development chains.
const ChainID = 1337

// Options configures Start. The zero value is an in-memory chain with no
// JSON-RPC port.
type Options struct {
	// DataDir is the folder the chain keeps its database in. Empty means
	// in memory: a fresh chain on every start (the registry is deployed
	// again and everything must be re-anchored).
	DataDir string
	// RPCAddr is the loopback host:port on which to answer Ethereum
	// JSON-RPC over HTTP (eth, net and web3 namespaces) for wallets,
	// scripts, `aartha verify` and the offline verifier page (it answers
	// CORS preflights from any origin, file pages' "null" included). Port
	// 0 picks a free port; empty turns the listener off. Only loopback
	// hosts are accepted: the node is unauthenticated.
	RPCAddr string
	// Log receives start-up and mining messages; nil discards them.
	Log *slog.Logger
	// Manual turns automatic mining off: blocks are then made only by
	// Commit (and the other test hooks). The default mines a block as soon
	// as a transaction arrives.
	Manual bool
	// BlockPeriod, if positive, also seals a block (empty if need be) every
	// BlockPeriod while automatic mining is on, so that transactions gain
	// confirmations without further traffic. 0 seals only on arrival.
	BlockPeriod time.Duration
	// OnCall, if set, is told about every call the chain's Client makes
	// (evm.ClientOptions.OnCall).
	OnCall func(operation string, err error, d time.Duration)
}

// Chain is a running embedded chain. Its exported methods are safe for
// concurrent use; block production (automatic or through the test hooks) is
// serialised.
type Chain struct {
	opts     Options
	stack    *node.Node
	backend  *eth.Ethereum
	beacon   *catalyst.SimulatedBeacon
	client   *evm.Client
	key      *ecdsa.PrivateKey
	registry common.Address
	rpcURL   string
	fresh    bool

	mine     sync.Mutex // serialises block production
	tipMu    sync.Mutex
	minerTip *big.Int // the miner's minimum tip, as last set
	auto     atomic.Bool
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// Start opens (or creates) the chain, deploys the LoanRegistry on a fresh
// chain or finds it again on a persisted one, starts the JSON-RPC listener
// if asked, and starts mining on demand. Stop it with Stop.
func Start(ctx context.Context, opts Options) (*Chain, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	nodeConf := node.DefaultConfig
	nodeConf.Name = "simchain"
	nodeConf.DataDir = opts.DataDir
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""}
	nodeConf.HTTPHost, nodeConf.HTTPPort = "", 0
	nodeConf.WSHost, nodeConf.AuthPort = "", 0
	nodeConf.IPCPath = ""
	if opts.RPCAddr != "" {
		host, port, err := loopbackAddr(opts.RPCAddr)
		if err != nil {
			return nil, err
		}
		nodeConf.HTTPHost, nodeConf.HTTPPort = host, port
		nodeConf.HTTPModules = []string{"eth", "net", "web3"}
		nodeConf.HTTPVirtualHosts = []string{"localhost"}
		// Any origin, including "null" (a page opened from a file), may
		// call it from a browser, because the offline verifier page
		// (package verifier) asks the chain directly. The price: a web
		// page open on this machine can read this development chain and
		// submit signed transactions to it. The node holds no key and
		// only development data, and stays loopback-only.
		nodeConf.HTTPCors = []string{"*"}
	}

	key := DevKey()
	genesis := &core.Genesis{
		Config:     evm.MainnetRules(big.NewInt(ChainID)),
		GasLimit:   ethconfig.Defaults.Miner.GasCeil,
		BaseFee:    big.NewInt(params.InitialBaseFee),
		Difficulty: big.NewInt(0),
		Alloc:      core.SystemContractAllocs(),
	}
	genesis.Alloc[DevAddress()] = types.Account{Balance: new(big.Int).Mul(big.NewInt(1_000_000_000), big.NewInt(params.Ether))}
	ethConf := ethconfig.Defaults
	ethConf.Genesis = genesis
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.TxPool.NoLocals = true
	ethConf.LogNoHistory = true

	stack, err := node.New(&nodeConf)
	if err != nil {
		return nil, fmt.Errorf("start simulated chain: %w", err)
	}
	c := &Chain{opts: opts, stack: stack, key: key, stop: make(chan struct{}), done: make(chan struct{}),
		minerTip: new(big.Int).Set(ethConf.Miner.GasPrice)}
	fail := func(err error) (*Chain, error) {
		_ = stack.Close()
		return nil, fmt.Errorf("start simulated chain: %w", err)
	}
	c.backend, err = eth.New(stack, &ethConf)
	if err != nil {
		return fail(err)
	}
	c.fresh = c.backend.BlockChain().CurrentBlock().Number.Sign() == 0
	stack.RegisterAPIs([]rpc.API{{
		Namespace: "eth",
		Service:   filters.NewFilterAPI(filters.NewFilterSystem(c.backend.APIBackend, filters.Config{})),
	}})
	if err := stack.Start(); err != nil {
		return fail(err)
	}
	c.beacon, err = catalyst.NewSimulatedBeacon(0, common.Address{}, c.backend)
	if err != nil {
		return fail(err)
	}
	c.client = evm.NewClient(stack.Attach(), nil, evm.ClientOptions{OnCall: opts.OnCall})
	if nodeConf.HTTPHost != "" {
		c.rpcURL = stack.HTTPEndpoint()
	}
	if err := c.findOrDeployRegistry(ctx); err != nil {
		c.client.Close()
		_ = c.beacon.Stop()
		return fail(err)
	}
	c.auto.Store(!opts.Manual)
	go c.loop()

	head := c.backend.BlockChain().CurrentBlock().Number.Uint64()
	attrs := []any{"chain_id", ChainID, "registry", c.registry.Hex(), "dev_account", DevAddress().Hex(), "head", head}
	if c.rpcURL != "" {
		attrs = append(attrs, "rpc", c.rpcURL)
	} else {
		attrs = append(attrs, "rpc", "off")
	}
	switch {
	case opts.DataDir == "":
		opts.Log.Warn("embedded chain is in memory: it starts fresh on every start and everything anchored before is gone; set a data directory to keep it", attrs...)
	case c.fresh:
		opts.Log.Info("embedded chain created", append(attrs, "dir", opts.DataDir)...)
	default:
		opts.Log.Info("embedded chain resumed", append(attrs, "dir", opts.DataDir)...)
	}
	opts.Log.Warn("embedded chain is for development only: its signing key is public (derived from simchain.DevSeed)")
	return c, nil
}

// loopbackAddr checks that addr is host:port with a loopback host.
func loopbackAddr(addr string) (string, int, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("chain RPC address %q: want host:port, e.g. 127.0.0.1:8545: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("chain RPC address %q: port must be 0-65535", addr)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", 0, fmt.Errorf("chain RPC address %q: host must be loopback (127.0.0.1 or ::1); the embedded chain is unauthenticated", addr)
	}
	return host, port, nil
}

// findOrDeployRegistry deploys the registry on a fresh chain (the dev
// account's first transaction) or checks it is still there.
func (c *Chain) findOrDeployRegistry(ctx context.Context) error {
	addr := RegistryAddress()
	reg := evm.NewRegistry(c.client, addr)
	err := reg.CheckCode(ctx)
	if err == nil {
		c.registry = addr
		return nil
	}
	if !errors.Is(err, evm.ErrNoCode) {
		return fmt.Errorf("look for registry: %w", err)
	}
	nonce, err := c.client.NonceAt(ctx, DevAddress(), nil)
	if err != nil {
		return fmt.Errorf("look for registry: %w", err)
	}
	if nonce != 0 {
		return fmt.Errorf("no registry at %s although the dev account has sent %d transactions: the data directory %q holds some other chain; move it away to start fresh", addr, nonce, c.opts.DataDir)
	}
	d, err := evm.SendDeploy(ctx, c.client, c.key, DevAddress(), DevAddress())
	if err != nil {
		return err
	}
	c.Commit()
	if err := evm.WaitDeployed(ctx, c.client, d); err != nil {
		return err
	}
	if d.Address != addr {
		return fmt.Errorf("registry deployed at %s, expected %s", d.Address, addr)
	}
	c.registry = addr
	return nil
}

// loop mines a block whenever transactions arrive (and every BlockPeriod),
// while automatic mining is on.
func (c *Chain) loop() {
	defer close(c.done)
	txs := make(chan core.NewTxsEvent, 16)
	sub := c.backend.TxPool().SubscribeTransactions(txs, true)
	defer sub.Unsubscribe()
	var tick <-chan time.Time
	if c.opts.BlockPeriod > 0 {
		ticker := time.NewTicker(c.opts.BlockPeriod)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		select {
		case <-c.stop:
			return
		case <-sub.Err():
			return
		case <-txs:
			if c.auto.Load() {
				c.mineExecutable()
			}
		case <-tick:
			if c.auto.Load() {
				c.Commit()
			}
		}
	}
}

// mineExecutable seals blocks while that shrinks the set of executable
// transactions. Transactions the miner will not take (a tip below its
// minimum) stay in the pool without making the loop spin.
func (c *Chain) mineExecutable() {
	c.mine.Lock()
	defer c.mine.Unlock()
	pool := c.backend.TxPool()
	_ = pool.Sync()
	before, _ := pool.Stats()
	for before > 0 {
		c.beacon.Commit()
		_ = pool.Sync()
		after, _ := pool.Stats()
		if after >= before {
			return
		}
		before = after
	}
}

// Stop stops mining, the RPC listener and the node, flushing the chain to
// DataDir. It is safe to call more than once and returns the first call's
// error.
func (c *Chain) Stop() error {
	c.stopOnce.Do(func() {
		close(c.stop)
		<-c.done
		c.mine.Lock()
		defer c.mine.Unlock()
		c.client.Close()
		c.stopErr = errors.Join(c.beacon.Stop(), c.stack.Close())
		if c.stopErr == nil {
			c.opts.Log.Info("embedded chain stopped")
		}
	})
	return c.stopErr
}

// RPCURL is the JSON-RPC URL, or "" if the listener is off.
func (c *Chain) RPCURL() string { return c.rpcURL }

// Registry is the LoanRegistry's address.
func (c *Chain) Registry() common.Address { return c.registry }

// SignerKey is the development signer's key (see DevSeed): the registry's
// admin and anchorer, funded at genesis. It is public; never use it
// anywhere else.
func (c *Chain) SignerKey() *ecdsa.PrivateKey { return c.key }

// Client is an in-process client of the chain. It is closed by Stop.
func (c *Chain) Client() *evm.Client { return c.client }

// Fresh reports whether this start created the chain (as opposed to
// resuming one from DataDir).
func (c *Chain) Fresh() bool { return c.fresh }

// Commit seals a block with whatever the pool holds that the miner takes,
// and returns the new head's hash. Test hook.
func (c *Chain) Commit() common.Hash {
	c.mine.Lock()
	defer c.mine.Unlock()
	return c.beacon.Commit()
}

// SetAutoMine turns mining on transaction arrival on or off. Test hook.
func (c *Chain) SetAutoMine(on bool) {
	c.auto.Store(on)
	if on {
		go c.mineExecutable()
	}
}

// SetMinerTip sets the smallest priority fee the miner includes; cheaper
// transactions stay in the pool. Test hook for stuck transactions.
func (c *Chain) SetMinerTip(tip *big.Int) error {
	c.tipMu.Lock()
	defer c.tipMu.Unlock()
	if err := c.backend.Miner().SetGasTip(tip); err != nil {
		return err
	}
	c.minerTip = new(big.Int).Set(tip)
	return nil
}

// AdjustTime seals an empty block whose timestamp is d after the head's.
// It fails if transactions are pending. Test hook.
func (c *Chain) AdjustTime(d time.Duration) error {
	c.mine.Lock()
	defer c.mine.Unlock()
	return c.beacon.AdjustTime(d)
}

// Reorg replaces the last depth blocks with depth+1 new blocks, so every
// transaction in them leaves the canonical chain, and returns the new
// head's hash. With dropTxs the new blocks are empty and the removed
// transactions are cleared from the pool, as if the network forgot them;
// the pool may still re-add them a moment later (it re-injects reorged
// transactions asynchronously), and anyone may send them again, so they
// come back in the next block mined after Reorg returns. Without dropTxs
// the new blocks may include them again at once. Test hook.
func (c *Chain) Reorg(depth uint64, dropTxs bool) (common.Hash, error) {
	c.mine.Lock()
	defer c.mine.Unlock()
	return c.reorg(depth, dropTxs)
}

// ReorgFrom is Reorg of every block from block up to the head, counted
// while mining is held: with a block period set, a head read before the
// call may be a block behind by the time Reorg runs, and block would
// survive. Test hook.
func (c *Chain) ReorgFrom(block uint64, dropTxs bool) (common.Hash, error) {
	c.mine.Lock()
	defer c.mine.Unlock()
	head := c.backend.BlockChain().CurrentBlock().Number.Uint64()
	if block == 0 || block > head {
		return common.Hash{}, fmt.Errorf("reorg from block %d: head is block %d", block, head)
	}
	return c.reorg(head-block+1, dropTxs)
}

// reorg is Reorg with c.mine held.
func (c *Chain) reorg(depth uint64, dropTxs bool) (common.Hash, error) {
	bc := c.backend.BlockChain()
	head := bc.CurrentBlock().Number.Uint64()
	if depth == 0 || depth > head {
		return common.Hash{}, fmt.Errorf("reorg depth %d: head is block %d", depth, head)
	}
	ancestor := bc.GetHeaderByNumber(head - depth)
	if err := c.beacon.Fork(ancestor.Hash()); err != nil {
		return common.Hash{}, fmt.Errorf("reorg to block %d: %w", ancestor.Number, err)
	}
	pool := c.backend.TxPool()
	_ = pool.Sync()
	if dropTxs {
		c.beacon.Rollback()
		// Seal empty blocks: no transaction can pay a tip this high.
		c.tipMu.Lock()
		defer c.tipMu.Unlock()
		never := new(big.Int).Lsh(big.NewInt(1), 200)
		if err := c.backend.Miner().SetGasTip(never); err != nil {
			return common.Hash{}, fmt.Errorf("reorg: %w", err)
		}
		defer func() { _ = c.backend.Miner().SetGasTip(c.minerTip) }()
	}
	var hash common.Hash
	for range depth + 1 {
		hash = c.beacon.Commit()
	}
	if bc.CurrentBlock().Number.Uint64() != head+1 {
		return common.Hash{}, fmt.Errorf("reorg: head is block %d, expected %d", bc.CurrentBlock().Number.Uint64(), head+1)
	}
	return hash, nil
}
