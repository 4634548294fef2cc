package anchoring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"path/filepath"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/doctor"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evmchain"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/txmgr"
)

// BackendMultiChain is BLOCKCHAIN_BACKEND's value for a MultiChain stream;
// anything else is an EVM chain.
const BackendMultiChain = "multichain"

// Options are what Open needs beside the configuration.
type Options struct {
	Log *slog.Logger
	// Out receives the one line that says where anchoring goes (the
	// embedded chain's registry and RPC address, the stream).
	Out io.Writer
	// OnCall, if set, is told of every chain call (blockchain_calls_total).
	OnCall func(operation string, err error, d time.Duration)
	// Journal is the EVM signer's durable transaction journal.
	Journal txmgr.Journal
	// TxMetrics observes the transaction manager; nil observes nothing.
	TxMetrics txmgr.Metrics
}

// Chain is the chain the configuration names, opened for anchoring: a
// ledger.Chain plus what running it needs beside the seam. Close it.
type Chain struct {
	ledger.Chain

	// SenderLock names the lock that keeps one sender per account: the
	// signer's address, or "multichain-" and the publishing address.
	SenderLock string
	// Concurrency is how many direct-mode records may be sent at once (1
	// where a signer's nonces make sends a sequence).
	Concurrency int
	// WatchInterval is how often final writes are looked at again; 0 is
	// the worker's default.
	WatchInterval time.Duration
	// LogAttrs describe the chain for the "anchoring" log line.
	LogAttrs []any

	log      *slog.Logger
	evm      *evmchain.Chain
	client   *evm.Client
	embedded *simchain.Chain
	external doctor.ExternalSigner
	signer   common.Address
	chainID  *big.Int
	registry common.Address
	adapter  *multichain.Adapter
}

// Open connects to the configured chain (or starts the embedded one) and
// readies it for sending: on an EVM chain the signer from the one source
// configured and a transaction manager over opts.Journal; on MultiChain it
// checks that the node, the stream and the publishing address are ready
// (the error names what `aartha multichain init` would fix).
func Open(ctx context.Context, cfg *config.Config, opts Options) (_ *Chain, err error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if cfg.Backend == BackendMultiChain {
		return openStream(ctx, cfg, opts)
	}
	c := &Chain{Concurrency: 1, log: opts.Log}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	log := opts.Log
	var signer txmgr.Signer
	if cfg.RPCURL == "" {
		c.embedded, err = simchain.Start(ctx, simchain.Options{
			DataDir: filepath.Join(cfg.DataDir, "chain"),
			RPCAddr: cfg.DevChainRPCAddr,
			Log:     log.With("component", "chain"),
			// Blocks also come once a second, empty or not, so anchors get
			// their confirmations as on a real chain.
			BlockPeriod: time.Second,
			OnCall:      opts.OnCall,
		})
		if err != nil {
			return nil, fmt.Errorf("start the embedded chain: %w", err)
		}
		c.client, c.registry = c.embedded.Client(), c.embedded.Registry()
		if signer, err = evm.NewKeySigner(c.embedded.SignerKey()); err != nil {
			return nil, err
		}
		state := "kept in " + filepath.Join(cfg.DataDir, "chain")
		if c.embedded.Fresh() {
			state = "new"
		}
		fmt.Fprintf(opts.Out, "Embedded development chain (id %d, %s): LoanRegistry at %s", simchain.ChainID, state, c.registry.Hex())
		if url := c.embedded.RPCURL(); url != "" {
			fmt.Fprintf(opts.Out, ", JSON-RPC at %s", url)
		}
		fmt.Fprintln(opts.Out)
	} else {
		c.client, err = evm.Dial(ctx, cfg.RPCURL, cfg.RPCURLBackup, evm.ClientOptions{
			OnFailover: func(from, to string, err error) {
				log.Warn("chain RPC failover", "from", from, "to", to, "err", err)
			},
			OnCall: opts.OnCall,
		})
		if err != nil {
			return nil, err
		}
		c.registry = common.HexToAddress(cfg.ContractAddress)
		if signer, err = Signer(ctx, cfg); err != nil {
			return nil, err
		}
	}
	c.signer = signer.Address()
	if ext, ok := signer.(doctor.ExternalSigner); ok {
		c.external = ext
		// Not fatal: anchors wait (and retry) until the signer answers.
		if err := ext.Ping(ctx); err != nil {
			log.Warn("the external signer does not answer; anchoring waits for it", "err", err)
		}
	}
	if c.chainID, err = c.client.ChainID(ctx); err != nil {
		return nil, fmt.Errorf("ask the chain its id: %w", err)
	}
	if txmgr.Finality(cfg.Finality) == txmgr.FinalityTag {
		if err := trustFinalizedTag(ctx, c.client); err != nil {
			return nil, err
		}
	}
	metrics := opts.TxMetrics
	if metrics == nil {
		metrics = txmgr.NopMetrics{}
	}
	manager, err := txmgr.New(txmgr.Config{
		Chain:        c.client,
		Signer:       signer,
		Journal:      opts.Journal,
		Policy:       TxPolicy(cfg),
		PollInterval: pollInterval(c.embedded != nil),
		Log:          log.With("component", "txmgr"),
		Metrics:      metrics,
	})
	if err != nil {
		return nil, err
	}
	if c.evm, err = evmchain.New(evmchain.Config{Client: c.client, ChainID: c.chainID, Registry: c.registry, Signer: c.signer, Manager: manager}); err != nil {
		return nil, err
	}
	c.Chain = c.evm
	c.SenderLock = c.signer.Hex()
	c.WatchInterval = 10 * pollInterval(c.embedded != nil)
	c.LogAttrs = []any{"mode", cfg.AnchorMode, "chain", c.Network(), "registry", c.registry.Hex(), "signer", c.signer.Hex()}
	return c, nil
}

