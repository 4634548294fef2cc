package store_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/txmgr"
)

// TestDirectAnchorCost reads a direct anchor's gas and price from the
// journal once its transaction is mined, and only for that transaction.
func TestDirectAnchorCost(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, j := openJournal(t, b.open)
			_, _, err := j.Create(ctx, txmgr.Record{Key: "anchor:42", From: common.HexToAddress("0x01"), To: common.HexToAddress("0x02"), Data: []byte{1}})
			require.NoError(t, err)
			tx := hashOf("anchor 42 tx")
			_, _, err = db.DirectAnchorCost(ctx, 42, tx)
			require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err), "not mined yet: %v", err)

			require.NoError(t, j.Update(ctx, "anchor:42", txmgr.Status{Phase: txmgr.PhaseIncluded, Inclusion: &txmgr.Inclusion{
				TxHash: tx, BlockNumber: 7, BlockHash: hashOf("b7"), GasUsed: 96649, EffectiveGasPrice: big.NewInt(3_000_000_007),
			}}))
			gas, price, err := db.DirectAnchorCost(ctx, 42, tx)
			require.NoError(t, err)
			require.Equal(t, uint64(96649), gas)
			require.Equal(t, "3000000007", price)

			_, _, err = db.DirectAnchorCost(ctx, 42, hashOf("another tx"))
			require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err), "another transaction's cost is not this one's")
			_, _, err = db.DirectAnchorCost(ctx, 43, tx)
			require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
		})
	}
}
