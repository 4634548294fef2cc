// Package config turns environment variables into a validated Config.
//
// Every variable is declared once in the options table below, with its
// default, whether it is secret and how it is parsed. Any variable NAME may
// instead be read from the file named by NAME_FILE (how Docker, Kubernetes
// and Vault Agent deliver secrets); setting both is an error. The package
// never reads the process environment itself: callers pass a lookup function,
// so cmd/aartha is the only place that touches os.Getenv.
package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Lookup returns the value of an environment variable and whether it is set.
// os.LookupEnv satisfies it.
type Lookup func(name string) (string, bool)

// ReadFile reads a whole file; os.ReadFile satisfies it.
type ReadFile func(path string) ([]byte, error)

// Mode is the deployment mode. Development allows plain secret values and
// generated defaults; production insists on explicit, strong settings.
type Mode string

// The deployment modes.
const (
	Development Mode = "development"
	Production  Mode = "production"
)

// Config is the resolved configuration of the service. Values are already
// parsed; wei amounts and durations are integers, never floats.
type Config struct {
	Mode       Mode
	DataDir    string
	ListenAddr string
	// LogLevel is the least severe level `serve` logs.
	LogLevel slog.Level

	// DatabaseURL is a PostgreSQL URL; empty means the embedded SQLite store
	// in DataDir.
	DatabaseURL string
	// DatabasePassword, when set, replaces the password in DatabaseURL, so
	// that it can come from a file or a secret reference and be rotated.
	DatabasePassword string // secret

	EnableBlockchain bool
	// Backend is the chain anchors go to: "evm" (the LoanRegistry
	// contract) or "multichain" (a MultiChain stream).
	Backend string
	// RPCURL is an EVM JSON-RPC endpoint; empty means the embedded
	// simulated chain.
	RPCURL          string
	RPCURLBackup    string
	ContractAddress string // lowercase 0x hex, or empty
	DeployBlock     uint64 // block the registry was deployed in, where reconcile and rebuild start; 0: unknown
	PrivateKey      string // secret; 0x-less hex
	KeystorePath    string // encrypted go-ethereum keystore file, instead of PrivateKey
	KeystorePass    string // secret: the keystore's passphrase
	// SignerURL is an external signer's JSON-RPC endpoint (Clef, or any
	// signer answering eth_signTransaction): the service then holds no key.
	SignerURL       string
	SignerAddress   string // lowercase 0x hex: the account the external signer signs for
	SignerAPI       string // "clef" (account_signTransaction) or "eth" (eth_signTransaction)
	GasLimit        uint64 // 0 means estimate per transaction
	MaxGasPriceWei  uint64 // 0 means no cap
	MaxRetries      int
	RetryDelay      time.Duration
	Confirmations   uint64
	Finality        string        // "confirmations" or "tag" (txmgr.Finality)
	AnchorMode      string        // "batch" or "direct"
	BatchMax        int           // leaves per batch
	BatchWindow     time.Duration // how long anchors collect before a batch goes
	DevChainRPCAddr string        // loopback host:port of the embedded chain's JSON-RPC; empty is off
	ExplorerURL     string
	AlertEmail      string
	WebhookURL      string // secret: webhook URLs often carry a token
	SMTPAddr        string // host:port of the mail server for alerts; empty sends no mail
	SMTPFrom        string
	SMTPUser        string
	SMTPPass        string // secret

	// MultiChain backend (Backend == "multichain").
	MultiChainRPCURL    string // secret when it carries credentials
	MultiChainConf      string // path of the chain's multichain.conf
	MultiChainChainName string
	MultiChainStream    string
	MultiChainFrom      string // publishing address
	// MultiChainPublishers are earlier publishing addresses whose items
	// still count as ours (after a key rotation); MultiChainFrom always does.
	MultiChainPublishers []string
	// MultiChainConcurrency is how many direct-mode records are published
	// at once (a stream has no nonces).
	MultiChainConcurrency int
	// OutageAlertAfter is how long the chain may be unreachable before an
	// alert; anchoring waits for it however long it takes.
	OutageAlertAfter time.Duration

	// SecretRefresh is how often secret references (vault://, awssm://,
	// azkv://) are fetched again; 0 fetches them only at start.
	SecretRefresh time.Duration
	// HashiCorp Vault, for vault:// references: token auth, or AppRole
	// when VaultRoleID is set.
	VaultAddr     string
	VaultToken    string // secret
	VaultRoleID   string
	VaultSecretID string // secret

	// Refreshed gives the current value of a variable whose secret reference
	// is fetched again while the process runs (see SecretRefresh), and false
	// for every other variable. Load leaves it nil; the caller that starts
	// the refresher sets it, and consumers that can take a new value live
	// (the JWT key, the database password) ask it instead of the field.
	Refreshed func(name string) (string, bool)

	// Error tracking and tracing; empty turns each off.
	SentryDSN    string // secret: a DSN carries the project's key
	OTLPEndpoint string

	APIBaseURL     string
	AdminPanelURL  string
	JWTSecretKey   string // secret
	JWTAlgorithm   string
	JWTExpiry      time.Duration
	AllowedOrigins []string

	// RedisURL is where rate limit counters are shared between replicas;
	// empty keeps them in memory, per process.
	RedisURL string
	// Requests per minute: chain writes per user and per IP, the public
	// verify endpoint and logins per IP.
	RateLimitChainWrites int
	RateLimitVerify      int
	RateLimitLogin       int
	// The first admin, created at start when there are no users yet.
	AdminEmail    string
	AdminPassword string // secret
	MaxBodyBytes  int64

	// Client addresses and login throttling (issue 20).
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client; a request from any other peer is that peer's own.
	TrustedProxies []netip.Prefix
	// RateLimitLoginAccount is login attempts per minute per account,
	// whatever the address they come from.
	RateLimitLoginAccount int
}

