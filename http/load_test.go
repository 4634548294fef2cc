package http_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store"
)

// BenchmarkAPILoad is the load generator of BENCHMARKS.md: it serves the
// API on loopback over a real store and drives it with concurrent
// keep-alive clients, reporting requests per second and the 99th
// percentile latency of GET /api/admin/loans/{id} and POST .../approve.
func BenchmarkAPILoad(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			db := openLoadStore(b, backend)
			url, token := startLoadServer(b, db)
			const loans = 25000
			ids := seedLoans(b, db, loans)
			b.Run("get", func(b *testing.B) {
				drive(b, 32, b.N, func(c *nethttp.Client, i int) (*nethttp.Request, int) {
					r, _ := nethttp.NewRequest("GET", url+"/api/admin/loans/"+ids[i%loans], nil)
					r.Header.Set("Authorization", "Bearer "+token)
					return r, 200
				})
			})
			var next atomic.Int64 // across runs: each loan is approved once
			b.Run("approve", func(b *testing.B) {
				if int(next.Load())+b.N > loans {
					b.Skip("more approvals than seeded loans")
				}
				drive(b, 32, b.N, func(c *nethttp.Client, _ int) (*nethttp.Request, int) {
					r, _ := nethttp.NewRequest("POST", url+"/api/admin/loans/"+ids[next.Add(1)-1]+"/approve", nil)
					r.Header.Set("Authorization", "Bearer "+token)
					return r, 200
				})
			})
		})
	}
}

func openLoadStore(b *testing.B, backend string) *store.DB {
	ctx := context.Background()
	var (
		db  *store.DB
		err error
	)
	if backend == "sqlite" {
		db, err = store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "aartha.db"))
	} else {
		base := os.Getenv("AARTHA_TEST_DATABASE_URL")
		if base == "" {
			base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		}
		admin, err := sql.Open("pgx", base)
		if err == nil {
			err = admin.PingContext(ctx)
		}
		if err != nil {
			b.Skipf("PostgreSQL unreachable: %v", err)
		}
		schema := fmt.Sprintf("aartha_load_%d", time.Now().UnixNano())
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE"); _ = admin.Close() })
		u, _ := url.Parse(base)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		db, err = store.OpenPostgres(ctx, u.String())
		if err != nil {
			b.Fatal(err)
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

func startLoadServer(b *testing.B, db *store.DB) (string, string) {
	auth, err := aarthahttp.NewAuthenticator([]byte(testKey), "HS256", time.Hour, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	api := aarthahttp.NewAPI(aarthahttp.APIConfig{
		Loans: &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader},
		Store: db, Auth: auth,
	})
	s := aarthahttp.NewServer("127.0.0.1:0", "bench", nil, slog.New(slog.DiscardHandler))
	s.SetAPI(api)
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Stop(context.Background()) })
	tok, _, err := auth.Issue(&ledger.User{Email: "bench@example.com", Role: ledger.RoleOperator})
	if err != nil {
		b.Fatal(err)
	}
	return s.URL(), tok
}

func seedLoans(b *testing.B, db *store.DB, n int) []string {
	ctx := context.Background()
	now := time.Now()
	ids := make([]string, n)
	for start := 0; start < n; start += 500 {
		err := db.InTx(ctx, func(tx ledger.Tx) error {
			for i := start; i < min(start+500, n); i++ {
				ids[i] = fmt.Sprintf("LOAD-%d", i)
				l, err := (ledger.NewLoan{ID: ids[i], Borrower: "cust", Lender: "bank", Principal: "150000",
					Currency: "INR", InterestRateBps: 1250, TermMonths: 12}).Validate(now)
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
	return ids
}

// drive sends n requests from workers concurrent clients and reports
// req/s and p50/p99 latency.
func drive(b *testing.B, workers, n int, mk func(*nethttp.Client, int) (*nethttp.Request, int)) {
	tr := &nethttp.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	client := &nethttp.Client{Transport: tr}
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				req, want := mk(client, i)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if resp.StatusCode != want {
					b.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
}
