package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

func TestLockSenderAdmitsOneHolder(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			ctx := context.Background()
			// Advisory locks span the whole PostgreSQL server, so each run
			// uses its own signer.
			signer := fmt.Sprintf("0x%040x", time.Now().UnixNano())

			release, err := db.LockSender(ctx, signer)
			require.NoError(t, err)
			_, err = db.LockSender(ctx, signer)
			require.Equal(t, ledger.EUNAVAILABLE, ledger.ErrorCode(err), "a second holder is refused")
			require.Contains(t, ledger.ErrorMessage(err), signer)

			release()
			again, err := db.LockSender(ctx, signer)
			require.NoError(t, err, "released locks can be taken again")
			again()
		})
	}
}
