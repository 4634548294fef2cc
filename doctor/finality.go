package doctor

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/aartha/ledger/txmgr"
)

// checkFinality reports the finality rule in force and whether the node's
// finalized tag can carry it: under BLOCKCHAIN_FINALITY=tag a node whose
// finalized block equals its latest would make every block final at once,
// so that is a failure (serve refuses to start on it too).
func checkFinality(ctx context.Context, r *Report, c Chain, d Deps) {
	rule := d.Finality
	if rule == "" {
		rule = txmgr.FinalityConfirmations
	}
	head, err := c.HeaderByNumber(ctx, nil)
	if err != nil {
		r.add("finality", Warn, err.Error(), "the node could not be asked for its head")
		return
	}
	latest := head.Number.Uint64()
	tagged := "the node has no finalized tag"
	finalized, ferr := c.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
	if ferr == nil && finalized != nil {
		tagged = fmt.Sprintf("the node's finalized block is %d, latest %d", finalized.Number.Uint64(), latest)
	}
	if rule == txmgr.FinalityConfirmations {
		r.add("finality", Pass, fmt.Sprintf("final at %d confirmations by our own count (BLOCKCHAIN_FINALITY=confirmations); %s, which this rule ignores", max(d.Confirmations, 1), tagged), "")
		return
	}
	if ferr != nil || finalized == nil {
		r.add("finality", Fail, "BLOCKCHAIN_FINALITY=tag, but "+tagged,
			"use BLOCKCHAIN_FINALITY=confirmations on this chain")
		return
	}
	if why := txmgr.CheckTag(latest, finalized.Number.Uint64()); why != "" {
		r.add("finality", Fail, "BLOCKCHAIN_FINALITY=tag: "+why, "set BLOCKCHAIN_FINALITY=confirmations (and BLOCKCHAIN_CONFIRMATIONS to the depth this chain needs)")
		return
	}
	r.add("finality", Pass, "final at the node's finalized tag (BLOCKCHAIN_FINALITY=tag); "+tagged, "")
}
