package http_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
)

func TestRotatingKeyKeepsThePreviousKeyValid(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	key := []byte(strings.Repeat("a", 32))
	current := func() []byte { mu.Lock(); defer mu.Unlock(); return key }
	rotate := func(k string) { mu.Lock(); defer mu.Unlock(); key = []byte(k) }

	auth, err := aarthahttp.NewRotatingAuthenticator(current, "HS256", time.Hour, nil)
	require.NoError(t, err)
	u := &ledger.User{Email: "ops@example.com", Role: ledger.RoleOperator}
	first, _, err := auth.Issue(u)
	require.NoError(t, err)

	rotate(strings.Repeat("b", 32))
	second, _, err := auth.Issue(u)
	require.NoError(t, err)
	require.NotEqual(t, first, second)
	for _, tok := range []string{first, second} {
		c, err := auth.Check(tok)
		require.NoError(t, err, "tokens of the current and the previous key are accepted")
		require.Equal(t, "ops@example.com", c.Subject)
	}

	rotate(strings.Repeat("c", 32))
	_, err = auth.Check(second)
	require.NoError(t, err)
	_, err = auth.Check(first)
	require.Error(t, err, "two rotations ago is too old")

	rotate("short") // unusable: the last good key stays
	_, err = auth.Check(second)
	require.NoError(t, err)
	third, _, err := auth.Issue(u)
	require.NoError(t, err)
	_, err = auth.Check(third)
	require.NoError(t, err)

	_, err = aarthahttp.NewRotatingAuthenticator(func() []byte { return []byte("short") }, "HS256", time.Hour, nil)
	require.ErrorContains(t, err, "at least 32 bytes")
}
