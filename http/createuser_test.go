package http_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
)

type usersKept struct {
	users  []*ledger.User
	actors []ledger.Actor
	err    error
}

func (u *usersKept) CreateUser(_ context.Context, actor ledger.Actor, user *ledger.User) error {
	if u.err != nil {
		return u.err
	}
	u.users, u.actors = append(u.users, user), append(u.actors, actor)
	return nil
}

func TestCreateUserHashesThePassword(t *testing.T) {
	t.Parallel()
	db := &usersKept{}
	actor := ledger.CLIActor("cli")
	u, err := aarthahttp.CreateUser(context.Background(), db, actor, "ops@x.test", ledger.RoleOperator, "a long enough passphrase 7")
	require.NoError(t, err)
	require.Equal(t, []*ledger.User{u}, db.users)
	require.Equal(t, []ledger.Actor{actor}, db.actors)
	require.Equal(t, "ops@x.test", u.Email)
	require.Equal(t, ledger.RoleOperator, u.Role)
	require.False(t, strings.Contains(u.PasswordHash, "passphrase"))
	require.True(t, ledger.CheckPassword(u.PasswordHash, "a long enough passphrase 7"))
	require.False(t, u.CreatedAt.IsZero())

	_, err = aarthahttp.CreateUser(context.Background(), db, actor, "x@x.test", ledger.RoleViewer, "")
	require.Error(t, err, "an empty password is refused, not stored")
	require.Len(t, db.users, 1)

	db.err = errors.New("email taken")
	_, err = aarthahttp.CreateUser(context.Background(), db, actor, "ops@x.test", ledger.RoleAdmin, "another long passphrase 8")
	require.ErrorContains(t, err, "email taken")
}