// openStream is Open for BLOCKCHAIN_BACKEND=multichain. There is no
// transaction manager: the stream's read-back keeps retries from
// publishing twice, and there are no nonces or fees.
func openStream(ctx context.Context, cfg *config.Config, opts Options) (*Chain, error) {
	log := opts.Log
	onForeign := func(key string, it *multichain.Item) {
		log.Warn("foreign item under one of our stream keys: ignored", "key", key, "txid", multichain.TxIDString(it.TxID), "publishers", it.Publishers)
	}
	ad, err := openMultiChain(cfg, opts.OnCall, onForeign)
	if err != nil {
		return nil, err
	}
	if err := ad.Check(ctx); err != nil {
		return nil, fmt.Errorf("MultiChain backend at %s is not ready: %w", ad.Client().Host(), err)
	}
	fmt.Fprintf(opts.Out, "Anchoring on MultiChain %s, stream %s, publishing from %s\n", ad.Chain(), ad.Stream(), cfg.MultiChainFrom)
	return &Chain{
		Chain: multichain.NewChain(ad), adapter: ad, log: log,
		// One publisher per address: batch sequence numbers are assigned
		// by the publisher, so two at once could number two batches alike.
		SenderLock:  "multichain-" + cfg.MultiChainFrom,
		Concurrency: cfg.MultiChainConcurrency,
		LogAttrs:    []any{"mode", cfg.AnchorMode, "chain", ad.Chain(), "stream", ad.Stream(), "from", cfg.MultiChainFrom},
	}, nil
}

// Close stops the embedded chain or closes the connection. Safe to call
// twice.
func (c *Chain) Close() {
	if c.embedded != nil {
		if err := c.embedded.Stop(); err != nil && c.log != nil {
			c.log.Warn("stop embedded chain", "err", err)
		}
		c.embedded = nil
	} else if c.client != nil {
		c.client.Close()
	}
	c.client = nil
}

// RPCURL is where a person can reach the chain's node: the embedded
// chain's JSON-RPC address, the MultiChain node's, or "" (a configured
// RPC URL may carry credentials).
func (c *Chain) RPCURL() string {
	switch {
	case c.embedded != nil:
		return c.embedded.RPCURL()
	case c.adapter != nil:
		return "http://" + c.adapter.Client().Host()
	}
	return ""
}

// Signer is the anchoring account; zero on MultiChain.
func (c *Chain) Signer() common.Address { return c.signer }

// SignerNonce is the anchoring account's nonce; ok is false on a chain
// without nonces.
func (c *Chain) SignerNonce(ctx context.Context) (addr common.Address, nonce uint64, ok bool, err error) {
	if c.evm == nil {
		return common.Address{}, 0, false, nil
	}
	addr, nonce, err = c.evm.SignerNonce(ctx)
	return addr, nonce, true, err
}

// RPCEndpoints is the EVM client's failover endpoints, for
// aartha_rpc_endpoint_active; nil on MultiChain.
func (c *Chain) RPCEndpoints() interface {
	ActiveEndpoint() (name, host string)
	EndpointNames() []string
} {
	if c.client == nil {
		return nil
	}
	return c.client
}

