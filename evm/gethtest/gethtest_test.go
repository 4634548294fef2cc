package gethtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm/gethtest"
)

func TestStartFundsTestAccount(t *testing.T) {
	t.Parallel()
	n := gethtest.Start(t)
	bal, err := n.Client.BalanceAt(context.Background(), n.Address, nil)
	require.NoError(t, err)
	require.Zero(t, bal.Cmp(gethtest.FundedWei))
	require.EqualValues(t, 1337, n.ChainID.Int64())
}
