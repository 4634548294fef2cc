package store_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/store/storetest"
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

var (
	openSQLite       = storetest.OpenSQLite
	openPostgres     = storetest.OpenPostgres
	openPostgresPool = storetest.OpenPostgresPool
	requirePostgres  = storetest.RequirePostgres
	postgresURL      = storetest.PostgresURL
	withSearchPath   = storetest.WithSearchPath
)

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
