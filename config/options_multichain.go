package config

import (
	"errors"
	"strconv"
	"strings"
)

// multichainOptions declares the variables of anchoring on a MultiChain
// stream, and outage alerting for either chain.
func multichainOptions() []option {
	return []option{
		{name: "MULTICHAIN_RPC_URL", secret: true, help: "the MultiChain node's JSON-RPC endpoint, e.g. http://127.0.0.1:19538 (secret: it may carry credentials)",
			apply: func(c *Config, v string) error { c.MultiChainRPCURL = v; return optionalURL(v, "http", "https") }},
		{name: "MULTICHAIN_CONF", help: "path of the chain's multichain.conf, for rpcuser and rpcpassword (and rpcport when the URL has none)",
			apply: func(c *Config, v string) error { c.MultiChainConf = v; return nil }},
		{name: "MULTICHAIN_CHAIN_NAME", help: "the MultiChain chain's name; receipts say multichain:<name>",
			apply: func(c *Config, v string) error { c.MultiChainChainName = v; return nil }},
		{name: "MULTICHAIN_STREAM", help: "the write-restricted stream that holds the anchors (1-32 bytes)",
			apply: func(c *Config, v string) error {
				if len(v) > 32 {
					return errors.New("must be at most 32 bytes")
				}
				c.MultiChainStream = v
				return nil
			}},
		{name: "MULTICHAIN_FROM_ADDRESS", help: "the MultiChain address that publishes; needs send and <stream>.write",
			apply: func(c *Config, v string) error { c.MultiChainFrom = v; return nil }},
		{name: "MULTICHAIN_PUBLISHERS", help: "comma-separated earlier publishing addresses whose stream items still count as ours (after a key rotation); items of any other address are foreign and ignored",
			apply: func(c *Config, v string) error {
				c.MultiChainPublishers = nil
				for _, a := range strings.Split(v, ",") {
					if a = strings.TrimSpace(a); a != "" {
						c.MultiChainPublishers = append(c.MultiChainPublishers, a)
					}
				}
				return nil
			}},
		{name: "MULTICHAIN_PUBLISH_CONCURRENCY", def: "16", help: "direct mode: how many records are published to the stream at once (1-1000)",
			apply: func(c *Config, v string) (err error) {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 1000 {
					return errors.New("must be a whole number from 1 to 1000")
				}
				c.MultiChainConcurrency = n
				return nil
			}},
		{name: "BLOCKCHAIN_OUTAGE_ALERT_AFTER", def: "5m", help: "how long the chain may be unreachable before an alert (anchoring waits for it, however long)",
			apply: func(c *Config, v string) (err error) { c.OutageAlertAfter, err = parseDuration(v); return err }},
	}
}
