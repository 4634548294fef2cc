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
)

var benchLoans = flag.Int("loans", 10_000, "loans to anchor in BenchmarkAnchorBatchEndToEnd")

// benchApprovers is how many goroutines approve loans at once.
const benchApprovers = 8

// BenchmarkAnchorBatchEndToEnd approves -loans loans on the embedded chain
// in batch mode and measures from the first approval (which queues the
// anchor) until every anchor is final, tree building and proof storage
// included. Run with -benchtime=1x; see BENCHMARKS.md.
func BenchmarkAnchorBatchEndToEnd(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			for range b.N {
				benchAnchorOnce(b, backend, *benchLoans)
			}
		})
	}
}

func benchAnchorOnce(b *testing.B, backend string, n int) {
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
	db, err := openStore(ctx, cfg)
	require.NoError(b, err)
	defer db.Close()
	_, err = migrateAll(ctx, db)
	require.NoError(b, err)
	anch, err := startAnchoring(ctx, cfg, db, log, io.Discard, nil)
	require.NoError(b, err)
	defer anch.Stop(context.Background())

	svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader, AnchorMode: ledger.ModeBatch}
	actor := ledger.CLIActor("bench")
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("BENCH-%07d", i)
		_, err := svc.Create(ctx, actor, ledger.NewLoan{ID: ids[i], Borrower: "b", Lender: "l",
			Principal: "100000", Currency: "USD", InterestRateBps: 1000, TermMonths: 12})
		require.NoError(b, err)
	}

	b.StartTimer()
	start := time.Now()
	// Approvals come from concurrent callers, as from API replicas.
	var wg sync.WaitGroup
	errs := make(chan error, benchApprovers)
	for w := range benchApprovers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ids); i += benchApprovers {
				if _, err := svc.Approve(ctx, actor, ids[i]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	require.NoError(b, <-errs)
	queued := time.Since(start)
	for {
		final, err := db.Anchors(ctx, ledger.AnchorFilter{Status: ledger.AnchorFinal, Limit: 1})
		require.NoError(b, err)
		pending, err := db.Anchors(ctx, ledger.AnchorFilter{Status: ledger.AnchorQueued, Limit: 1})
		require.NoError(b, err)
		if len(final) > 0 && len(pending) == 0 && allFinal(b, db, n) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	total := time.Since(start)
	b.StopTimer()
	b.ReportMetric(queued.Seconds(), "s-to-queue")
	b.ReportMetric(total.Seconds(), "s-to-final")
	b.ReportMetric(float64(n)/total.Seconds(), "anchors/s")
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
