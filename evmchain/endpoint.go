package evmchain

import (
	"context"

	"github.com/ethereum/go-ethereum/common"

	"github.com/aartha/ledger/evm"
)

// Endpoint is one node of an EVM chain as the doctor examines it: the
// client, plus what only this package knows about its errors and the
// LoanRegistry.
type Endpoint struct {
	*evm.Client
}

// Unreachable reports whether err is a failure to reach the node
// (evm.IsConnectionError).
func (Endpoint) Unreachable(err error) bool { return evm.IsConnectionError(err) }

// HasAnchorerRole reports whether account holds ANCHORER_ROLE at the
// LoanRegistry at registry.
func (e Endpoint) HasAnchorerRole(ctx context.Context, registry, account common.Address) (bool, error) {
	return evm.NewRegistry(e.Client, registry).HasRole(ctx, evm.AnchorerRole, account)
}
