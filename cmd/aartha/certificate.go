package main

import (
	"context"
	"fmt"
	"math/big"
	"time"

	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/ui"
)

// BlockTime is the time of block number on the EVM chain, for the
// receipt certificate (ui.BlockTimer, aarthahttp.BlockTimer). A MultiChain
// node is not asked: the certificate then leaves the time out.
func (a *anchoring) BlockTime(ctx context.Context, number uint64) (time.Time, error) {
	if a.client == nil {
		return time.Time{}, fmt.Errorf("block time: not read from a MultiChain node")
	}
	h, err := a.client.HeaderByNumber(ctx, new(big.Int).SetUint64(number))
	if err != nil {
		return time.Time{}, fmt.Errorf("block %d: %w", number, err)
	}
	return time.Unix(int64(h.Time), 0).UTC(), nil //nolint:gosec // block times are far below 2^63
}

var (
	_ ui.BlockTimer         = (*anchoring)(nil)
	_ aarthahttp.BlockTimer = (*anchoring)(nil)
)
