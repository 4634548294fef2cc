package simchain_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"

	"github.com/aartha/ledger/contracts"
)

func mustABI(t *testing.T) *abi.ABI {
	t.Helper()
	a := contracts.NewLoanRegistry().GetABI()
	return &a
}