// SQLitePath is the database file used when DatabaseURL is empty.
func (c *Config) SQLitePath() string {
	return strings.TrimSuffix(c.DataDir, "/") + "/aartha.db"
}

// Setting is one resolved variable as shown by `aartha config check`.
type Setting struct {
	Name  string
	Value string // masked when Secret
	// Source is "default", "env", "file:<path>" or the secret reference
	// itself ("vault://secret/aartha#jwt"; references are not secret); the
	// help text in Variables.
	Source string
	Secret bool
	// Ref is the secret reference the value was fetched from, or empty.
	Ref string
	// Warning is set when the value is acceptable but risky, e.g. a plain
	// secret in the environment outside development mode.
	Warning string
}

// FieldError names one variable whose value is unusable.
type FieldError struct {
	Name    string
	Problem string
}

func (e FieldError) Error() string { return e.Name + ": " + e.Problem }

// Errors lists every broken variable at once, so an operator fixes them in
// one pass instead of one restart per mistake.
type Errors []FieldError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "invalid configuration:\n  " + strings.Join(parts, "\n  ")
}

// option declares one variable: its name, default, secrecy and how its
// value lands in Config.
type option struct {
	name   string
	def    string
	secret bool
	help   string
	apply  func(c *Config, v string) error
}

var hexKey = regexp.MustCompile(`^(0x)?[0-9a-fA-F]{64}$`)
var hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

