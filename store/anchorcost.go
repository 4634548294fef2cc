package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// DirectAnchorCost returns what txHash, the transaction that carried the
// direct-mode anchor anchorID, cost: the gas it used and its effective gas
// price in decimal wei ("" if the node gave none), as the transaction
// journal recorded them when it was mined (send key "anchor:<id>"). It is
// ENOTFOUND while the journal holds no mined transaction with that hash for
// the anchor: not mined yet, replaced, or anchored without gas (MultiChain).
func (db *DB) DirectAnchorCost(ctx context.Context, anchorID int64, txHash common.Hash) (gasUsed uint64, gasPriceWei string, err error) {
	const op = "read the cost of a direct anchor's transaction"
	var (
		gas   sql.NullInt64
		price sql.NullString
	)
	key := "anchor:" + strconv.FormatInt(anchorID, 10)
	err = db.r.QueryRowContext(ctx, db.d.rebind("SELECT inc_gas_used, inc_gas_price FROM tx_sends WHERE key = ? AND inc_tx_hash = ?"),
		key, txHash.Bytes()).Scan(&gas, &price)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && !gas.Valid):
		return 0, "", ledger.Errorf(ledger.ENOTFOUND, "anchor %d: no mined transaction %s in the journal", anchorID, txHash.Hex())
	case err != nil:
		return 0, "", db.wrap(op, err)
	}
	return uint64(gas.Int64), price.String, nil
}
