package store_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/store"
)

// TestPostgresPasswordIsAskedPerConnection checks that WithPassword is
// consulted for every new connection (so a rotated password applies
// without a restart) and that its value stays out of connection errors.
// The test server uses trust authentication, so it proves the wiring, not
// that the server checks the password.
func TestPostgresPasswordIsAskedPerConnection(t *testing.T) {
	requirePostgres(t)
	var calls atomic.Int64
	pw := func() string { calls.Add(1); return "rotating-pw-7c1e" }
	db, err := store.OpenPostgres(t.Context(), postgresURL(), store.WithPassword(pw))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.GreaterOrEqual(t, calls.Load(), int64(2), "once to redact errors, once per connection")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = store.OpenPostgres(ctx, "postgres://aartha@127.0.0.1:1/ledger?sslmode=disable&connect_timeout=2", store.WithPassword(pw))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "rotating-pw-7c1e")
}
