package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/service"
)

var benchLoans = flag.Int("loans", 10_000, "loans to anchor in BenchmarkAnchorBatchEndToEnd")

// benchApprovers is how many goroutines approve loans at once.
const benchApprovers = 8

// BenchmarkAnchorBatchEndToEnd anchors -loans loans on the embedded chain
// in batch mode, tree building and proof storage included, two ways:
//
//   - approve: from the first approval (which queues the anchor) until every
//     anchor is final, the worker running all along;
//   - queued: -loans loans already approved and queued while no worker ran
//     (a backlog), from the worker's start until every anchor is final.
//
// Run with -benchtime=1x; see BENCHMARKS.md.
func BenchmarkAnchorBatchEndToEnd(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, backlog := range []bool{false, true} {
			name := backend + "/approve"
			if backlog {
				name = backend + "/queued"
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					benchAnchorOnce(b, backend, *benchLoans, backlog)
				}
			})
		}
	}
}

func benchAnchorOnce(b *testing.B, backend string, n int, backlog bool) {
	b.StopTimer()
	ctx := context.Background()
	vars := map[string]string{
		"AARTHA_DATA_DIR": b.TempDir(), "AARTHA_DEV_CHAIN_RPC": "off",
		"BLOCKCHAIN_BATCH_WINDOW": "1s", "BLOCKCHAIN_BATCH_MAX": "1000",
	}
	if backend == "postgres" {
		vars["DATABASE_URL"] = postgresURL(b)
	}
	cfg, _, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, nil)
	require.NoError(b, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := service.OpenStore(ctx, cfg)
	require.NoError(b, err)
	defer db.Close()
	_, err = service.MigrateAll(ctx, db)
	require.NoError(b, err)
	startWorker := func() {
		anch, err := service.StartAnchoring(ctx, cfg, db, log, io.Discard, nil)
		require.NoError(b, err)
		b.Cleanup(func() { anch.Stop(context.Background()) })
	}
	if !backlog {
		startWorker()
	}

	svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader, AnchorMode: ledger.ModeBatch}
	actor := ledger.CLIActor("bench")
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("BENCH-%07d", i)
		_, err := svc.Create(ctx, actor, ledger.NewLoan{ID: ids[i], Borrower: "b", Lender: "l",
			Principal: "100000", Currency: "USD", InterestRateBps: 1000, TermMonths: 12})
		require.NoError(b, err)
	}

	if backlog {
		approveAll(b, svc, actor, ids)
		b.StartTimer()
		start := time.Now()
		startWorker()
		waitAllFinal(b, db, n)
		b.ReportMetric(time.Since(start).Seconds(), "s-to-final")
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "anchors/s")
		return
	}
	b.StartTimer()
	start := time.Now()
	approveAll(b, svc, actor, ids)
	queued := time.Since(start)
	waitAllFinal(b, db, n)
	total := time.Since(start)
	b.StopTimer()
	b.ReportMetric(queued.Seconds(), "s-to-queue")
	b.ReportMetric(total.Seconds(), "s-to-final")
	b.ReportMetric(float64(n)/total.Seconds(), "anchors/s")
}

// approveAll approves the loans from concurrent callers, as API replicas do.
func approveAll(b *testing.B, svc *ledger.LoanService, actor ledger.Actor, ids []string) {
	var wg sync.WaitGroup
	errs := make(chan error, benchApprovers)
	for w := range benchApprovers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ids); i += benchApprovers {
				if _, err := svc.Approve(context.Background(), actor, ids[i]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	require.NoError(b, <-errs)
}

// waitAllFinal polls until all n anchors are final.
func waitAllFinal(b *testing.B, db interface {
	Anchors(context.Context, ledger.AnchorFilter) ([]*ledger.Anchor, error)
	Batches(context.Context, ledger.BatchStatus, int) ([]*ledger.Batch, error)
}, n int) {
	ctx := context.Background()
	for {
		pending, err := db.Anchors(ctx, ledger.AnchorFilter{Status: ledger.AnchorQueued, Limit: 1})
		require.NoError(b, err)
		if len(pending) == 0 && allFinal(b, db, n) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// allFinal reports whether every one of the n anchors is final.
func allFinal(b *testing.B, db interface {
	Batches(context.Context, ledger.BatchStatus, int) ([]*ledger.Batch, error)
}, n int) bool {
	batches, err := db.Batches(context.Background(), ledger.AnchorFinal, 10_000)
	require.NoError(b, err)
	leaves := 0
	for _, bt := range batches {
		leaves += bt.LeafCount
	}
	return leaves == n
}