func options() []option {
	return []option{
		{name: "AARTHA_MODE", def: "development", help: "development or production",
			apply: func(c *Config, v string) error {
				switch Mode(v) {
				case Development, Production:
					c.Mode = Mode(v)
					return nil
				}
				return errors.New(`must be "development" or "production"`)
			}},
		{name: "AARTHA_LOG_LEVEL", def: "info", help: "least severe log level of serve: debug, info, warn or error",
			apply: func(c *Config, v string) error {
				switch v {
				case "debug", "info", "warn", "error":
					return c.LogLevel.UnmarshalText([]byte(v))
				}
				return errors.New("must be debug, info, warn or error")
			}},
		{name: "AARTHA_DATA_DIR", def: "./data", help: "folder for the embedded SQLite database and chain",
			apply: func(c *Config, v string) error { c.DataDir = v; return nonEmpty(v) }},
		{name: "AARTHA_LISTEN_ADDR", def: "127.0.0.1:8080", help: "host:port the HTTP server listens on",
			apply: func(c *Config, v string) error {
				if !strings.Contains(v, ":") {
					return errors.New("must be host:port, e.g. 127.0.0.1:8080")
				}
				c.ListenAddr = v
				return nil
			}},
		{name: "DATABASE_URL", secret: true, help: "PostgreSQL URL; empty uses SQLite in AARTHA_DATA_DIR",
			apply: func(c *Config, v string) error {
				if v == "" {
					return nil
				}
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
					return errors.New("must be a postgres:// or postgresql:// URL")
				}
				c.DatabaseURL = v
				return nil
			}},
		{name: "DATABASE_PASSWORD", secret: true, help: "password of DATABASE_URL's user, instead of one inside the URL; may be a rotated secret reference",
			apply: func(c *Config, v string) error { c.DatabasePassword = v; return nil }},
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
		{name: "BLOCKCHAIN_ALERT_EMAIL", help: "address that receives anchoring alerts",
			apply: func(c *Config, v string) error {
				if v != "" {
					if _, err := mail.ParseAddress(v); err != nil {
						return errors.New("must be an email address")
					}
				}
				c.AlertEmail = v
				return nil
			}},
		{name: "BLOCKCHAIN_WEBHOOK_URL", secret: true, help: "URL that receives failure and mismatch events",
			apply: func(c *Config, v string) error { c.WebhookURL = v; return optionalURL(v, "http", "https") }},
		{name: "SMTP_ADDR", help: "host:port of the SMTP server that mails alerts to BLOCKCHAIN_ALERT_EMAIL; empty sends no mail",
			apply: func(c *Config, v string) error {
				if v != "" {
					if _, _, err := net.SplitHostPort(v); err != nil {
						return errors.New("must be host:port, e.g. smtp.example.com:587")
					}
				}
				c.SMTPAddr = v
				return nil
			}},
		{name: "SMTP_FROM", def: "aartha-alerts@localhost", help: "sender address of alert mails",
			apply: func(c *Config, v string) error {
				if _, err := mail.ParseAddress(v); err != nil {
					return errors.New("must be an email address")
				}
				c.SMTPFrom = v
				return nil
			}},
		{name: "SMTP_USERNAME", help: "SMTP user; empty means no authentication",
			apply: func(c *Config, v string) error { c.SMTPUser = v; return nil }},
		{name: "SMTP_PASSWORD", secret: true, help: "SMTP password",
			apply: func(c *Config, v string) error { c.SMTPPass = v; return nil }},
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
		{name: "AARTHA_SECRET_REFRESH", def: "5m", help: "how often vault://, awssm:// and azkv:// secret references are fetched again; 0 only at start",
			apply: func(c *Config, v string) (err error) { c.SecretRefresh, err = parseDuration(v); return err }},
		{name: "VAULT_ADDR", help: "HashiCorp Vault address for vault:// secret references, e.g. https://vault.example.com:8200",
			apply: func(c *Config, v string) error { c.VaultAddr = v; return optionalURL(v, "http", "https") }},
		{name: "VAULT_TOKEN", secret: true, help: "Vault token (token auth)",
			apply: func(c *Config, v string) error { c.VaultToken = v; return nil }},
		{name: "VAULT_ROLE_ID", help: "Vault AppRole role id (AppRole auth, instead of VAULT_TOKEN)",
			apply: func(c *Config, v string) error { c.VaultRoleID = v; return nil }},
		{name: "VAULT_SECRET_ID", secret: true, help: "Vault AppRole secret id",
			apply: func(c *Config, v string) error { c.VaultSecretID = v; return nil }},
		{name: "SENTRY_DSN", secret: true, help: "Sentry DSN; errors and panics are reported there when set",
			apply: func(c *Config, v string) error { c.SentryDSN = v; return optionalURL(v, "http", "https") }},
		{name: "OTEL_EXPORTER_OTLP_ENDPOINT", help: "OTLP/HTTP endpoint that receives traces, e.g. http://127.0.0.1:4318; empty sends none",
			apply: func(c *Config, v string) error { c.OTLPEndpoint = v; return optionalURL(v, "http", "https") }},
		{name: "API_BASE_URL", def: "http://127.0.0.1:8080", help: "public base URL of the API",
			apply: func(c *Config, v string) error { c.APIBaseURL = v; return requiredURL(v) }},
		{name: "ADMIN_PANEL_URL", def: "http://127.0.0.1:8080/admin", help: "public URL of the admin UI",
			apply: func(c *Config, v string) error { c.AdminPanelURL = v; return requiredURL(v) }},
		{name: "JWT_SECRET_KEY", secret: true, help: "HMAC key for access tokens, at least 32 bytes; generated per start in development",
			apply: func(c *Config, v string) error {
				if v != "" && len(v) < 32 {
					return fmt.Errorf("must be at least 32 bytes, got %d", len(v))
				}
				c.JWTSecretKey = v
				return nil
			}},
		{name: "JWT_ALGORITHM", def: "HS256", help: "HS256, HS384 or HS512",
			apply: func(c *Config, v string) error {
				switch v {
				case "HS256", "HS384", "HS512":
					c.JWTAlgorithm = v
					return nil
				}
				return errors.New("must be HS256, HS384 or HS512")
			}},
		{name: "JWT_EXPIRY_HOURS", def: "8", help: "lifetime of an access token in hours (1-720)",
			apply: func(c *Config, v string) error {
				n, err := parseUint(v)
				if err == nil && (n < 1 || n > 720) {
					err = errors.New("must be between 1 and 720")
				}
				c.JWTExpiry = time.Duration(n) * time.Hour
				return err
			}},
		{name: "REDIS_URL", secret: true, help: "redis:// URL where rate limit counters are shared between replicas; empty keeps them in memory",
			apply: func(c *Config, v string) error { c.RedisURL = v; return optionalURL(v, "redis", "rediss") }},
		{name: "RATE_LIMIT_CHAIN_WRITES", def: "5", help: "requests per minute per user and per IP to endpoints that write to the chain",
			apply: func(c *Config, v string) (err error) { c.RateLimitChainWrites, err = perMinute(v); return err }},
		{name: "RATE_LIMIT_VERIFY", def: "30", help: "requests per minute per IP to the public POST /api/verify",
			apply: func(c *Config, v string) (err error) { c.RateLimitVerify, err = perMinute(v); return err }},
		{name: "RATE_LIMIT_LOGIN", def: "10", help: "login attempts per minute per IP",
			apply: func(c *Config, v string) (err error) { c.RateLimitLogin, err = perMinute(v); return err }},
		{name: "MAX_BODY_BYTES", def: "65536", help: "largest accepted request body in bytes (1024-10485760)",
			apply: func(c *Config, v string) error {
				n, err := parseUint(v)
				if err == nil && (n < 1024 || n > 10<<20) {
					err = errors.New("must be between 1024 and 10485760")
				}
				c.MaxBodyBytes = int64(n)
				return err
			}},
		{name: "AARTHA_ADMIN_EMAIL", help: "email of the first admin, created at start when there are no users yet",
			apply: func(c *Config, v string) error {
				if v != "" {
					if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
						return errors.New("must be a plain email address")
					}
				}
				c.AdminEmail = v
				return nil
			}},
		{name: "AARTHA_ADMIN_PASSWORD", secret: true, help: "password of AARTHA_ADMIN_EMAIL (12-72 bytes)",
			apply: func(c *Config, v string) error {
				if v != "" && (len(v) < 12 || len(v) > 72) {
					return errors.New("must be 12 to 72 bytes long")
				}
				c.AdminPassword = v
				return nil
			}},
		{name: "ALLOWED_ORIGINS", help: "comma-separated origins allowed by CORS",
			apply: func(c *Config, v string) error {
				c.AllowedOrigins = nil
				for _, o := range strings.Split(v, ",") {
					o = strings.TrimSpace(o)
					if o == "" {
						continue
					}
					u, err := url.Parse(o)
					if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
						return fmt.Errorf("%q is not an origin like https://admin.example.com", o)
					}
					c.AllowedOrigins = append(c.AllowedOrigins, strings.TrimSuffix(o, "/"))
				}
				return nil
			}},

		// Client addresses and login throttling (issue 20).
		{name: "TRUSTED_PROXIES", help: "comma-separated IPs or CIDRs of the reverse proxies whose X-Forwarded-For names the client; empty trusts none",
			apply: func(c *Config, v string) error {
				c.TrustedProxies = nil
				for _, s := range strings.Split(v, ",") {
					s = strings.TrimSpace(s)
					if s == "" {
						continue
					}
					p, err := netip.ParsePrefix(s)
					if err != nil {
						a, aerr := netip.ParseAddr(s)
						if aerr != nil {
							return fmt.Errorf("%q is not an IP address or CIDR like 10.0.0.0/8", s)
						}
						p = netip.PrefixFrom(a, a.BitLen())
					}
					c.TrustedProxies = append(c.TrustedProxies, p.Masked())
				}
				return nil
			}},
		{name: "RATE_LIMIT_LOGIN_ACCOUNT", def: "10", help: "login attempts per minute per account, from any address",
			apply: func(c *Config, v string) (err error) { c.RateLimitLoginAccount, err = perMinute(v); return err }},
	}
}

