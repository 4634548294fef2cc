package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/doctor"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
)

func newDoctorCmd(a *app) *cobra.Command {
	var asJSON bool
	var runway uint64
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Diagnose the deployment: database, RPC endpoints, registry, signer, fees, transactions",
		Long: "Runs every check it can with the configuration and prints pass, warn or fail with a hint.\n" +
			"Exit status: 0 all passed, 1 a warning, 2 a failure. With the embedded chain, run it\n" +
			"while `aartha serve` is up: it reaches the chain through AARTHA_DEV_CHAIN_RPC.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			deps, closeAll, err := doctorDeps(ctx, cfg)
			if err != nil {
				return err
			}
			defer closeAll()
			deps.RunwayAnchors = runway
			report := doctor.Run(ctx, deps, timeout)
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(report); err != nil {
					return err
				}
			} else {
				for _, c := range report.Checks {
					fmt.Fprintf(out, "%-5s %-20s %s\n", strings.ToUpper(string(c.Status)), c.Name, c.Detail)
					if c.Hint != "" {
						fmt.Fprintf(out, "      %-20s hint: %s\n", "", c.Hint)
					}
				}
			}
			switch report.Worst {
			case doctor.Fail:
				return exitCode{2, "doctor found failures"}
			case doctor.Warn:
				return exitCode{1, "doctor found warnings"}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().Uint64Var(&runway, "runway", 1000, "warn when the signer's balance pays for fewer anchors than this")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "time limit of each check")
	return cmd
}

// doctorDeps gathers what the doctor examines from the configuration. A
// database that cannot be opened is not an error here: it becomes the
// database check's failure.
func doctorDeps(ctx context.Context, cfg *config.Config) (doctor.Deps, func(), error) {
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	deps := doctor.Deps{Finality: txmgr.Finality(cfg.Finality), Confirmations: cfg.Confirmations}
	if cfg.MaxGasPriceWei > 0 {
		deps.FeeCapWei = new(big.Int).SetUint64(cfg.MaxGasPriceWei)
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		deps.DB = brokenDB{err}
	} else {
		closers = append(closers, func() { _ = db.Close() })
		deps.DB = db
		deps.Journal = db.TxJournal()
	}
	if !cfg.EnableBlockchain {
		return deps, closeAll, nil
	}
	if cfg.Backend == backendMultiChain {
		ad, err := openMultiChain(cfg, nil)
		if err != nil {
			closeAll()
			return deps, nil, err
		}
		deps.Stream = ad
		return deps, closeAll, nil
	}
	urls := map[string]string{"primary": cfg.RPCURL, "backup": cfg.RPCURLBackup}
	if cfg.RPCURL == "" {
		// The embedded chain: its fixed development registry and key.
		if cfg.DevChainRPCAddr == "" {
			return deps, closeAll, nil
		}
		urls = map[string]string{"embedded": "http://" + cfg.DevChainRPCAddr}
		deps.ChainID, deps.Registry, deps.Signer = simchain.ChainID, simchain.RegistryAddress(), simchain.DevAddress()
	} else {
		deps.Registry = common.HexToAddress(cfg.ContractAddress)
		addr, err := signerAddress(cfg)
		if err != nil {
			closeAll()
			return deps, nil, err
		}
		deps.Signer = addr
		if cfg.SignerURL != "" {
			ext, err := evm.DialExternalSigner(ctx, cfg.SignerURL, addr, evm.ExternalSignerOptions{API: cfg.SignerAPI})
			if err != nil {
				closeAll()
				return deps, nil, fmt.Errorf("BLOCKCHAIN_SIGNER_URL: %w", err)
			}
			closers = append(closers, ext.Close)
			deps.ExternalSigner = ext
		}
	}
	for _, name := range []string{"primary", "backup", "embedded"} {
		url := urls[name]
		if url == "" {
			continue
		}
		client, err := evm.Dial(ctx, url, "", evm.ClientOptions{CallTimeout: 5 * time.Second})
		if err != nil {
			closeAll()
			return deps, nil, err
		}
		closers = append(closers, client.Close)
		deps.Endpoints = append(deps.Endpoints, doctor.Endpoint{Name: name, Host: evm.RedactURL(url), Chain: client})
	}
	return deps, closeAll, nil
}

// signerAddress is the anchoring account's address, read without the
// keystore's passphrase (or asking the external signer) where possible.
func signerAddress(cfg *config.Config) (common.Address, error) {
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

// brokenDB stands for a database that could not be opened, so that the
// report says so instead of the command failing.
type brokenDB struct{ err error }

func (b brokenDB) Ping(context.Context) error { return b.err }
func (b brokenDB) SchemaVersion(context.Context) (int, int, error) {
	return 0, 0, b.err
}
func (b brokenDB) AnchorCountsByStatus(context.Context) (map[string]int, error) {
	return nil, b.err
}

// runningDoctorDeps is what a running service diagnoses about itself: its
// store and its chain client (with failover, so one endpoint entry).
func runningDoctorDeps(cfg *config.Config, db *store.DB, a *anchoring) doctor.Deps {
	deps := doctor.Deps{DB: db, Journal: db.TxJournal(), Finality: txmgr.Finality(cfg.Finality), Confirmations: cfg.Confirmations}
	if cfg.MaxGasPriceWei > 0 {
		deps.FeeCapWei = new(big.Int).SetUint64(cfg.MaxGasPriceWei)
	}
	switch {
	case a != nil && a.mc != nil:
		deps.Stream = a.mc
	case a != nil:
		deps.Endpoints = []doctor.Endpoint{{Name: "chain", Chain: a.client}}
		if len(a.client.EndpointNames()) > 1 {
			deps.ActiveEndpoint = a.client.ActiveEndpoint // "rpc in use": primary or backup
		}
		deps.ChainID, deps.Registry, deps.Signer = a.chainID.Uint64(), a.registry, a.signer
		deps.ExternalSigner = a.external
	}
	return deps
}
