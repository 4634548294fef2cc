package main

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

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/doctor"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/metrics"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/notify"
	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
	"github.com/aartha/ledger/worker"
)

// anchoring is the running chain side of the service: the chain client (and
// the embedded chain, when no RPC URL is configured), the transaction
// manager and the worker that drives queued anchors onto the chain.
type anchoring struct {
	client   *evm.Client
	chainID  *big.Int
	registry common.Address
	signer   common.Address // the anchoring account
	// external is the signer holding the key in another process, if any.
	external doctor.ExternalSigner
	embedded *simchain.Chain
	mc       *multichain.Adapter // BLOCKCHAIN_BACKEND=multichain (multichain.go); client is nil then
	worker   *worker.Worker
	notifier *notify.Notifier
	release  func()
	log      *slog.Logger
}

// anchoringObserver receives the chain side's measurements; metrics.Metrics
// implements it.
type anchoringObserver interface {
	txmgr.Metrics
	worker.Observer
}

// CAIP2 is the chain's CAIP-2 id, as receipts name it.
func (a *anchoring) CAIP2() string {
	if a.mc != nil {
		return a.mc.Chain()
	}
	return "eip155:" + a.chainID.String()
}

// startAnchoring connects to the configured chain (or starts the embedded
// one), sets the worker as the store's job hook, and starts it if this
// process can become the signer's only sender. The caller must Stop it.
//
// obs, if not nil, receives the transaction manager's and the worker's
// measurements. Failures the worker gives up on are posted to the
// configured webhook (and mailed) through a notifier that never blocks.
func startAnchoring(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger, out io.Writer, obs anchoringObserver) (_ *anchoring, err error) {
	if cfg.Backend == backendMultiChain {
		return startMultiChain(ctx, cfg, db, log, out, obs)
	}
	a := &anchoring{log: log}
	defer func() {
		if err != nil {
			a.Stop(context.Background())
		}
	}()
	// Every chain call is counted and timed (blockchain_calls_total).
	var onCall func(operation string, err error, d time.Duration)
	if calls, ok := obs.(callObserver); ok {
		onCall = calls.ObserveCall
	}
	var signer txmgr.Signer
	if cfg.RPCURL == "" {
		a.embedded, err = simchain.Start(ctx, simchain.Options{
			DataDir: filepath.Join(cfg.DataDir, "chain"),
			RPCAddr: cfg.DevChainRPCAddr,
			Log:     log.With("component", "chain"),
			// Blocks also come once a second, empty or not, so anchors get
			// their confirmations as on a real chain.
			BlockPeriod: time.Second,
			OnCall:      onCall,
		})
		if err != nil {
			return nil, fmt.Errorf("start the embedded chain: %w", err)
		}
		a.client, a.registry = a.embedded.Client(), a.embedded.Registry()
		if signer, err = evm.NewKeySigner(a.embedded.SignerKey()); err != nil {
			return nil, err
		}
		state := "kept in " + filepath.Join(cfg.DataDir, "chain")
		if a.embedded.Fresh() {
			state = "new"
		}
		fmt.Fprintf(out, "Embedded development chain (id %d, %s): LoanRegistry at %s", simchain.ChainID, state, a.registry.Hex())
		if url := a.embedded.RPCURL(); url != "" {
			fmt.Fprintf(out, ", JSON-RPC at %s", url)
		}
		fmt.Fprintln(out)
	} else {
		a.client, err = evm.Dial(ctx, cfg.RPCURL, cfg.RPCURLBackup, evm.ClientOptions{
			OnFailover: func(from, to string, err error) {
				log.Warn("chain RPC failover", "from", from, "to", to, "err", err)
			},
			OnCall: onCall,
		})
		if err != nil {
			return nil, err
		}
		a.registry = common.HexToAddress(cfg.ContractAddress)
		if signer, err = signerFromConfig(ctx, cfg); err != nil {
			return nil, err
		}
	}
	a.signer = signer.Address()
	if ext, ok := signer.(doctor.ExternalSigner); ok {
		a.external = ext
		// Not fatal: anchors wait (and retry) until the signer answers.
		if err := ext.Ping(ctx); err != nil {
			log.Warn("the external signer does not answer; anchoring waits for it", "err", err)
		}
	}
	if a.chainID, err = a.client.ChainID(ctx); err != nil {
		return nil, fmt.Errorf("ask the chain its id: %w", err)
	}

	a.notifier = newNotifier(cfg)
	if err := a.notifier.Start(ctx); err != nil {
		return nil, err
	}
	var txMetrics txmgr.Metrics = txmgr.NopMetrics{}
	var workerMetrics worker.Observer
	if obs != nil {
		txMetrics, workerMetrics = obs, obs
	}

	if txmgr.Finality(cfg.Finality) == txmgr.FinalityTag {
		if err := trustFinalizedTag(ctx, a.client); err != nil {
			return nil, err
		}
	}
	manager, err := txmgr.New(txmgr.Config{
		Chain:        a.client,
		Signer:       signer,
		Journal:      db.TxJournal(),
		Policy:       txPolicy(cfg),
		PollInterval: pollInterval(a.embedded != nil),
		Log:          log.With("component", "txmgr"),
		Metrics:      txMetrics,
	})
	if err != nil {
		return nil, err
	}
	txSender := worker.TxSender{Manager: manager, Receipts: a.client}
	a.worker, err = worker.New(db, traceSends(ctx, txSender), a.client, worker.Config{
		Mode: cfg.AnchorMode, Registry: a.registry, BatchMax: cfg.BatchMax, BatchWindow: cfg.BatchWindow,
		MaxRetries: cfg.MaxRetries, RetryDelay: cfg.RetryDelay, Log: log.With("component", "worker"),
		Network: a.CAIP2(), Metrics: workerMetrics,
		Watcher: txSender, WatchInterval: 10 * pollInterval(a.embedded != nil),
		OnLost:           a.reportLoss,
		OutageAlertAfter: cfg.OutageAlertAfter, OnOutage: a.notifyOutage, // outage.go
		OnFailed: func(f worker.Failure) {
			reportAnchorFailure(ctx, f) // telemetry.go
			what := fmt.Sprintf("the %s record of loan %s", f.Kind, f.LoanID)
			if f.BatchID != 0 {
				what = fmt.Sprintf("batch %d", f.BatchID)
			}
			a.notifier.Notify(notify.Event{Kind: notify.KindAnchorFailed,
				Summary: "anchoring failed for good: " + what + ": " + f.Reason, Details: f})
		},
	})
	if err != nil {
		return nil, err
	}
	db.SetJobHook(a.worker)

	// One sender per signer; a replica that is not it queues anchors and
	// takes over when the sender stops or dies (senderlock.go). a.release
	// stops all of it.
	sender := newSenderLock(db, signer.Address().Hex(), a.worker, log)
	if err := sender.Start(ctx); err != nil {
		return nil, err
	}
	a.release = sender.Release
	log.Info("anchoring", "mode", cfg.AnchorMode, "chain", a.CAIP2(), "registry", a.registry.Hex(), "signer", signer.Address().Hex())
	return a, nil
}