// Refs fetches the value behind a secret reference (vault://, awssm://,
// azkv://). Its errors name the reference, never a value.
type Refs interface {
	Resolve(ctx context.Context, ref string) (string, error)
}

// VaultAuth is what a Refs needs to reach HashiCorp Vault. Load reads these
// variables before any reference, from the environment or NAME_FILE only.
type VaultAuth struct {
	Addr, Token, RoleID, SecretID string
}

// Option changes how Load resolves values.
type Option func(*loadOptions)

type loadOptions struct {
	ctx     context.Context
	newRefs func(VaultAuth) (Refs, error)
}

// WithRefs makes Load fetch secret references through the Refs that newRefs
// returns. newRefs is called at most once, after the Vault variables are
// read, and only when some variable holds a reference; ctx bounds the
// fetches. Without this option a reference is a configuration error.
func WithRefs(ctx context.Context, newRefs func(VaultAuth) (Refs, error)) Option {
	return func(o *loadOptions) { o.ctx, o.newRefs = ctx, newRefs }
}

// refSchemes are the prefixes that make a value a secret reference.
var refSchemes = []string{"vault://", "awssm://", "azkv://"}

// IsRef reports whether v is a secret reference: it starts with vault://,
// awssm:// or azkv://.
func IsRef(v string) bool {
	for _, p := range refSchemes {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

// bootstrap lists the variables that say how to fetch references; they
// cannot be references themselves.
var bootstrap = map[string]bool{
	"VAULT_ADDR": true, "VAULT_TOKEN": true, "VAULT_ROLE_ID": true, "VAULT_SECRET_ID": true, "AARTHA_SECRET_REFRESH": true,
}

// Load reads every option through lookup (and readFile for NAME_FILE),
// fetches secret references (see WithRefs), validates each value and the
// combinations between them. On failure it returns the Errors of every
// broken variable together with the settings it could resolve, so `config
// check` can print both. Outside development mode a secret given as a plain
// environment value is accepted with a Setting.Warning (see Warnings).
func Load(lookup Lookup, readFile ReadFile, opts ...Option) (*Config, []Setting, error) {
	var lo loadOptions
	for _, o := range opts {
		o(&lo)
	}
	type raw struct {
		value, source string
		err           error
	}
	all := options()
	raws := make([]raw, len(all))
	byName := map[string]string{}
	var refs int
	for i, opt := range all {
		v, source, err := resolve(opt, lookup, readFile)
		if err == nil && source == "env" && IsRef(v) {
			if bootstrap[opt.name] {
				err = fmt.Errorf("cannot be a secret reference: give it in the environment or through %s_FILE", opt.name)
			} else {
				refs++
			}
		}
		raws[i] = raw{v, source, err}
		byName[opt.name] = v
	}
	var fetcher Refs
	var fetchErr error
	if refs > 0 {
		switch {
		case lo.newRefs == nil:
			fetchErr = errors.New("is a secret reference, which this command does not fetch")
		default:
			fetcher, fetchErr = lo.newRefs(VaultAuth{
				Addr: byName["VAULT_ADDR"], Token: byName["VAULT_TOKEN"],
				RoleID: byName["VAULT_ROLE_ID"], SecretID: byName["VAULT_SECRET_ID"],
			})
			if fetchErr != nil {
				fetchErr = fmt.Errorf("cannot set up secret references: %w", fetchErr)
			}
		}
	}

	var cfg Config
	var errs Errors
	var settings []Setting
	for i, opt := range all {
		r := raws[i]
		if r.err != nil {
			errs = append(errs, FieldError{opt.name, r.err.Error()})
			continue
		}
		value, source, ref := r.value, r.source, ""
		if source == "env" && IsRef(value) {
			ref, source = value, value
			if fetchErr != nil {
				errs = append(errs, FieldError{opt.name, fetchErr.Error()})
				continue
			}
			ctx := lo.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			v, err := fetcher.Resolve(ctx, ref)
			if err != nil {
				// The error names the reference; the value never existed.
				errs = append(errs, FieldError{opt.name, fmt.Sprintf("cannot fetch secret reference: %v", err)})
				continue
			}
			value = v
		}
		if err := opt.apply(&cfg, value); err != nil {
			errs = append(errs, FieldError{opt.name, err.Error()})
		}
		shown := value
		if opt.secret {
			shown = Mask(value)
		}
		s := Setting{Name: opt.name, Value: shown, Source: source, Secret: opt.secret, Ref: ref}
		if opt.secret && source == "env" && cfg.Mode != Development && carriesSecret(opt.name, value) {
			s.Warning = fmt.Sprintf("%s is a plain value in the environment, which is for development only: use %s_FILE or a vault://, awssm:// or azkv:// reference", opt.name, opt.name)
		}
		settings = append(settings, s)
	}
	if len(errs) == 0 {
		errs = append(errs, cfg.crossChecks()...)
	}
	if len(errs) > 0 {
		return nil, settings, errs
	}
	return &cfg, settings, nil
}

// carriesSecret reports whether a secret variable's value holds anything
// secret: URLs of databases, Redis and MultiChain only when they carry a
// password.
func carriesSecret(name, v string) bool {
	if v == "" {
		return false
	}
	switch name {
	case "DATABASE_URL", "REDIS_URL", "MULTICHAIN_RPC_URL":
		u, err := url.Parse(v)
		if err != nil {
			return true
		}
		_, has := u.User.Password()
		return has || strings.Contains(u.RawQuery, "password")
	}
	return true
}

// Warnings returns the warning of every setting that has one, for `serve`
// and `config check` to print loudly.
func Warnings(settings []Setting) []string {
	var out []string
	for _, s := range settings {
		if s.Warning != "" {
			out = append(out, s.Warning)
		}
	}
	return out
}

// CheckValue validates v as a value of the variable name, as Load would,
// for a secret fetched again while the process runs. Its error never
// repeats a secret value.
func CheckValue(name, v string) error {
	for _, opt := range options() {
		if opt.name == name {
			var scratch Config
			return opt.apply(&scratch, v)
		}
	}
	return fmt.Errorf("%s is not a configuration variable", name)
}

func resolve(opt option, lookup Lookup, readFile ReadFile) (value, source string, err error) {
	v, inEnv := lookup(opt.name)
	path, inFile := lookup(opt.name + "_FILE")
	switch {
	case inEnv && inFile:
		return "", "", fmt.Errorf("set both %s and %s_FILE; keep one", opt.name, opt.name)
	case inFile:
		b, err := readFile(path)
		if err != nil {
			// The path is not secret; the file's content is never echoed.
			return "", "", fmt.Errorf("cannot read %s_FILE %q: %w", opt.name, path, errors.Unwrap(err))
		}
		return strings.TrimRight(string(b), "\r\n"), "file:" + path, nil
	case inEnv:
		return strings.TrimSpace(v), "env", nil
	}
	return opt.def, "default", nil
}

// crossChecks validates combinations that no single variable can.
func (c *Config) crossChecks() Errors {
	var errs Errors
	if c.Mode == Production {
		if c.JWTSecretKey == "" {
			errs = append(errs, FieldError{"JWT_SECRET_KEY", "is required in production"})
		}
		if c.DatabaseURL == "" {
			errs = append(errs, FieldError{"DATABASE_URL", "is required in production (the embedded SQLite store is for development)"})
		}
		if c.EnableBlockchain && c.Backend == "evm" && c.RPCURL == "" {
			errs = append(errs, FieldError{"BLOCKCHAIN_RPC_URL", "is required in production when ENABLE_BLOCKCHAIN is true"})
		}
	}
	if c.RPCURL != "" && c.EnableBlockchain && c.Backend == "evm" {
		if c.ContractAddress == "" {
			errs = append(errs, FieldError{"BLOCKCHAIN_CONTRACT_ADDRESS", "is required when BLOCKCHAIN_RPC_URL is set (deploy one with `aartha deploy`)"})
		}
		if c.PrivateKey == "" && c.KeystorePath == "" && c.SignerURL == "" {
			errs = append(errs, FieldError{"BLOCKCHAIN_PRIVATE_KEY", "or BLOCKCHAIN_KEYSTORE or BLOCKCHAIN_SIGNER_URL is required when BLOCKCHAIN_RPC_URL is set"})
		}
	}
	if n := countSet(c.PrivateKey, c.KeystorePath, c.SignerURL); n > 1 {
		errs = append(errs, FieldError{"BLOCKCHAIN_SIGNER_URL", "BLOCKCHAIN_PRIVATE_KEY, BLOCKCHAIN_KEYSTORE and BLOCKCHAIN_SIGNER_URL each choose the signer; keep one"})
	}
	if c.SignerURL != "" && c.SignerAddress == "" {
		errs = append(errs, FieldError{"BLOCKCHAIN_SIGNER_ADDRESS", "is required with BLOCKCHAIN_SIGNER_URL: name the account the signer signs for"})
	}
	if c.Backend == "multichain" && c.EnableBlockchain {
		for _, req := range []struct{ name, v string }{
			{"MULTICHAIN_RPC_URL", c.MultiChainRPCURL}, {"MULTICHAIN_CHAIN_NAME", c.MultiChainChainName},
			{"MULTICHAIN_STREAM", c.MultiChainStream}, {"MULTICHAIN_FROM_ADDRESS", c.MultiChainFrom},
		} {
			if req.v == "" {
				errs = append(errs, FieldError{req.name, "is required when BLOCKCHAIN_BACKEND is multichain"})
			}
		}
	}
	if c.DatabasePassword != "" && c.DatabaseURL == "" {
		errs = append(errs, FieldError{"DATABASE_PASSWORD", "needs DATABASE_URL: it is the password of that URL's user"})
	}
	if c.VaultRoleID != "" && c.VaultSecretID == "" {
		errs = append(errs, FieldError{"VAULT_SECRET_ID", "is required with VAULT_ROLE_ID (AppRole auth)"})
	}
	if c.KeystorePath != "" && c.KeystorePass == "" {
		errs = append(errs, FieldError{"BLOCKCHAIN_KEYSTORE_PASSPHRASE", "is required with BLOCKCHAIN_KEYSTORE (or use BLOCKCHAIN_KEYSTORE_PASSPHRASE_FILE)"})
	}
	if c.Mode == Production && c.JWTSecretKey != "" && WeakSecret(c.JWTSecretKey) {
		errs = append(errs, FieldError{"JWT_SECRET_KEY", "looks like a default or example value: generate one with `openssl rand -base64 48`"})
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, FieldError{"AARTHA_ADMIN_PASSWORD", "AARTHA_ADMIN_EMAIL and AARTHA_ADMIN_PASSWORD go together: set both or neither"})
	}
	if c.RPCURLBackup != "" && c.RPCURL == "" {
		errs = append(errs, FieldError{"BLOCKCHAIN_RPC_URL_BACKUP", "needs BLOCKCHAIN_RPC_URL as the primary endpoint"})
	}
	return errs
}

func countSet(vs ...string) int {
	n := 0
	for _, v := range vs {
		if v != "" {
			n++
		}
	}
	return n
}

// Mask hides a secret for display, keeping only its length class so an
// operator can tell "set" from "empty" without learning anything else.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****** (set)"
}

