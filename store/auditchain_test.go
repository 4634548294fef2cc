package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// TestAuditChain runs the audit chain and user tests on every backend.
func TestAuditChain(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for name, fn := range map[string]func(*testing.T, func(testing.TB) *store.DB){
				"ConcurrentAppendsFormOneChain": testAuditChainConcurrent,
				"EditDeleteTruncateDetected":    testAuditChainTamper,
				"Users":                         testUsers,
			} {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					fn(t, b.open)
				})
			}
		})
	}
}

func testAuditChainConcurrent(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	r, err := f.db.VerifyAuditChain(f.ctx)
	require.NoError(t, err)
	require.Nil(t, r.Break, "an empty trail holds")

	const n = 40
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("chain-%d", i)
	}
	f.create(t, ids...)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			_, err := f.svc.Approve(f.ctx, f.admin, id)
			require.NoError(t, err)
		})
	}
	wg.Wait()
	r, err = f.db.VerifyAuditChain(f.ctx)
	require.NoError(t, err)
	require.Nil(t, r.Break, "%+v", r.Break)
	require.EqualValues(t, 2*n, r.Rows)

	es := f.audit(t, ledger.AuditFilter{Limit: 2})
	require.Len(t, es[0].Hash, 32)
	require.Equal(t, es[1].Hash, es[0].PrevHash, "each row commits to the one before it")
	require.Equal(t, r.Head, fmt.Sprintf("%x", []byte(es[0].Hash)))
}

func testAuditChainTamper(t *testing.T, open func(testing.TB) *store.DB) {
	cases := []struct {
		name, sql, want string
	}{
		{"edit", "UPDATE audit_log SET actor_id = 'mallory@example.com' WHERE id = 3", "row 3 was changed"},
		{"delete", "DELETE FROM audit_log WHERE id = 3", "row 4 does not follow row 2"},
		{"truncate", "DELETE FROM audit_log WHERE id >= 5", "rows were removed from the end"},
		{"drop hash", "UPDATE audit_log SET hash = NULL WHERE id = 2", "row 2 has no hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, open)
			f.create(t, "t-1", "t-2", "t-3")
			for _, id := range []string{"t-1", "t-2", "t-3"} {
				_, err := f.svc.Approve(f.ctx, f.admin, id)
				require.NoError(t, err)
			}
			r, err := f.db.VerifyAuditChain(f.ctx)
			require.NoError(t, err)
			require.Nil(t, r.Break)
			_, err = f.db.SQLDB().ExecContext(f.ctx, c.sql)
			require.NoError(t, err)
			r, err = f.db.VerifyAuditChain(f.ctx)
			require.NoError(t, err)
			require.NotNil(t, r.Break)
			require.Contains(t, r.Break.Reason, c.want)
		})
	}
}

func testUsers(t *testing.T, open func(testing.TB) *store.DB) {
	f := setup(t, open)
	n, err := f.db.CountUsers(f.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	hash, err := ledger.HashPassword("correct horse battery")
	require.NoError(t, err)
	u := &ledger.User{Email: "Ada@Example.com", Role: ledger.RoleOperator, PasswordHash: hash}
	require.NoError(t, f.db.CreateUser(f.ctx, ledger.CLIActor("root"), u))
	require.NotZero(t, u.ID)
	require.Equal(t, "ada@example.com", u.Email)

	got, err := f.db.UserByEmail(f.ctx, "ADA@example.com")
	require.NoError(t, err)
	require.Equal(t, ledger.RoleOperator, got.Role)
	require.True(t, ledger.CheckPassword(got.PasswordHash, "correct horse battery"))

	requireCode(t, ledger.ECONFLICT, f.db.CreateUser(f.ctx, ledger.CLIActor("root"), &ledger.User{Email: "ada@example.com", Role: ledger.RoleAdmin, PasswordHash: hash}))
	requireCode(t, ledger.EINVALID, f.db.CreateUser(f.ctx, ledger.CLIActor("root"), &ledger.User{Email: "nope", Role: ledger.RoleAdmin, PasswordHash: hash}))
	_, err = f.db.UserByEmail(f.ctx, "bob@example.com")
	requireCode(t, ledger.ENOTFOUND, err)

	es := f.audit(t, ledger.AuditFilter{Entity: "user"})
	require.Len(t, es, 1)
	require.NotContains(t, string(es[0].After), "$2a$", "no password hash in the trail")
	r, err := f.db.VerifyAuditChain(f.ctx)
	require.NoError(t, err)
	require.Nil(t, r.Break)
}
