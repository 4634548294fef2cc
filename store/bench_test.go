package store_test

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// BenchmarkApprove measures loan approvals (lock the loan, update it, append
// its audit row, commit: one transaction each) with concurrent callers, as
// the HTTP server makes them, while the audit sealer runs. Each iteration approves a different loan that
// was created, submitted, before the timer started. The approvals/s metric
// is the one BENCHMARKS.md reports.
func BenchmarkApprove(b *testing.B) {
	open := map[string]func(testing.TB) *store.DB{
		"sqlite":   openSQLite,
		"postgres": func(t testing.TB) *store.DB { return openPostgresPool(t, 0) }, // the default pool
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db := open[be.name](b)
			if _, err := db.Migrate(b.Context()); err != nil {
				b.Fatal(err)
			}
			benchmarkApprove(b, db, nil)
		})
	}
}

var benchRound atomic.Int64

// benchmarkApprove approves b.N fresh loans from 8 callers per CPU;
// afterSetup, if not nil, runs once the loans exist, before the clock starts.
func benchmarkApprove(b *testing.B, db *store.DB, afterSetup func()) {
	ctx := b.Context()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	svc := &ledger.LoanService{Store: db, Now: func() time.Time { return now }, Rand: rand.Reader}

	// Every round of the benchmark gets fresh loans.
	round := benchRound.Add(1)
	ids := make([]string, b.N)
	const perTx = 500
	for start := 0; start < b.N; start += perTx {
		err := db.InTx(ctx, func(tx ledger.Tx) error {
			for i := start; i < min(start+perTx, b.N); i++ {
				ids[i] = fmt.Sprintf("bench-%d-%d", round, i)
				l, err := (ledger.NewLoan{
					ID: ids[i], Borrower: "cust-" + ids[i], Lender: "bank-1",
					Principal: "150000", Currency: "INR", InterestRateBps: 1250, TermMonths: 12,
				}).Validate(now)
				if err != nil {
					return err
				}
				if err := tx.CreateLoan(ctx, l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if afterSetup != nil {
		afterSetup()
	}
	actor := ledger.Actor{ID: "bench@example.com", Role: "admin", Addr: "127.0.0.1"}
	var next atomic.Int64

	// Seal what the setup wrote, then run the sealer during the approvals
	// as `aartha serve` does (every second), but with a grace period of 1 s
	// instead of 10 s, so that on PostgreSQL it seals during the run too.
	later := func() time.Time { return time.Now().Add(time.Hour) }
	if _, err := store.NewAuditSealer(db, store.AuditSealerConfig{Now: later}).Seal(ctx); err != nil {
		b.Fatal(err)
	}
	before, err := db.VerifyAuditChain(ctx)
	if err != nil || before.Break != nil {
		b.Fatal(err, before.Break)
	}
	sealer := store.NewAuditSealer(db, store.AuditSealerConfig{Interval: time.Second, Grace: time.Second})

	b.SetParallelism(8) // 8 callers per CPU
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	sealer.Start(ctx)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, err := svc.Approve(ctx, actor, ids[i]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	sealer.Stop()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "approvals/s")

	// Every approval's row ends up in the one chain.
	during, err := db.VerifyAuditChain(ctx)
	if err != nil || during.Break != nil {
		b.Fatal(err, during.Break)
	}
	b.ReportMetric(float64(during.Rows-before.Rows)/float64(b.N), "sealed-in-run")
	if _, err := store.NewAuditSealer(db, store.AuditSealerConfig{Now: later}).Seal(ctx); err != nil {
		b.Fatal(err)
	}
	after, err := db.VerifyAuditChain(ctx)
	switch {
	case err != nil || after.Break != nil:
		b.Fatal(err, after.Break)
	case after.Rows != before.Rows+int64(b.N) || after.Unsealed != 0 || after.Late != 0:
		b.Fatalf("after %d approvals the chain has %d sealed rows (was %d), %d unsealed, %d late", b.N, after.Rows, before.Rows, after.Unsealed, after.Late)
	}
}

// BenchmarkApproveEncryption runs BenchmarkApprove's approvals with personal
// data stored in the clear and encrypted per loan (docs/privacy.md), side by
// side on one database of each kind, for BENCHMARKS.md.
func BenchmarkApproveEncryption(b *testing.B) {
	open := map[string]func(testing.TB) *store.DB{
		"sqlite":   openSQLite,
		"postgres": func(t testing.TB) *store.DB { return openPostgresPool(t, 0) },
	}
	// clear: encryption off. encrypted: data keys in loans.data_key (a store
	// without a keyring, as the library alone). keyring: as the service runs,
	// keys in a keyring of their own, cached since this process created the
	// loans. keyring-cold: the same with the keyring reopened after the
	// loans were created, so every approval reads and unwraps its key (a
	// process that has just started).
	for _, be := range backends {
		for _, variant := range []string{"clear", "encrypted", "keyring", "keyring-cold"} {
			b.Run(be.name+"/"+variant, func(b *testing.B) {
				db := open[be.name](b)
				if _, err := db.Migrate(b.Context()); err != nil {
					b.Fatal(err)
				}
				var afterSetup func()
				if variant != "clear" {
					keys, err := store.NewPersonalDataKeys(make([]byte, store.MasterKeySize))
					if err != nil {
						b.Fatal(err)
					}
					db.SetPersonalDataKeys(keys)
				}
				if strings.HasPrefix(variant, "keyring") {
					openRing := keyringAt(b, db)
					ring := openRing()
					db.SetKeyring(ring)
					if err := db.PrepareKeyring(b.Context(), time.Now()); err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { _ = ring.Close() })
					if variant == "keyring-cold" {
						afterSetup = func() {
							cold := openRing()
							db.SetKeyring(cold)
							b.Cleanup(func() { _ = cold.Close() })
						}
					}
				}
				benchmarkApprove(b, db, afterSetup)
			})
		}
	}
}
