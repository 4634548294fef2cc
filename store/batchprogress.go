package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// setBatchAnchorsSQL writes one step of a batch's transaction onto every
// anchor of the batch.
const setBatchAnchorsSQL = `UPDATE anchors SET status = ?, tx_hash = ?, block_number = ?, block_hash = ?,
	log_index = ?, last_error = ?, updated_at = ?, final_at = ? WHERE batch_id = ?`

// mirrorApprovalSQL and mirrorRepaymentSQL copy it onto the per-loan
// chain fields (docs/api.md) of the loans whose records the batch carries.
const (
	mirrorApprovalSQL = `UPDATE loans SET blockchain_status = ?,
	blockchain_tx_hash = CASE WHEN ? = '' THEN blockchain_tx_hash ELSE ? END,
	blockchain_stored_at = COALESCE(?, blockchain_stored_at)
	WHERE id IN (SELECT loan_id FROM anchors WHERE batch_id = ? AND kind = 1)`
	mirrorRepaymentSQL = `UPDATE loans SET repayment_blockchain_status = ?,
	repayment_blockchain_tx_hash = CASE WHEN ? = '' THEN repayment_blockchain_tx_hash ELSE ? END,
	repayment_blockchain_stored_at = COALESCE(?, repayment_blockchain_stored_at)
	WHERE id IN (SELECT loan_id FROM anchors WHERE batch_id = ? AND kind = 2)`
)

// SetBatchAnchors writes a step of a batch's transaction (status, tx hash,
// block, the batch's log index, error, times) onto every anchor of the batch
// and mirrors it onto their loans' chain fields, in three statements however
// large the batch. It returns how many anchors it changed.
func (t *tx) SetBatchAnchors(ctx context.Context, batchID int64, p ledger.AnchorProgress) (int64, error) {
	what := fmt.Sprintf("anchors of batch %d", batchID)
	number, hash, logIndex, err := inclusionArgs(what, p.BlockNumber, p.BlockHash, p.LogIndex)
	if err != nil {
		return 0, err
	}
	if !validAnchorStatus(p.Status) {
		return 0, statusError(p.Status)
	}
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	d := t.db.d
	res, err := t.tx.ExecContext(ctx, d.rebind(setBatchAnchorsSQL),
		string(p.Status), hashArg(p.TxHash), number, hash, logIndex, p.LastError,
		d.timeArg(p.UpdatedAt), d.nullTimeArg(p.FinalAt), batchID)
	if err != nil {
		return 0, t.db.wrap("update "+what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.db.wrap("update "+what, err)
	}
	txHex := ""
	if p.TxHash != ([32]byte{}) {
		txHex = p.TxHash.Hex()
	}
	status := string(p.Status.ChainStatus())
	for _, q := range []string{mirrorApprovalSQL, mirrorRepaymentSQL} {
		if _, err := t.tx.ExecContext(ctx, d.rebind(q), status, txHex, txHex, d.nullTimeArg(p.FinalAt), batchID); err != nil {
			return 0, t.db.wrap("mirror "+what+" on loans", err)
		}
	}
	return n, nil
}

// AssignBatch puts the given anchors into a batch with their Merkle proofs
// (proofs[i] belongs to ids[i]); their status does not change. On
// PostgreSQL it is one statement for the whole batch; on SQLite, where a
// statement costs no round trip, one prepared statement per anchor. It
// returns ENOTFOUND unless every id names an anchor.
func (t *tx) AssignBatch(ctx context.Context, batchID int64, ids []int64, proofs [][]common.Hash, now time.Time) error {
	if len(ids) != len(proofs) {
		return ledger.Errorf(ledger.EINTERNAL, "assign batch %d: %d anchors but %d proofs", batchID, len(ids), len(proofs))
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	d := t.db.d
	what := fmt.Sprintf("anchors of batch %d", batchID)
	encoded := make([][]byte, len(proofs))
	for i, p := range proofs {
		encoded[i], _ = proofArg(p).([]byte) // nil for the nil proof of a one-leaf batch
		if encoded[i] == nil {
			encoded[i] = []byte{}
		}
	}
	var changed int64
	if d.name == "postgres" {
		res, err := t.tx.ExecContext(ctx, `UPDATE anchors SET batch_id = $1, proof = v.proof, updated_at = $2
			FROM unnest($3::bigint[], $4::bytea[]) AS v(id, proof) WHERE anchors.id = v.id`,
			batchID, d.timeArg(now), ids, encoded)
		if err != nil {
			return t.db.wrap("assign "+what, err)
		}
		if changed, err = res.RowsAffected(); err != nil {
			return t.db.wrap("assign "+what, err)
		}
	} else {
		stmt, err := t.tx.PrepareContext(ctx, `UPDATE anchors SET batch_id = ?, proof = ?, updated_at = ? WHERE id = ?`)
		if err != nil {
			return t.db.wrap("assign "+what, err)
		}
		defer stmt.Close()
		for i, id := range ids {
			res, err := stmt.ExecContext(ctx, batchID, encoded[i], d.timeArg(now), id)
			if err != nil {
				return t.db.wrap("assign "+what, err)
			}
			n, _ := res.RowsAffected()
			changed += n
		}
	}
	if changed != int64(len(ids)) {
		return ledger.Errorf(ledger.ENOTFOUND, "assign %s: %d of %d anchors found", what, changed, len(ids))
	}
	return nil
}
