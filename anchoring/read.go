package anchoring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/doctor"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evmchain"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/reconcile"
	"github.com/aartha/ledger/simchain"
)

// openMultiChain builds the stream adapter the configuration describes,
// with calls reported to onCall and foreign items under our keys told to
// onForeign (either may be nil). It does not contact the node. Its errors
// never contain the RPC password; a malformed address names its variable
// (MULTICHAIN_FROM_ADDRESS, MULTICHAIN_PUBLISHERS).
func openMultiChain(cfg *config.Config, onCall func(string, error, time.Duration), onForeign func(string, *multichain.Item)) (*multichain.Adapter, error) {
	ccfg := multichain.ClientConfig{URL: cfg.MultiChainRPCURL, ConfFile: cfg.MultiChainConf}
	if onCall != nil {
		ccfg.OnCall = func(method string, err error, d time.Duration) { onCall("multichain_"+method, err, d) }
	}
	c, err := multichain.NewClient(ccfg)
	if err != nil {
		return nil, fmt.Errorf("MultiChain node: %w", err)
	}
	return multichain.New(c, multichain.Options{
		Stream: cfg.MultiChainStream, ChainName: cfg.MultiChainChainName, From: cfg.MultiChainFrom,
		Publishers: cfg.MultiChainPublishers, Confirmations: cfg.Confirmations, OnForeign: onForeign,
	})
}

// OpenReader opens the configured chain to read it (reconcile, rebuild):
// the MultiChain stream when BLOCKCHAIN_BACKEND=multichain (rpcURL, if
// set, in place of MULTICHAIN_RPC_URL); else the registry (contract, if
// set, in place of BLOCKCHAIN_CONTRACT_ADDRESS) at rpcURL if given, else
// at BLOCKCHAIN_RPC_URL, else in the embedded chain's data directory
// (which fails while `aartha serve` holds it: then pass its JSON-RPC
// address as rpcURL). The chain cannot send. Close it.
func OpenReader(ctx context.Context, cfg *config.Config, rpcURL, contract string) (*Chain, error) {
	if cfg.Backend == BackendMultiChain {
		mcfg := *cfg
		if rpcURL != "" {
			mcfg.MultiChainRPCURL = rpcURL
		}
		ad, err := openMultiChain(&mcfg, nil, nil)
		if err != nil {
			return nil, err
		}
		return &Chain{Chain: multichain.NewChain(ad), adapter: ad}, nil
	}
	c := &Chain{}
	if rpcURL == "" {
		rpcURL = cfg.RPCURL
	}
	if contract == "" {
		contract = cfg.ContractAddress
	}
	switch {
	case rpcURL != "":
		client, err := evm.Dial(ctx, rpcURL, cfg.RPCURLBackup, evm.ClientOptions{})
		if err != nil {
			return nil, err
		}
		c.client = client
		if contract == "" && cfg.RPCURL == "" {
			contract = simchain.RegistryAddress().Hex() // the embedded chain served over RPC
		}
		if !common.IsHexAddress(contract) {
			c.Close()
			return nil, errors.New("BLOCKCHAIN_CONTRACT_ADDRESS (or --contract) must name the LoanRegistry")
		}
		c.registry = common.HexToAddress(contract)
	default:
		chain, err := simchain.Start(ctx, simchain.Options{DataDir: filepath.Join(cfg.DataDir, "chain"), Manual: true})
		if err != nil {
			return nil, fmt.Errorf("open the embedded chain in %s (is `aartha serve` running? then pass --rpc with its JSON-RPC URL, e.g. http://%s): %w",
				filepath.Join(cfg.DataDir, "chain"), cfg.DevChainRPCAddr, err)
		}
		c.embedded, c.client, c.registry = chain, chain.Client(), chain.Registry()
	}
	id, err := c.client.ChainID(ctx)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("ask the chain its id: %w", err)
	}
	c.chainID = id
	if c.evm, err = evmchain.New(evmchain.Config{Client: c.client, ChainID: id, Registry: c.registry}); err != nil {
		c.Close()
		return nil, err
	}
	c.Chain = c.evm
	return c, nil
}

// ReadsConfiguredChain reports whether rpcURL and contract (the --rpc and
// --contract flags, "" when not given) name the configured registry on
// the configured chain, so that its deployment block
// (BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK) is where its writes begin. A stream
// has no deployment block.
func ReadsConfiguredChain(cfg *config.Config, rpcURL, contract string) bool {
	switch {
	case cfg.Backend == BackendMultiChain:
		return false
	case rpcURL != "" && rpcURL != cfg.RPCURL && rpcURL != cfg.RPCURLBackup:
		return false // another chain
	case contract != "" && !strings.EqualFold(contract, cfg.ContractAddress):
		return false // another registry
	}
	return true
}

// FirstBlock is where reconcile and rebuild start reading the chain: the
// block given (--from-block) when given; else, when rpcURL and contract
// read the configured registry on the configured chain
// (ReadsConfiguredChain), its deployment block
// (BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK, 0 if unknown); else 0.
func FirstBlock(cfg *config.Config, rpcURL, contract string, block uint64, given bool) uint64 {
	switch {
	case given:
		return block
	case !ReadsConfiguredChain(cfg, rpcURL, contract):
		return 0
	}
	return cfg.DeployBlock
}

// VerifyOptions say where to check a receipt.
type VerifyOptions struct {
	RPCURL string // the chain's JSON-RPC URL (MultiChain: with credentials)
	// ConfFile and Stream are for MultiChain receipts: the chain's
	// multichain.conf, and the stream the item must be in.
	ConfFile, Stream string
}

