package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store/storetest"
)

// TestSessions runs the session store on SQLite and PostgreSQL: a user's
// state, a logged-out token, revoking a user's sessions, a role change, a
// deletion and the global cut, each with its audit row.
func TestSessions(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := b.Open(t)
			_, err := db.Migrate(ctx)
			require.NoError(t, err)
			now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			admin := ledger.Actor{ID: "admin@example.com", Role: "admin"}
			require.NoError(t, db.CreateUser(ctx, admin, &ledger.User{Email: "ops@example.com", Role: ledger.RoleOperator, PasswordHash: "x", CreatedAt: now}))

			st, err := db.SessionState(ctx, "OPS@example.com", "j1")
			require.NoError(t, err)
			require.Equal(t, ledger.SessionState{Role: ledger.RoleOperator}, st)

			require.NoError(t, db.RevokeToken(ctx, "j1", now.Add(time.Hour), now))
			require.NoError(t, db.RevokeToken(ctx, "j1", now.Add(time.Hour), now), "twice is fine")
			st, err = db.SessionState(ctx, "ops@example.com", "j1")
			require.NoError(t, err)
			require.True(t, st.TokenRevoked)
			st, err = db.SessionState(ctx, "ops@example.com", "j2")
			require.NoError(t, err)
			require.False(t, st.TokenRevoked)
			require.NoError(t, db.RevokeToken(ctx, "j3", now.Add(3*time.Hour), now.Add(2*time.Hour)))
			st, err = db.SessionState(ctx, "ops@example.com", "j1")
			require.NoError(t, err)
			require.False(t, st.TokenRevoked, "expired revocations are cleared")

			require.NoError(t, db.RevokeUserSessions(ctx, admin, "ops@example.com", now))
			require.NoError(t, db.SetUserRole(ctx, admin, "ops@example.com", ledger.RoleViewer, now))
			st, err = db.SessionState(ctx, "ops@example.com", "j2")
			require.NoError(t, err)
			require.Equal(t, ledger.RoleViewer, st.Role)
			require.EqualValues(t, 2, st.SessionVersion)
			u, err := db.UserByEmail(ctx, "ops@example.com")
			require.NoError(t, err)
			require.EqualValues(t, 2, u.SessionVersion)

			require.NoError(t, db.RevokeAllSessions(ctx, admin, now))
			st, err = db.SessionState(ctx, "ops@example.com", "j2")
			require.NoError(t, err)
			require.Equal(t, now.Add(time.Second), st.ValidAfter)

			require.NoError(t, db.DeleteUser(ctx, admin, "ops@example.com", now))
			_, err = db.SessionState(ctx, "ops@example.com", "j2")
			require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
			require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(db.DeleteUser(ctx, admin, "ops@example.com", now)))
			require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(db.SetUserRole(ctx, admin, "nobody@example.com", ledger.RoleAdmin, now)))
			require.Equal(t, ledger.EINVALID, ledger.ErrorCode(db.SetUserRole(ctx, admin, "nobody@example.com", "root", now)))

			es, err := db.AuditEntries(ctx, ledger.AuditFilter{Entity: "user", EntityID: "ops@example.com"})
			require.NoError(t, err)
			var actions []string
			for _, e := range es {
				actions = append(actions, e.Action)
			}
			require.ElementsMatch(t, []string{ledger.ActionUserCreate, ledger.ActionUserRevoke, ledger.ActionUserRole, ledger.ActionUserDelete}, actions)
			rep, err := db.VerifyAuditChain(ctx)
			require.NoError(t, err)
			require.Nil(t, rep.Break, "%+v", rep)
		})
	}
}
