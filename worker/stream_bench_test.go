package worker_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/multichain/multichaintest"
	"github.com/aartha/ledger/worker"
)

var (
	benchBlockTime = flag.Duration("mc.block", 2*time.Second, "BenchmarkStreamThroughput: the fake node's time between blocks")
	benchRecords   = flag.Int("mc.records", 64, "BenchmarkStreamThroughput: loans approved per run")
)

// BenchmarkStreamThroughput anchors -mc.records approvals on a fake
// MultiChain node that mines a block every -mc.block (2 s by default; a
// chain made by multichain-util create has 15 s), through the whole
// pipeline: the loan service queues them in the store, the worker publishes
// them with the default poll interval and two confirmations, and the
// clock stops when every anchor is final. Direct mode runs with 1 and 16
// records in flight (worker.Config.Concurrency; serve's
// MULTICHAIN_PUBLISH_CONCURRENCY), batch mode with a 1 s window. Run with
// -benchtime=1x; see BENCHMARKS.md.
func BenchmarkStreamThroughput(b *testing.B) {
	for _, c := range []struct {
		mode        string
		concurrency int
	}{{ledger.ModeDirect, 1}, {ledger.ModeDirect, 16}, {ledger.ModeBatch, 1}} {
		b.Run(fmt.Sprintf("%s/inflight=%d/block=%s", c.mode, c.concurrency, *benchBlockTime), func(b *testing.B) {
			for range b.N {
				benchStreamOnce(b, c.mode, c.concurrency, *benchRecords)
			}
		})
	}
}

func benchStreamOnce(b *testing.B, mode string, concurrency, n int) {
	b.StopTimer()
	ctx := context.Background()
	db := openStore(b)
	node := multichaintest.Start(b, multichaintest.Options{})
	node.MineEvery(b, *benchBlockTime)
	c, err := multichain.NewClient(multichain.ClientConfig{URL: node.URL, User: node.User, Password: node.Password})
	require.NoError(b, err)
	a, err := multichain.New(c, multichain.Options{Stream: "loans", ChainName: "testchain", From: node.NewAddress()})
	require.NoError(b, err)
	_, err = a.Init(ctx)
	require.NoError(b, err)
	w, err := worker.New(db, multichain.NewChain(a), worker.Config{
		Mode: mode, Contract: a.Stream(), Network: a.Chain(), Concurrency: concurrency, BatchWindow: time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(b, err)
	db.SetJobHook(w)
	require.NoError(b, w.Start(ctx))
	defer func() {
		stop, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = w.Stop(stop)
	}()
	svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: detRand{}, AnchorMode: mode}
	actor := ledger.CLIActor("bench")
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("BENCH-%05d", i)
		_, err := svc.Create(ctx, actor, ledger.NewLoan{ID: ids[i], Borrower: "b", Lender: "l",
			Principal: "1000", Currency: "EUR", InterestRateBps: 500, TermMonths: 6})
		require.NoError(b, err)
	}

	b.StartTimer()
	start := time.Now()
	for _, id := range ids {
		_, err := svc.Approve(ctx, actor, id)
		require.NoError(b, err)
	}
	for {
		anchors, err := db.Anchors(ctx, ledger.AnchorFilter{})
		require.NoError(b, err)
		final := 0
		for _, an := range anchors {
			require.NotEqual(b, ledger.AnchorFailed, an.Status, an.LastError)
			if an.Status == ledger.AnchorFinal {
				final++
			}
		}
		if final == n {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(start)
	b.StopTimer()
	b.ReportMetric(took.Seconds(), "s-to-final")
	b.ReportMetric(float64(n)/took.Minutes(), "anchors/min")
}
