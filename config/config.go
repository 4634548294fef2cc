// Package config turns environment variables into a validated Config.
//
// Every variable is declared once in the options table (one file per
// section, options_<section>.go), with its default, whether it is secret
// and how it is parsed. Any variable NAME may instead be read from the file
// named by NAME_FILE (how Docker, Kubernetes and Vault Agent deliver
// secrets); setting both is an error. The package never reads the process
// environment itself: callers pass a lookup function, so cmd/aartha is the
// only place that touches os.Getenv.
package config

import (
	"log/slog"
	"net/netip"
	"net/url"
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

	APIBaseURL    string
	AdminPanelURL string
	JWTSecretKey  string // secret
	// PIIMasterKey wraps the per-loan data keys of personal fields
	// (docs/privacy.md); nil stores personal fields in the clear.
	PIIMasterKey []byte // secret
	// PIIPreviousMasterKey is the master key being rotated out, which
	// still opens the data keys it wrapped (nil outside a rotation).
	PIIPreviousMasterKey []byte // secret
	// PIIKeyringPath is the SQLite keyring file ("": KeyringPath's default).
	PIIKeyringPath string
	// PIIKeyringURL is the PostgreSQL database of the keyring ("": in
	// development, the schema DefaultKeyringSchema of DatabaseURL's).
	PIIKeyringURL string // secret
	// RetentionDays is how long after closing a loan's personal data is
	// kept before the retention job erases it; 0 keeps it.
	RetentionDays  int
	JWTAlgorithm   string
	JWTExpiry      time.Duration
	AllowedOrigins []string

	// AuditSealKey keys the audit trail's seals (see AuditKey); empty in
	// development means the public development key.
	AuditSealKey string // secret
	// AuditAnchorInterval is how often serve anchors the audit chain head
	// (0: never by itself).
	AuditAnchorInterval time.Duration

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

	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client; a request from any other peer is that peer's own.
	TrustedProxies []netip.Prefix
	// RateLimitLoginAccount is login attempts per minute per account,
	// whatever the address they come from.
	RateLimitLoginAccount int
}

// DefaultKeyringSchema is the schema that holds the keyring in
// DatabaseURL's database when PIIKeyringURL is empty (development only) and
// DatabaseURL sets no search_path.
const DefaultKeyringSchema = "aartha_keyring"

// KeyringSchema is the schema of the keyring in DatabaseURL's database when
// PIIKeyringURL is empty: the first schema of DatabaseURL's search_path
// followed by "_keyring" (so deployments sharing a server keep apart), else
// DefaultKeyringSchema.
func (c *Config) KeyringSchema() string {
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return DefaultKeyringSchema
	}
	first, _, _ := strings.Cut(u.Query().Get("search_path"), ",")
	first = strings.TrimSpace(first)
	if first == "" || strings.ToLower(first) != first || strings.ContainsAny(first, "\"' ") {
		return DefaultKeyringSchema
	}
	return first + "_keyring"
}

// KeyringPath is the SQLite keyring file used when DatabaseURL is empty.
func (c *Config) KeyringPath() string {
	if c.PIIKeyringPath != "" {
		return c.PIIKeyringPath
	}
	return strings.TrimSuffix(c.DataDir, "/") + "/keyring.db"
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

// options is the one table of variables, in the order `config check`
// prints them; each section declares its own in options_<section>.go.
func options() []option {
	var all []option
	for _, section := range [][]option{
		serviceOptions(), chainOptions(), alertsOptions(), multichainOptions(),
		secretsOptions(), telemetryOptions(), httpOptions(), auditOptions(), privacyOptions(),
	} {
		all = append(all, section...)
	}
	return all
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