// VerifyFile reads the receipt in the file at path and checks it (Verify).
func VerifyFile(ctx context.Context, path string, opts VerifyOptions) (*ledger.Receipt, *ledger.Verification, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read receipt: %w", err)
	}
	r, err := ledger.ParseReceipt(data)
	if err != nil {
		return nil, nil, err
	}
	v, err := Verify(ctx, r, opts)
	return r, v, err
}

// Verify checks a receipt against the chain it names, without our
// database: a multichain:<name> receipt against a MultiChain node, any
// other against an EVM chain. Errors name the node by host only: the URL
// may carry the password.
func Verify(ctx context.Context, r *ledger.Receipt, opts VerifyOptions) (*ledger.Verification, error) {
	if strings.HasPrefix(r.Chain, multichain.ChainPrefix) {
		if opts.RPCURL == "" && opts.ConfFile == "" {
			return nil, fmt.Errorf("the receipt is on %s: give --rpc http://user:password@host:port of one of its nodes, or --multichain-conf", r.Chain)
		}
		client, err := multichain.NewClient(multichain.ClientConfig{URL: opts.RPCURL, ConfFile: opts.ConfFile})
		if err != nil {
			return nil, err
		}
		return multichain.Verify(ctx, client, r, multichain.VerifyOptions{Stream: opts.Stream})
	}
	if opts.RPCURL == "" {
		return nil, fmt.Errorf("--rpc is required: the JSON-RPC URL of the chain named in the receipt")
	}
	client, err := evm.Dial(ctx, opts.RPCURL, "", evm.ClientOptions{})
	if err != nil {
		return nil, err
	}
	defer client.Close()
	return evm.VerifyReceipt(ctx, client, r)
}

// Diagnose fills in, from the configuration, what the doctor examines of
// the chain without running it: the MultiChain node and stream, or each
// configured RPC endpoint (primary, backup, or the embedded chain's RPC
// address), the registry, the signer and the external signer. It returns
// what releases the connections it opened.
func Diagnose(ctx context.Context, cfg *config.Config, d *doctor.Deps) (closers []func(), err error) {
	defer func() {
		if err != nil {
			for _, c := range closers {
				c()
			}
			closers = nil
		}
	}()
	if cfg.Backend == BackendMultiChain {
		ad, err := openMultiChain(cfg, nil, nil)
		if err != nil {
			return nil, err
		}
		d.Stream = ad
		return nil, nil
	}
	urls := map[string]string{"primary": cfg.RPCURL, "backup": cfg.RPCURLBackup}
	if cfg.RPCURL == "" {
		// The embedded chain: its fixed development registry and key.
		if cfg.DevChainRPCAddr == "" {
			return nil, nil
		}
		urls = map[string]string{"embedded": "http://" + cfg.DevChainRPCAddr}
		d.ChainID, d.Registry, d.Signer = simchain.ChainID, simchain.RegistryAddress(), simchain.DevAddress()
	} else {
		d.Registry = common.HexToAddress(cfg.ContractAddress)
		addr, err := SignerAddress(cfg)
		if err != nil {
			return nil, err
		}
		d.Signer = addr
		if cfg.SignerURL != "" {
			ext, err := evm.DialExternalSigner(ctx, cfg.SignerURL, addr, evm.ExternalSignerOptions{API: cfg.SignerAPI})
			if err != nil {
				return nil, fmt.Errorf("BLOCKCHAIN_SIGNER_URL: %w", err)
			}
			closers = append(closers, ext.Close)
			d.ExternalSigner = ext
		}
	}
	for _, name := range []string{"primary", "backup", "embedded"} {
		url := urls[name]
		if url == "" {
			continue
		}
		client, err := evm.Dial(ctx, url, "", evm.ClientOptions{CallTimeout: 5 * time.Second})
		if err != nil {
			return closers, err
		}
		closers = append(closers, client.Close)
		d.Endpoints = append(d.Endpoints, doctor.Endpoint{Name: name, Host: evm.RedactURL(url), Chain: evmchain.Endpoint{Client: client}})
	}
	return closers, nil
}

// SignerAddress is the anchoring account's address, read without the
// keystore's passphrase (or asking the external signer) where possible.
func SignerAddress(cfg *config.Config) (common.Address, error) {
	if cfg.SignerURL != "" {
		return common.HexToAddress(cfg.SignerAddress), nil
	}
	if cfg.KeystorePath != "" {
		return evm.KeystoreAddress(cfg.KeystorePath)
	}
	key, err := crypto.HexToECDSA(cfg.PrivateKey)
	if err != nil {
		return common.Address{}, fmt.Errorf("BLOCKCHAIN_PRIVATE_KEY is not a valid secp256k1 key")
	}
	return crypto.PubkeyToAddress(key.PublicKey), nil
}

// ChainScan is what reconcile and rebuild read from the chain: the index
// of its writes, and the chain and contract to name in the report.
type ChainScan struct {
	Index    *reconcile.ChainIndex
	Network  string
	Contract common.Address // the registry, or the MultiChain publisher's key hash
}

// Scan indexes the anchoring chain's writes from block from on: the
// MultiChain stream's items when BLOCKCHAIN_BACKEND=multichain (rpcURL, if
// set, in place of MULTICHAIN_RPC_URL), else the registry's events (see
// OpenReader).
func Scan(ctx context.Context, cfg *config.Config, rpcURL, contract string, from uint64) (*ChainScan, error) {
	chain, err := OpenReader(ctx, cfg, rpcURL, contract)
	if err != nil {
		return nil, err
	}
	defer chain.Close()
	idx, err := reconcile.Scan(ctx, chain, from)
	if err != nil {
		return nil, err
	}
	return &ChainScan{Index: idx, Network: chain.Network(), Contract: chain.Contract()}, nil
}
