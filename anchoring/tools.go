package anchoring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evmchain"
	"github.com/aartha/ledger/multichain"
)

// The operator's tools for the chain (deploy, keys, multichain init and
// check) live here so that the commands need no chain package of their own.

// SignerAPIClef is how an external signer is asked by default.
const SignerAPIClef = evm.SignerAPIClef

// Deploy deploys a LoanRegistry to BLOCKCHAIN_RPC_URL, signed by
// BLOCKCHAIN_PRIVATE_KEY, with the roles' holders admin and anchorer
// (empty: the deploying key), waiting at most wait for it to be mined.
func Deploy(ctx context.Context, cfg *config.Config, admin, anchorer string, wait time.Duration, out io.Writer) error {
	return evmchain.Deploy(ctx, evmchain.DeployRequest{
		RPCURL: cfg.RPCURL, RPCURLBackup: cfg.RPCURLBackup, PrivateKey: cfg.PrivateKey,
		Admin: admin, Anchorer: anchorer, Wait: wait,
	}, out)
}

// NewKeystore generates a key into an encrypted keystore file (see
// evm.NewKeystore).
func NewKeystore(path, passphrase string, light bool) (common.Address, error) {
	return evm.NewKeystore(path, passphrase, light)
}

// ImportKeystore encrypts the hex key read from r into a keystore file
// (see evm.ImportKeystore).
func ImportKeystore(path, passphrase string, r io.Reader, light bool) (common.Address, error) {
	return evm.ImportKeystore(path, passphrase, r, light)
}

// KeystoreAddress reads a keystore file's address; no passphrase needed.
func KeystoreAddress(path string) (common.Address, error) { return evm.KeystoreAddress(path) }

// ClefRules is the Clef rules file that lets account sign registry calls
// only.
func ClefRules(registry, account common.Address) string { return evm.ClefRules(registry, account) }

// KeystoreFile is the keystore file a keys command works on, and its
// passphrase: path (--keystore) when given, else BLOCKCHAIN_KEYSTORE; with
// needPass, the passphrase must be configured
// (BLOCKCHAIN_KEYSTORE_PASSPHRASE or its _FILE).
func KeystoreFile(cfg *config.Config, path string, needPass bool) (file, pass string, err error) {
	file, pass = cfg.KeystorePath, cfg.KeystorePass
	if path != "" {
		file = path
	}
	if file == "" {
		return "", "", errors.New("give the keystore file with --keystore or BLOCKCHAIN_KEYSTORE")
	}
	if needPass && pass == "" {
		return "", "", errors.New("set the passphrase in BLOCKCHAIN_KEYSTORE_PASSPHRASE_FILE (a file readable only by you) " +
			"or BLOCKCHAIN_KEYSTORE_PASSPHRASE; it is never taken from the command line, where other users can see it")
	}
	return file, pass, nil
}

// ClefRulesFor is ClefRules for the registry and account given (the
// --registry and --account flags) or, when not, named by
// BLOCKCHAIN_CONTRACT_ADDRESS and BLOCKCHAIN_SIGNER_ADDRESS in lookup.
func ClefRulesFor(registry, account string, lookup func(string) (string, bool)) (string, error) {
	reg, err := addressFrom("--registry", registry, "BLOCKCHAIN_CONTRACT_ADDRESS", lookup)
	if err != nil {
		return "", err
	}
	acc, err := addressFrom("--account", account, "BLOCKCHAIN_SIGNER_ADDRESS", lookup)
	if err != nil {
		return "", err
	}
	return ClefRules(reg, acc), nil
}

// addressFrom reads an address from a flag's value or, when the flag is
// empty, from the variable named.
func addressFrom(flag, value, variable string, lookup func(string) (string, bool)) (common.Address, error) {
	if value == "" {
		value, _ = lookup(variable)
	}
	if value == "" {
		return common.Address{}, fmt.Errorf("give %s or set %s", flag, variable)
	}
	if !common.IsHexAddress(value) {
		return common.Address{}, fmt.Errorf("%s: %q is not an address (0x followed by 40 hex digits)", flag, value)
	}
	return common.HexToAddress(value), nil
}

// stream opens the configured MultiChain stream, refusing a configuration
// that does not choose the MultiChain backend.
func stream(cfg *config.Config) (*multichain.Adapter, error) {
	if cfg.Backend != BackendMultiChain {
		return nil, fmt.Errorf("BLOCKCHAIN_BACKEND is %q: set it to multichain, with the MULTICHAIN_* variables", cfg.Backend)
	}
	return openMultiChain(cfg, nil, nil)
}

// InitStream prepares the configured stream (multichain.Adapter.Init),
// printing each step to out, and says who publishes where.
func InitStream(ctx context.Context, cfg *config.Config, out io.Writer) error {
	ad, err := stream(cfg)
	if err != nil {
		return err
	}
	rep, err := ad.Init(ctx)
	for _, s := range rep.Steps {
		fmt.Fprintln(out, s)
	}
	if err != nil {
		return fmt.Errorf("multichain init: %w", err)
	}
	fmt.Fprintf(out, "ready: %s publishes to stream %s on %s\n", ad.Publisher().Hex(), ad.Stream(), ad.Chain())
	return nil
}

// CheckStream checks, changing nothing, that anchoring to the configured
// stream can start.
func CheckStream(ctx context.Context, cfg *config.Config, out io.Writer) error {
	ad, err := stream(cfg)
	if err != nil {
		return err
	}
	if err := ad.Check(ctx); err != nil {
		return fmt.Errorf("multichain check: %w", err)
	}
	fmt.Fprintf(out, "ready: stream %s on %s, the node is subscribed, the publisher may write\n", ad.Stream(), ad.Chain())
	return nil
}