// ParseGwei parses a decimal gwei amount ("1.5", "30") into wei without
// floating point. At most 9 decimal places are allowed (1 wei precision).
func ParseGwei(s string) (uint64, error) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (frac == "" || len(frac) > 9)) {
		return 0, errors.New("must be a decimal number of gwei with at most 9 decimal places, e.g. 50 or 0.25")
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return 0, errors.New("must be a decimal number of gwei, e.g. 50 or 0.25")
	}
	frac += strings.Repeat("0", 9-len(frac))
	f, err := strconv.ParseUint(frac, 10, 64)
	if err != nil {
		return 0, errors.New("must be a decimal number of gwei, e.g. 50 or 0.25")
	}
	const gwei = 1_000_000_000
	if w > (^uint64(0)-f)/gwei {
		return 0, errors.New("is too large")
	}
	return w*gwei + f, nil
}

// WeakSecret reports whether a secret is an obvious default or example
// value (it names itself a secret or a placeholder, or repeats a handful
// of characters), which production refuses.
func WeakSecret(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"changeme", "change-me", "change_me", "change-this", "secret-key", "secret_key",
		"secretkey", "your-", "your_", "example", "default", "password", "placeholder", "replace", "xxxxxxxx", "12345678", "jwt-secret"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	distinct := map[rune]bool{}
	for _, r := range s {
		distinct[r] = true
	}
	return len(distinct) < 10
}

func perMinute(v string) (int, error) {
	n, err := parseUint(v)
	if err == nil && (n < 1 || n > 1_000_000) {
		err = errors.New("must be between 1 and 1000000 requests per minute")
	}
	return int(n), err
}

func parseUint(v string) (uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, errors.New("must be a whole number")
	}
	return n, nil
}

func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, errors.New("must be a duration like 30s or 2m, or whole seconds")
	}
	return d, nil
}

func nonEmpty(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func requiredURL(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return optionalURL(v, "http", "https")
}

func optionalURL(v string, schemes ...string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err == nil && u.Host != "" {
		for _, s := range schemes {
			if u.Scheme == s {
				return nil
			}
		}
	}
	return fmt.Errorf("must be a %s URL", strings.Join(schemes, " or "))
}

// Variables lists every configuration variable with its default, secrecy
// and a one-line description, in the order `config check` prints them.
func Variables() []Setting {
	opts := options()
	out := make([]Setting, len(opts))
	for i, o := range opts {
		out[i] = Setting{Name: o.name, Value: o.def, Source: o.help, Secret: o.secret}
	}
	return out
}
