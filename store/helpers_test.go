package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for the admin connection
	"github.com/stretchr/testify/require"
)

// backend opens a fresh, empty database of one kind for one test.
type backend struct {
	name string
	open func(t testing.TB) *store.DB
}

var backends = []backend{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

func openSQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "data", "aartha.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

// postgresURL is the server the tests use: AARTHA_TEST_DATABASE_URL, or the
// local trust-auth server of the development machine and CI.
func postgresURL() string {
	if u := os.Getenv("AARTHA_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

var (
	pgAdminOnce sync.Once
	pgAdmin     *sql.DB
	pgAdminErr  error
	schemaSeq   atomic.Int64
)

// requirePostgres returns an admin connection to the test server. If the
// server cannot be reached the test is skipped on a laptop and fails under
// CI=true, so that CI never passes without having run against PostgreSQL.
func requirePostgres(t testing.TB) *sql.DB {
	t.Helper()
	pgAdminOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pgAdmin, pgAdminErr = sql.Open("pgx", postgresURL())
		if pgAdminErr == nil {
			pgAdminErr = pgAdmin.PingContext(ctx)
		}
	})
	if pgAdminErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is unreachable under CI=true (set AARTHA_TEST_DATABASE_URL): %v", pgAdminErr)
		}
		t.Skipf("PostgreSQL is unreachable, skipping (set AARTHA_TEST_DATABASE_URL): %v", pgAdminErr)
	}
	return pgAdmin
}

// openPostgres opens the test server with a fresh schema of its own as the
// search path, dropped when the test ends, so that tests run in parallel.
func openPostgres(t testing.TB) *store.DB {
	t.Helper()
	return openPostgresPool(t, 4)
}

// openPostgresPool is openPostgres with a pool of at most conns connections
// (0: the default).
func openPostgresPool(t testing.TB, conns int) *store.DB {
	t.Helper()
	admin := requirePostgres(t)
	schema := fmt.Sprintf("aartha_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	_, err := admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		require.NoError(t, err)
	})
	db, err := store.OpenPostgres(context.Background(), withSearchPath(t, postgresURL(), schema, conns))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

func withSearchPath(t testing.TB, base, schema string, conns int) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		require.NoError(t, err)
		q := u.Query()
		q.Set("search_path", schema)
		if conns > 0 {
			q.Set("pool_max_conns", strconv.Itoa(conns))
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	s := base + " search_path=" + schema
	if conns > 0 {
		s += " pool_max_conns=" + strconv.Itoa(conns)
	}
	return s
}

// clock is a test clock that moves one second on every reading.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// detRand is a deterministic, concurrency-safe source of salts.
type detRand struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func newDetRand() *detRand { return &detRand{r: rand.NewChaCha8([32]byte{1, 2, 3})} }

func (d *detRand) Read(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.r.Read(p)
}

// fixture is what most tests need: a migrated store and a service on it.
type fixture struct {
	ctx   context.Context
	db    *store.DB
	svc   *ledger.LoanService
	clock *clock
	admin ledger.Actor
}

func setup(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	db := open(t)
	_, err := db.Migrate(t.Context())
	require.NoError(t, err)
	c := newClock()
	return &fixture{
		ctx:   t.Context(),
		db:    db,
		svc:   &ledger.LoanService{Store: db, Now: c.Now, Rand: newDetRand()},
		clock: c,
		admin: ledger.Actor{ID: "ada@example.com", Role: "admin", Addr: "203.0.113.7"},
	}
}

func newLoan(id string) ledger.NewLoan {
	return ledger.NewLoan{
		ID: id, Borrower: "cust-" + id, Lender: "bank-1",
		BorrowerAddress: "0x00000000000000000000000000000000000000aa",
		Principal:       "150000", Currency: "INR",
		InterestRateBps: 1250, TermMonths: 12,
	}
}

// create stores submitted loans through the service.
func (f *fixture) create(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		_, err := f.svc.Create(f.ctx, f.admin, newLoan(id))
		require.NoError(t, err)
	}
}

func requireCode(t *testing.T, code string, err error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, ledger.ErrorCode(err), "error: %v", err)
}

func (f *fixture) audit(t *testing.T, filter ledger.AuditFilter) []ledger.AuditEntry {
	t.Helper()
	es, err := f.db.AuditEntries(f.ctx, filter)
	require.NoError(t, err)
	return es
}
