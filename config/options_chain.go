package config

import (
	"errors"
	"net"
	"strconv"
	"strings"
)

// chainOptions declares the variables of anchoring on an EVM chain:
// endpoints, registry, signer, fees, finality and batching.
func chainOptions() []option {
	return []option{
		{name: "ENABLE_BLOCKCHAIN", def: "true", help: "false turns off all anchoring",
			apply: func(c *Config, v string) (err error) {
				c.EnableBlockchain, err = strconv.ParseBool(v)
				if err != nil {
					return errors.New("must be true or false")
				}
				return nil
			}},
		{name: "BLOCKCHAIN_BACKEND", def: "evm", help: "evm (the LoanRegistry contract) or multichain (a MultiChain stream)",
			apply: func(c *Config, v string) error {
				if v != "evm" && v != "multichain" {
					return errors.New(`must be "evm" or "multichain"`)
				}
				c.Backend = v
				return nil
			}},
		{name: "BLOCKCHAIN_RPC_URL", help: "EVM JSON-RPC endpoint; empty uses the embedded simulated chain",
			apply: func(c *Config, v string) error { c.RPCURL = v; return optionalURL(v, "http", "https", "ws", "wss") }},
		{name: "BLOCKCHAIN_RPC_URL_BACKUP", help: "second RPC endpoint used when the first fails",
			apply: func(c *Config, v string) error {
				c.RPCURLBackup = v
				return optionalURL(v, "http", "https", "ws", "wss")
			}},
		{name: "BLOCKCHAIN_CONTRACT_ADDRESS", help: "LoanRegistry address (0x + 40 hex)",
			apply: func(c *Config, v string) error {
				if v != "" && !hexAddress.MatchString(v) {
					return errors.New("must be 0x followed by 40 hex digits")
				}
				c.ContractAddress = strings.ToLower(v)
				return nil
			}},
		{name: "BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK", help: "block the LoanRegistry was deployed in (`aartha deploy` prints it); reconcile and rebuild read its events from there by default",
			apply: func(c *Config, v string) (err error) {
				if v == "" {
					return nil
				}
				c.DeployBlock, err = parseUint(v)
				return err
			}},
		{name: "BLOCKCHAIN_PRIVATE_KEY", secret: true, help: "hex secp256k1 key of the anchoring account",
			apply: func(c *Config, v string) error {
				if v != "" && !hexKey.MatchString(v) {
					return errors.New("must be 64 hex digits, optionally prefixed by 0x")
				}
				c.PrivateKey = strings.TrimPrefix(v, "0x")
				return nil
			}},
		{name: "BLOCKCHAIN_KEYSTORE", help: "encrypted keystore file of the anchoring account (instead of BLOCKCHAIN_PRIVATE_KEY)",
			apply: func(c *Config, v string) error { c.KeystorePath = v; return nil }},
		{name: "BLOCKCHAIN_KEYSTORE_PASSPHRASE", secret: true, help: "passphrase of BLOCKCHAIN_KEYSTORE",
			apply: func(c *Config, v string) error { c.KeystorePass = v; return nil }},
		{name: "BLOCKCHAIN_SIGNER_URL", help: "JSON-RPC endpoint of an external signer (Clef, or any signer answering eth_signTransaction), instead of a key in the service",
			apply: func(c *Config, v string) error { c.SignerURL = v; return optionalURL(v, "http", "https") }},
		{name: "BLOCKCHAIN_SIGNER_ADDRESS", help: "the account the external signer signs for (0x + 40 hex)",
			apply: func(c *Config, v string) error {
				if v != "" && !hexAddress.MatchString(v) {
					return errors.New("must be 0x followed by 40 hex digits")
				}
				c.SignerAddress = strings.ToLower(v)
				return nil
			}},
		{name: "BLOCKCHAIN_SIGNER_API", def: "clef", help: "how to ask the external signer: clef (account_signTransaction) or eth (eth_signTransaction)",
			apply: func(c *Config, v string) error {
				if v != "clef" && v != "eth" {
					return errors.New(`must be "clef" or "eth"`)
				}
				c.SignerAPI = v
				return nil
			}},
		{name: "BLOCKCHAIN_GAS_LIMIT", def: "0", help: "gas limit per transaction; 0 estimates each one",
			apply: func(c *Config, v string) (err error) { c.GasLimit, err = parseUint(v); return err }},
		{name: "BLOCKCHAIN_MAX_GAS_PRICE", def: "0", help: "fee cap in gwei (decimal, up to 9 places); 0 means no cap",
			apply: func(c *Config, v string) (err error) { c.MaxGasPriceWei, err = ParseGwei(v); return err }},
		{name: "BLOCKCHAIN_MAX_RETRIES", def: "5", help: "attempts before an anchor is marked failed",
			apply: func(c *Config, v string) error {
				n, err := parseUint(v)
				if err == nil && (n < 1 || n > 100) {
					err = errors.New("must be between 1 and 100")
				}
				c.MaxRetries = int(n)
				return err
			}},
		{name: "BLOCKCHAIN_RETRY_DELAY", def: "5s", help: "wait before a retry: a Go duration (30s) or whole seconds",
			apply: func(c *Config, v string) (err error) { c.RetryDelay, err = parseDuration(v); return err }},
		{name: "BLOCKCHAIN_CONFIRMATIONS", def: "2", help: "blocks deep before an anchor is final",
			apply: func(c *Config, v string) (err error) { c.Confirmations, err = parseUint(v); return err }},
		{name: "BLOCKCHAIN_FINALITY", def: "confirmations", help: "what makes an anchor final: confirmations (BLOCKCHAIN_CONFIRMATIONS blocks deep by our own count; every chain) or tag (the node's finalized block as well; Ethereum, Polygon PoS)",
			apply: func(c *Config, v string) error {
				if v != "confirmations" && v != "tag" {
					return errors.New(`must be "confirmations" or "tag"`)
				}
				c.Finality = v
				return nil
			}},
		{name: "BLOCKCHAIN_ANCHOR_MODE", def: "batch", help: "batch (one Merkle root per many records) or direct (one transaction per record)",
			apply: func(c *Config, v string) error {
				if v != "batch" && v != "direct" {
					return errors.New(`must be "batch" or "direct"`)
				}
				c.AnchorMode = v
				return nil
			}},
		{name: "BLOCKCHAIN_BATCH_MAX", def: "1000", help: "most records under one batch root (1-65535)",
			apply: func(c *Config, v string) error {
				n, err := parseUint(v)
				if err == nil && (n < 1 || n > 65535) {
					err = errors.New("must be between 1 and 65535")
				}
				c.BatchMax = int(n)
				return err
			}},
		{name: "BLOCKCHAIN_BATCH_WINDOW", def: "5s", help: "how long records collect before a batch is sent",
			apply: func(c *Config, v string) (err error) { c.BatchWindow, err = parseDuration(v); return err }},
		{name: "AARTHA_DEV_CHAIN_RPC", def: "127.0.0.1:8545", help: "loopback host:port where the embedded chain answers JSON-RPC; \"off\" disables it",
			apply: func(c *Config, v string) error {
				if v == "off" || v == "" {
					return nil
				}
				host, _, err := net.SplitHostPort(v)
				if err != nil {
					return errors.New(`must be host:port on loopback, e.g. 127.0.0.1:8545, or "off"`)
				}
				if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
					return errors.New("must be a loopback address: the embedded chain is for development only")
				}
				c.DevChainRPCAddr = v
				return nil
			}},
		{name: "BLOCKCHAIN_EXPLORER_URL", help: "block explorer base URL for transaction links",
			apply: func(c *Config, v string) error {
				c.ExplorerURL = strings.TrimSuffix(v, "/")
				return optionalURL(v, "http", "https")
			}},
	}
}