// txPolicy is the transaction manager's policy from the configuration.
func txPolicy(cfg *config.Config) txmgr.Policy {
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

// reportLoss raises the incident of a write that left the chain after it
// was final: the webhook and mail alert (the metric and the audit row come
// from the worker).
func (a *anchoring) reportLoss(l worker.Loss) {
	what := fmt.Sprintf("the %s record of loan %s", l.Kind, l.LoanID)
	if l.BatchID != 0 {
		what = fmt.Sprintf("batch %d", l.BatchID)
	}
	a.notifier.Notify(notify.Event{Kind: notify.KindFinalLost,
		Summary: fmt.Sprintf("%s was final in block %d and has left the chain (transaction %s); it is queued and being sent again", what, l.Block, l.TxHash.Hex()),
		Details: l})
}

// pollInterval is how often unfinished transactions are looked at: the
// embedded chain mines at once, a real one every few seconds.
func pollInterval(embedded bool) time.Duration {
	if embedded {
		return 100 * time.Millisecond
	}
	return 2 * time.Second
}

// Stop stops the worker (letting its current job finish until ctx ends),
// gives up the sender lock, and stops the chain side. Safe to call twice.
func (a *anchoring) Stop(ctx context.Context) {
	if a.worker != nil && a.release != nil {
		if err := a.worker.Stop(ctx); err != nil {
			a.log.Warn("stop anchoring worker", "err", err)
		}
	}
	if a.release != nil {
		a.release()
		a.release = nil
	}
	if a.notifier != nil {
		a.notifier.Stop(ctx)
		a.notifier = nil
	}
	if a.embedded != nil {
		if err := a.embedded.Stop(); err != nil {
			a.log.Warn("stop embedded chain", "err", err)
		}
		a.embedded = nil
	} else if a.client != nil {
		a.client.Close()
	}
	a.client = nil
}

// signerFromConfig builds the anchoring signer from the one source
// configured: an external signer (BLOCKCHAIN_SIGNER_URL — Clef or any
// eth_signTransaction signer, so the key never enters this process), the
// encrypted keystore, or, in development, BLOCKCHAIN_PRIVATE_KEY.
func signerFromConfig(ctx context.Context, cfg *config.Config) (txmgr.Signer, error) {
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

// metricSources are the values /metrics reads on every scrape: the signer's
// balance and nonce (when anchoring runs), the anchor queue and the latest
// reconciliation run.
func metricSources(db *store.DB, a *anchoring) metrics.Sources {
	s := metrics.Sources{QueueDepth: db.AnchorCountsByStatus, LastReconcile: db.LastReconcileRun}
	if a == nil || a.signer == (common.Address{}) {
		return s
	}
	s.SignerBalance = func(ctx context.Context) (string, *big.Int, error) {
		b, err := a.client.BalanceAt(ctx, a.signer, nil)
		return a.signer.Hex(), b, err
	}
	s.SignerNonce = func(ctx context.Context) (string, uint64, error) {
		n, err := a.client.NonceAt(ctx, a.signer, nil)
		return a.signer.Hex(), n, err
	}
	return s
}
