package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// Checkpoints of the audit trail's chain head (ledger.AuditCheckpoint):
// taken by TakeAuditCheckpoint, sent to the chain by anchoring's audit
// anchorer, which records their progress here.

const auditCheckpointColumns = `seq, last_id, head, salt, taken_at, status, chain, contract, tx_hash, block_number, block_hash, log_index, last_error`

// queryRower is a pool or a transaction.
type queryRower interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func scanAuditCheckpoint(row rowScanner) (*ledger.AuditCheckpoint, error) {
	var (
		c                         ledger.AuditCheckpoint
		takenAt                   nullTime
		status, contract, tx, blk string
	)
	if err := row.Scan(&c.Seq, &c.LastID, &c.Head, &c.Salt, &takenAt, &status, &c.Chain, &contract, &tx, &c.BlockNumber, &blk, &c.LogIndex, &c.LastError); err != nil {
		return nil, err
	}
	c.TakenAt, c.Status = takenAt.t, ledger.AnchorStatus(status)
	c.Contract, c.TxHash, c.BlockHash = common.HexToAddress(contract), common.HexToHash(tx), common.HexToHash(blk)
	return &c, nil
}

// TakeAuditCheckpoint records a checkpoint of the chain head as it is now,
// queued for the chain, with salt (ledger.SaltSize random bytes). If the
// latest checkpoint already covers the head (and has not failed) it
// returns that one and false instead: an idle trail is not anchored again.
func (db *DB) TakeAuditCheckpoint(ctx context.Context, now time.Time, salt []byte) (cp *ledger.AuditCheckpoint, created bool, err error) {
	if len(salt) != ledger.SaltSize {
		return nil, false, ledger.Errorf(ledger.EINVALID, "a checkpoint salt has %d bytes, want %d", len(salt), ledger.SaltSize)
	}
	err = db.inTx(ctx, func(t *tx) error {
		head, err := db.readAuditHead(ctx, t.tx, true)
		if err != nil {
			return err
		}
		latest, err := db.auditCheckpointWhere(ctx, t.tx, "1 = 1")
		if err != nil {
			return err
		}
		if latest != nil && latest.LastID == head.LastID && latest.Status != ledger.AnchorFailed {
			cp = latest
			return nil
		}
		c := &ledger.AuditCheckpoint{Seq: 1, LastID: head.LastID, Head: head.Hash, Salt: salt,
			TakenAt: now.UTC().Truncate(time.Second), Status: ledger.AnchorQueued}
		if latest != nil {
			c.Seq = latest.Seq + 1
		}
		_, err = t.tx.ExecContext(ctx, db.d.rebind(`INSERT INTO audit_checkpoint (seq, last_id, head, salt, taken_at, status) VALUES (?, ?, ?, ?, ?, ?)`),
			c.Seq, c.LastID, c.Head, c.Salt, db.d.timeArg(c.TakenAt), string(c.Status))
		if err != nil {
			return db.wrap("record an audit checkpoint", err)
		}
		cp, created = c, true
		return nil
	})
	return cp, created, err
}

// auditCheckpointWhere reads the checkpoint with the highest seq that
// matches cond (nil if none).
func (db *DB) auditCheckpointWhere(ctx context.Context, q queryRower, cond string, args ...any) (*ledger.AuditCheckpoint, error) {
	c, err := scanAuditCheckpoint(q.QueryRowContext(ctx, db.d.rebind("SELECT "+auditCheckpointColumns+" FROM audit_checkpoint WHERE "+cond+" ORDER BY seq DESC LIMIT 1"), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, db.wrap("read audit checkpoints", err)
	}
	return c, nil
}

// AuditCheckpoint returns checkpoint seq.
func (db *DB) AuditCheckpoint(ctx context.Context, seq int64) (*ledger.AuditCheckpoint, error) {
	c, err := db.auditCheckpointWhere(ctx, db.r, "seq = ?", seq)
	if err == nil && c == nil {
		err = ledger.Errorf(ledger.ENOTFOUND, "audit checkpoint %d does not exist", seq)
	}
	return c, err
}

// LatestAnchoredAuditCheckpoint returns the latest checkpoint whose write
// is on chain (included or final), or nil.
func (db *DB) LatestAnchoredAuditCheckpoint(ctx context.Context) (*ledger.AuditCheckpoint, error) {
	return db.latestAnchoredCheckpoint(ctx, db.r)
}

func (db *DB) latestAnchoredCheckpoint(ctx context.Context, q queryRower) (*ledger.AuditCheckpoint, error) {
	return db.auditCheckpointWhere(ctx, q, "status IN ('included', 'final')")
}

// PendingAuditCheckpoints lists the checkpoints not yet final nor failed,
// oldest first.
func (db *DB) PendingAuditCheckpoints(ctx context.Context) ([]*ledger.AuditCheckpoint, error) {
	return queryAll(ctx, db, "list pending audit checkpoints",
		db.d.rebind("SELECT "+auditCheckpointColumns+" FROM audit_checkpoint WHERE status IN ('queued', 'submitted', 'included') ORDER BY seq"), nil, scanAuditCheckpoint)
}

// RecordAuditCheckpointProgress records a step of checkpoint seq's send
// to chain (CAIP-2) at contract.
func (db *DB) RecordAuditCheckpointProgress(ctx context.Context, seq int64, chain string, contract common.Address, u ledger.SendUpdate) error {
	_, err := db.w.ExecContext(ctx, db.d.rebind(`UPDATE audit_checkpoint SET status = ?, chain = ?, contract = ?, tx_hash = ?, block_number = ?, block_hash = ?, log_index = ?, last_error = ''
		WHERE seq = ? AND status <> 'failed'`),
		string(u.Status), chain, contract.Hex(), u.TxHash.Hex(), u.BlockNumber, u.BlockHash.Hex(), u.LogIndex, seq)
	if err != nil {
		return db.wrap("record audit checkpoint progress", err)
	}
	return nil
}

// FailAuditCheckpoint gives checkpoint seq up with reason; the next
// checkpoint taken covers the head again.
func (db *DB) FailAuditCheckpoint(ctx context.Context, seq int64, reason string) error {
	_, err := db.w.ExecContext(ctx, db.d.rebind(`UPDATE audit_checkpoint SET status = 'failed', last_error = ? WHERE seq = ?`), reason, seq)
	if err != nil {
		return db.wrap("record a failed audit checkpoint", err)
	}
	return nil
}

// AuditCheckpointKeys maps the loan key of every checkpoint the store
// holds to its seq, so that reconcile and rebuild tell checkpoints on
// chain from loans.
func (db *DB) AuditCheckpointKeys(ctx context.Context) (map[common.Hash]int64, error) {
	seqs, err := queryAll(ctx, db, "list audit checkpoints", "SELECT seq FROM audit_checkpoint", nil, func(r rowScanner) (int64, error) {
		var s int64
		return s, r.Scan(&s)
	})
	if err != nil {
		return nil, err
	}
	keys := make(map[common.Hash]int64, len(seqs))
	for _, s := range seqs {
		keys[ledger.LoanKey(ledger.AuditCheckpointID(s))] = s
	}
	return keys, nil
}