// Diagnose fills in what the doctor examines of this running chain: the
// stream's node, or the (failover) endpoint, chain id, registry, signer
// and external signer.
func (c *Chain) Diagnose(d *doctor.Deps) {
	if c.adapter != nil {
		d.Stream = c.adapter
		return
	}
	d.Endpoints = []doctor.Endpoint{{Name: "chain", Chain: evmchain.Endpoint{Client: c.client}}}
	if len(c.client.EndpointNames()) > 1 {
		d.ActiveEndpoint = c.client.ActiveEndpoint // "rpc in use": primary or backup
	}
	d.ChainID, d.Registry, d.Signer = c.chainID.Uint64(), c.registry, c.signer
	d.ExternalSigner = c.external
}

// TxPolicy is the transaction manager's policy from the configuration.
func TxPolicy(cfg *config.Config) txmgr.Policy {
	var feeCap *big.Int
	if cfg.MaxGasPriceWei > 0 {
		feeCap = new(big.Int).SetUint64(cfg.MaxGasPriceWei)
	}
	return txmgr.Policy{FeeCap: feeCap, GasLimit: cfg.GasLimit, Confirmations: cfg.Confirmations,
		Finality: txmgr.Finality(cfg.Finality), MaxRetries: cfg.MaxRetries, RetryDelay: cfg.RetryDelay}
}

// trustFinalizedTag refuses BLOCKCHAIN_FINALITY=tag on a node whose
// finalized tag follows its head: every block would be final when mined.
func trustFinalizedTag(ctx context.Context, c *evm.Client) error {
	head, err := c.HeaderByNumber(ctx, nil)
	if err != nil {
		return fmt.Errorf("BLOCKCHAIN_FINALITY=tag: read the latest block: %w", err)
	}
	finalized, err := c.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
	if err != nil {
		return fmt.Errorf("BLOCKCHAIN_FINALITY=tag: the node does not answer for its finalized block (%w); use BLOCKCHAIN_FINALITY=confirmations", err)
	}
	if why := txmgr.CheckTag(head.Number.Uint64(), finalized.Number.Uint64()); why != "" {
		return errors.New("BLOCKCHAIN_FINALITY=tag refused: " + why)
	}
	return nil
}

// pollInterval is how often unfinished transactions are looked at: the
// embedded chain mines at once, a real one every few seconds.
func pollInterval(embedded bool) time.Duration {
	if embedded {
		return 100 * time.Millisecond
	}
	return 2 * time.Second
}

// Signer builds the anchoring signer from the one source configured: an
// external signer (BLOCKCHAIN_SIGNER_URL — Clef or any eth_signTransaction
// signer, so the key never enters this process), the encrypted keystore,
// or, in development, BLOCKCHAIN_PRIVATE_KEY.
func Signer(ctx context.Context, cfg *config.Config) (txmgr.Signer, error) {
	switch {
	case cfg.SignerURL != "":
		s, err := evm.DialExternalSigner(ctx, cfg.SignerURL, common.HexToAddress(cfg.SignerAddress),
			evm.ExternalSignerOptions{API: cfg.SignerAPI})
		if err != nil {
			return nil, fmt.Errorf("BLOCKCHAIN_SIGNER_URL: %w", err)
		}
		return s, nil
	case cfg.KeystorePath != "":
		s, err := evm.LoadKeystore(cfg.KeystorePath, cfg.KeystorePass)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	key, err := crypto.HexToECDSA(cfg.PrivateKey)
	if err != nil {
		// The parser's message may quote the key: never wrap it.
		return nil, errors.New("BLOCKCHAIN_PRIVATE_KEY is not a valid secp256k1 key")
	}
	return evm.NewKeySigner(key)
}

// KnownCalls are the chain calls the configured backend makes, for
// blockchain_calls_total to show at zero until the first call.
func KnownCalls(cfg *config.Config) []string {
	if cfg.Backend == BackendMultiChain {
		return nil
	}
	return evm.Operations
}

// BlockTime is the time of block number on the EVM chain, for the receipt
// certificate. A MultiChain node is not asked: the certificate then leaves
// the time out.
func (c *Chain) BlockTime(ctx context.Context, number uint64) (time.Time, error) {
	if c.client == nil {
		return time.Time{}, errors.New("block time: not read from a MultiChain node")
	}
	h, err := c.client.HeaderByNumber(ctx, new(big.Int).SetUint64(number))
	if err != nil {
		return time.Time{}, fmt.Errorf("block %d: %w", number, err)
	}
	return time.Unix(int64(h.Time), 0).UTC(), nil //nolint:gosec // block times are far below 2^63
}
