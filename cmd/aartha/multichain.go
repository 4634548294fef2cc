package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/notify"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/worker"
)

// backendMultiChain is BLOCKCHAIN_BACKEND's value for a MultiChain stream.
const backendMultiChain = "multichain"

// callObserver receives one measurement per node call; metrics.Metrics
// implements it.
type callObserver interface {
	ObserveCall(operation string, err error, d time.Duration)
}

// openMultiChain builds the stream adapter the configuration describes,
// with calls reported to obs when it is not nil. It does not contact the
// node. Its errors never contain the RPC password; a malformed address
// names its variable (MULTICHAIN_FROM_ADDRESS, MULTICHAIN_PUBLISHERS).
func openMultiChain(cfg *config.Config, obs callObserver) (*multichain.Adapter, error) {
	return openMultiChainWith(cfg, obs, nil)
}

// openMultiChainWith is openMultiChain with foreign items under our keys
// told to onForeign (nil: not told).
func openMultiChainWith(cfg *config.Config, obs callObserver, onForeign func(string, *multichain.Item)) (*multichain.Adapter, error) {
	ccfg := multichain.ClientConfig{URL: cfg.MultiChainRPCURL, ConfFile: cfg.MultiChainConf}
	if obs != nil {
		ccfg.OnCall = func(method string, err error, d time.Duration) { obs.ObserveCall("multichain_"+method, err, d) }
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

// startMultiChain is startAnchoring for BLOCKCHAIN_BACKEND=multichain: it
// checks that the node, the stream and the publishing address are ready
// (Adapter.Check: the error names what `aartha multichain init` would
// fix), sets a worker that publishes to the stream as the store's job hook,
// and starts it if this process can become the only publisher for the
// address. There is no transaction manager: the stream's read-back keeps
// retries from publishing twice, and there are no nonces or fees.
func startMultiChain(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger, out io.Writer, obs anchoringObserver) (_ *anchoring, err error) {
	a := &anchoring{log: log}
	defer func() {
		if err != nil {
			a.Stop(context.Background())
		}
	}()
	var calls callObserver
	var workerMetrics worker.Observer
	if obs != nil {
		workerMetrics = obs
		calls, _ = obs.(callObserver)
	}
	onForeign := func(key string, it *multichain.Item) {
		log.Warn("foreign item under one of our stream keys: ignored", "key", key, "txid", multichain.TxIDString(it.TxID), "publishers", it.Publishers)
	}
	if a.mc, err = openMultiChainWith(cfg, calls, onForeign); err != nil {
		return nil, err
	}
	if err := a.mc.Check(ctx); err != nil {
		return nil, fmt.Errorf("MultiChain backend at %s is not ready: %w", a.mc.Client().Host(), err)
	}
	fmt.Fprintf(out, "Anchoring on MultiChain %s, stream %s, publishing from %s\n", a.mc.Chain(), a.mc.Stream(), cfg.MultiChainFrom)

	a.notifier = newNotifier(cfg)
	if err := a.notifier.Start(ctx); err != nil {
		return nil, err
	}
	streamSender := worker.StreamSender{Adapter: a.mc}
	a.worker, err = worker.New(db, traceSends(ctx, streamSender), nil, worker.Config{
		Watcher: streamSender, OnLost: a.reportLoss,
		Mode: cfg.AnchorMode, Contract: a.mc.Stream(), BatchMax: cfg.BatchMax, BatchWindow: cfg.BatchWindow,
		MaxRetries: cfg.MaxRetries, RetryDelay: cfg.RetryDelay, Log: log.With("component", "worker"),
		Network: a.mc.Chain(), Metrics: workerMetrics, Concurrency: cfg.MultiChainConcurrency,
		OutageAlertAfter: cfg.OutageAlertAfter, OnOutage: a.notifyOutage, // outage.go
		OnFailed: func(f worker.Failure) {
			reportAnchorFailure(ctx, f) // telemetry.go
			a.notifyFailure(f)
		},
	})
	if err != nil {
		return nil, err
	}
	db.SetJobHook(a.worker)
	// One publisher per address: batch sequence numbers are assigned by
	// the publisher, so two at once could number two batches alike.
	sender := newSenderLock(db, "multichain-"+cfg.MultiChainFrom, a.worker, log)
	if err := sender.Start(ctx); err != nil {
		return nil, err
	}
	a.release = sender.Release
	log.Info("anchoring", "mode", cfg.AnchorMode, "chain", a.mc.Chain(), "stream", a.mc.Stream(), "from", cfg.MultiChainFrom)
	return a, nil
}

// notifyFailure posts an anchoring the worker gave up on to the webhook
// (and mail).
func (a *anchoring) notifyFailure(f worker.Failure) {
	what := fmt.Sprintf("the %s record of loan %s", f.Kind, f.LoanID)
	if f.BatchID != 0 {
		what = fmt.Sprintf("batch %d", f.BatchID)
	}
	a.notifier.Notify(notify.Event{Kind: notify.KindAnchorFailed,
		Summary: "anchoring failed for good: " + what + ": " + f.Reason, Details: f})
}

// verifyOnStream checks a receipt against the MultiChain node, in the
// configured stream, accepting only items of our publishers.
func verifyOnStream(ctx context.Context, ad *multichain.Adapter, r *ledger.Receipt) (*ledger.Verification, error) {
	return multichain.Verify(ctx, ad.Client(), r, multichain.VerifyOptions{Stream: ad.Stream(), Publishers: ad.Publishers()})
}

func newMultiChainCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "multichain",
		Short: "Prepare and check the MultiChain stream that anchors go to (BLOCKCHAIN_BACKEND=multichain)",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "init",
		Short: "Create the stream write-restricted, subscribe the node and grant the publishing address its permissions",
		Long: "Connects to MULTICHAIN_RPC_URL (credentials from the URL or MULTICHAIN_CONF), checks that it\n" +
			"serves MULTICHAIN_CHAIN_NAME, creates MULTICHAIN_STREAM write-restricted unless it exists (an\n" +
			"existing open stream is refused), subscribes the node to it, and grants MULTICHAIN_FROM_ADDRESS\n" +
			"send and <stream>.write where it lacks them. Running it again changes nothing. When the node's\n" +
			"own address may not create or grant, it says which grant an admin has to make.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ad, err := multichainFromConfig(a)
			if err != nil {
				return err
			}
			rep, err := ad.Init(cmd.Context())
			for _, s := range rep.Steps {
				fmt.Fprintln(cmd.OutOrStdout(), s)
			}
			if err != nil {
				return fmt.Errorf("multichain init: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ready: %s publishes to stream %s on %s\n", ad.Publisher().Hex(), ad.Stream(), ad.Chain())
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Check, without changing anything, that anchoring to the stream can start",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ad, err := multichainFromConfig(a)
			if err != nil {
				return err
			}
			if err := ad.Check(cmd.Context()); err != nil {
				return fmt.Errorf("multichain check: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ready: stream %s on %s, the node is subscribed, the publisher may write\n", ad.Stream(), ad.Chain())
			return nil
		},
	})
	return cmd
}

// multichainFromConfig loads the configuration and builds the adapter,
// refusing a configuration that does not choose the MultiChain backend.
func multichainFromConfig(a *app) (*multichain.Adapter, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	if cfg.Backend != backendMultiChain {
		return nil, fmt.Errorf("BLOCKCHAIN_BACKEND is %q: set it to multichain, with the MULTICHAIN_* variables", cfg.Backend)
	}
	return openMultiChain(cfg, nil)
}
