package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// AnchorService moves anchors and batches through their lifecycle on the
// chain (queued → submitted → included → final, failed, and back to
// queued when a final write left the chain), each step in one store
// transaction with the loan's chain fields and the audit rows it needs.
// It knows no chain and no job queue: the worker calls it with what a
// ChainSender reported. Its zero value is not usable: set Store.
//
// Safe for concurrent use; concurrent steps of one anchor are serialized
// by the store's row locks.
type AnchorService struct {
	Store Store
	Now   func() time.Time
	// Network and Contract are what audit rows of chain writes name:
	// Chain's Network and Target.
	Network, Contract string
}

// AnchorTarget selects what a send wrote: a batch (BatchID set) or the
// anchors of a loan (Filter.LoanID) of one kind (0: any).
type AnchorTarget struct {
	Filter  AnchorFilter
	Kind    Kind
	BatchID int64
}

// Progressed is what recording a step changed, for the caller's metrics.
type Progressed struct {
	// BecameFinal is set when this step is the one that recorded the write
	// final (a retry that finds it final already does not set it).
	BecameFinal bool
	// Latencies are, for each anchor (or the batch) that became final,
	// how long it took from its creation.
	Latencies []time.Duration
}

// Loss is a write reported final that left the chain and was queued again.
type Loss struct {
	LoanID  string      // the loan, in direct mode
	Kind    Kind        // the record, in direct mode
	BatchID int64       // the batch, in batch mode
	TxHash  common.Hash // the transaction that left the chain
	Block   uint64      // the block it had been final in
	Reason  string
}

func (s *AnchorService) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// BuildBatch gathers up to max unbatched queued anchors into a new batch,
// storing each anchor's proof, in one transaction. It returns nil if there
// is nothing to batch.
func (s *AnchorService) BuildBatch(ctx context.Context, max int) (*Batch, error) {
	var batch *Batch
	err := s.Store.InTx(ctx, func(tx Tx) error {
		batch = nil
		anchors, err := tx.AnchorsForUpdate(ctx, AnchorFilter{
			Mode: ModeBatch, Status: AnchorQueued, Unbatched: true, Limit: max,
		})
		if err != nil || len(anchors) == 0 {
			return err
		}
		leaves := make([]common.Hash, len(anchors))
		for i, a := range anchors {
			leaves[i] = a.Leaf
		}
		tree, err := NewMerkleTree(leaves)
		if err != nil {
			return err
		}
		now := s.now()
		b := &Batch{Root: tree.Root(), LeafCount: len(anchors), Status: AnchorQueued, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateBatch(ctx, b); err != nil {
			return err
		}
		ids := make([]int64, len(anchors))
		proofs := make([][]common.Hash, len(anchors))
		for i, a := range anchors {
			ids[i] = a.ID
			if proofs[i], err = tree.Proof(a.Leaf); err != nil {
				return err
			}
		}
		if err := tx.AssignBatch(ctx, b.ID, ids, proofs, now); err != nil {
			return err
		}
		batch = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("build batch: %w", err)
	}
	return batch, nil
}

// RecordProgress writes a send's step onto its anchors, their loans and
// the batch, in one transaction. A batch's anchors and loans are written
// in bulk (a few statements whatever the batch size) and its audit row is
// one per batch step; a direct anchor's step gets an audit row on its
// loan. An update that is not in a block (back to submitted after a reorg)
// clears the block fields: the old block is no more.
func (s *AnchorService) RecordProgress(ctx context.Context, t AnchorTarget, u SendUpdate) (Progressed, error) {
	now := s.now()
	write := s.chainWrite(u)
	var p Progressed
	err := s.Store.InTx(ctx, func(tx Tx) error {
		p = Progressed{}
		if t.BatchID != 0 {
			b, before, err := recordBatchProgress(ctx, tx, t.BatchID, u, write, now)
			if err == nil && u.Status == AnchorFinal && before != AnchorFinal {
				p.BecameFinal = true
				p.Latencies = append(p.Latencies, now.Sub(b.CreatedAt))
			}
			return err
		}
		return applyToAnchors(ctx, tx, t.Filter, t.Kind, write, now, func(a *Anchor) {
			if u.Status == AnchorFinal && a.Status != AnchorFinal {
				p.BecameFinal = true
			}
			a.Status, a.TxHash = u.Status, u.TxHash
			a.BlockNumber, a.BlockHash, a.LogIndex = 0, common.Hash{}, 0
			if u.InBlock() {
				a.BlockNumber, a.BlockHash, a.LogIndex = u.BlockNumber, u.BlockHash, u.LogIndex
			}
			if u.Status == AnchorFinal {
				a.FinalAt = &now
				p.Latencies = append(p.Latencies, now.Sub(a.CreatedAt))
			}
		})
	})
	return p, err
}

// RecordFailure marks the target's anchors (and its batch) failed with
// reason.
func (s *AnchorService) RecordFailure(ctx context.Context, t AnchorTarget, reason string) error {
	now := s.now()
	return s.Store.InTx(ctx, func(tx Tx) error {
		if t.BatchID != 0 {
			b, err := tx.BatchForUpdate(ctx, t.BatchID)
			if err != nil {
				return err
			}
			before := b.Status
			b.Status, b.LastError, b.UpdatedAt = AnchorFailed, reason, now
			if err := tx.UpdateBatch(ctx, b); err != nil {
				return err
			}
			if _, err := tx.SetBatchAnchors(ctx, t.BatchID, AnchorProgress{
				Status: AnchorFailed, TxHash: b.TxHash, BlockNumber: b.BlockNumber, BlockHash: b.BlockHash,
				LogIndex: b.LogIndex, LastError: reason, UpdatedAt: now,
			}); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &AuditEntry{
				At: now, Actor: SystemActor(), Action: BatchAction(AnchorFailed), Entity: "batch",
				EntityID: strconv.FormatInt(b.ID, 10), Before: batchAudit(before, nil), After: batchAudit(b.Status, b),
			})
		}
		return applyToAnchors(ctx, tx, t.Filter, t.Kind, nil, now, func(a *Anchor) {
			a.Status, a.LastError = AnchorFailed, reason
		})
	})
}

// TakeBackAnchor puts a final direct anchor whose write left the chain
// back in the queue with reason, with an audit row on its loan, in one
// transaction (the store's job hook queues its job). It returns nil if the
// anchor is no longer final: taken back already, so a retry is harmless.
func (s *AnchorService) TakeBackAnchor(ctx context.Context, id int64, reason string) (*Loss, error) {
	now := s.now()
	var loss *Loss
	err := s.Store.InTx(ctx, func(tx Tx) error {
		loss = nil
		found, err := tx.AnchorsForUpdate(ctx, AnchorFilter{ID: id})
		if err != nil {
			return err
		}
		if len(found) == 0 || found[0].Status != AnchorFinal {
			return nil
		}
		a := found[0]
		l := &Loss{LoanID: a.LoanID, Kind: a.Kind, TxHash: a.TxHash, Block: a.BlockNumber, Reason: reason}
		write := s.chainWrite(SendUpdate{})
		write.TxHash = a.TxHash.Hex()
		if err := tx.ReopenAnchor(ctx, a, reason); err != nil {
			return err
		}
		a.UpdatedAt = now
		if err := mirrorOnLoan(ctx, tx, a, AnchorFinal, write, now, ActionAnchorLost); err != nil {
			return err
		}
		loss = l
		return nil
	})
	return loss, err
}

// TakeBackBatch puts a final batch whose write left the chain, and its
// anchors, back in the queue with reason, with an audit row on the batch,
// in one transaction. It returns nil if the batch is no longer final.
func (s *AnchorService) TakeBackBatch(ctx context.Context, id int64, reason string) (*Loss, error) {
	now := s.now()
	var loss *Loss
	err := s.Store.InTx(ctx, func(tx Tx) error {
		loss = nil
		b, err := tx.BatchForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if b.Status != AnchorFinal {
			return nil
		}
		l := &Loss{BatchID: b.ID, TxHash: b.TxHash, Block: b.BlockNumber, Reason: reason}
		write := s.chainWrite(SendUpdate{})
		write.TxHash = b.TxHash.Hex()
		before := batchAudit(b.Status, b)
		b.Status, b.LastError, b.UpdatedAt, b.FinalAt = AnchorQueued, reason, now, nil
		b.TxHash, b.BlockNumber, b.BlockHash, b.LogIndex, b.Seq = common.Hash{}, 0, common.Hash{}, 0, 0
		if err := tx.UpdateBatch(ctx, b); err != nil {
			return err
		}
		if _, err := tx.SetBatchAnchors(ctx, id, AnchorProgress{Status: AnchorQueued, LastError: reason, UpdatedAt: now}); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, &AuditEntry{
			At: now, Actor: SystemActor(), Action: ActionBatchLost, Entity: "batch",
			EntityID: strconv.FormatInt(b.ID, 10), Before: before, After: batchAudit(b.Status, b),
			Chain: write,
		}); err != nil {
			return err
		}
		loss = l
		return nil
	})
	return loss, err
}

// chainWrite describes a send's transaction for the audit trail: network,
// contract (the stream on MultiChain), hash and, once mined on a chain with
// gas, gas used, price and total cost in wei.
func (s *AnchorService) chainWrite(u SendUpdate) *ChainWrite {
	c := &ChainWrite{Network: s.Network, Contract: s.Contract}
	if u.TxHash != (common.Hash{}) {
		c.TxHash = u.TxHash.Hex()
	}
	if g := u.Gas; g != nil && g.Price != nil {
		c.GasUsed = g.Used
		c.GasPriceWei = g.Price.String()
		c.TotalCostWei = new(big.Int).Mul(g.Price, new(big.Int).SetUint64(g.Used)).String()
	}
	return c
}

// applyToAnchors applies change to the selected anchors of a kind (0: any),
// writes them and mirrors each onto its loan, in the caller's transaction.
func applyToAnchors(ctx context.Context, tx Tx, f AnchorFilter, kind Kind, write *ChainWrite, now time.Time, change func(*Anchor)) error {
	anchors, err := tx.AnchorsForUpdate(ctx, f)
	if err != nil {
		return err
	}
	for _, a := range anchors {
		if kind != 0 && a.Kind != kind {
			continue
		}
		before := a.Status
		change(a)
		a.UpdatedAt = now
		if err := tx.UpdateAnchor(ctx, a); err != nil {
			return err
		}
		if err := mirrorOnLoan(ctx, tx, a, before, write, now, ""); err != nil {
			return err
		}
	}
	return nil
}

// recordBatchProgress writes a step of a batch's transaction onto the batch,
// all its anchors and their loans, with one audit row for the batch.
func recordBatchProgress(ctx context.Context, tx Tx, batchID int64, u SendUpdate, write *ChainWrite, now time.Time) (_ *Batch, before AnchorStatus, _ error) {
	b, err := tx.BatchForUpdate(ctx, batchID)
	if err != nil {
		return nil, "", err
	}
	before = b.Status
	b.Status, b.TxHash, b.UpdatedAt = u.Status, u.TxHash, now
	b.BlockNumber, b.BlockHash, b.LogIndex, b.Seq = 0, common.Hash{}, 0, 0
	if u.InBlock() {
		b.BlockNumber, b.BlockHash = u.BlockNumber, u.BlockHash
		b.Seq, b.LogIndex = u.BatchSeq, u.LogIndex
		if u.Gas != nil {
			b.GasUsed = u.Gas.Used
			if u.Gas.Price != nil {
				b.GasPriceWei = u.Gas.Price.String()
			}
		}
	}
	if u.Status == AnchorFinal {
		b.FinalAt = &now
	}
	if err := tx.UpdateBatch(ctx, b); err != nil {
		return nil, before, err
	}
	// "included" is a moment on the way to final (the per-loan status of
	// docs/api.md calls both "submitted"): the batch row records it, and
	// its anchors and loans are written once more only when it is final,
	// which spares a write of every row of a large batch.
	if b.Status == AnchorIncluded {
		return b, before, nil
	}
	if _, err := tx.SetBatchAnchors(ctx, batchID, AnchorProgress{
		Status: b.Status, TxHash: b.TxHash, BlockNumber: b.BlockNumber, BlockHash: b.BlockHash,
		LogIndex: b.LogIndex, UpdatedAt: now, FinalAt: b.FinalAt,
	}); err != nil {
		return nil, before, err
	}
	if before == b.Status {
		return b, before, nil
	}
	return b, before, tx.AppendAudit(ctx, &AuditEntry{
		At: now, Actor: SystemActor(), Action: BatchAction(b.Status), Entity: "batch",
		EntityID: strconv.FormatInt(b.ID, 10), Before: batchAudit(before, nil), After: batchAudit(b.Status, b),
		Chain: write,
	})
}

// batchAudit is the audit view of a batch's state; b is nil for the state
// before the change.
func batchAudit(status AnchorStatus, b *Batch) json.RawMessage {
	v := map[string]any{"batch_status": status}
	if b != nil {
		v["root"], v["leaf_count"] = b.Root.Hex(), b.LeafCount
		if b.TxHash != (common.Hash{}) {
			v["tx_hash"], v["block_number"], v["gas_used"], v["gas_price_wei"] = b.TxHash.Hex(), b.BlockNumber, b.GasUsed, b.GasPriceWei
		}
		if b.LastError != "" {
			v["error"] = b.LastError
		}
	}
	out, _ := json.Marshal(v) // a map of strings and numbers always marshals
	return out
}

// mirrorOnLoan copies an anchor's state onto the loan's per-loan chain
// fields (docs/api.md) and, when the state changed, writes an audit row:
// action, or AnchorAction of the new status when action is "".
func mirrorOnLoan(ctx context.Context, tx Tx, a *Anchor, before AnchorStatus, write *ChainWrite, now time.Time, action string) error {
	if before == a.Status {
		return nil
	}
	loan, err := tx.LoanForUpdate(ctx, a.LoanID)
	if err != nil {
		return err
	}
	status, txHash, storedAt := &loan.BlockchainStatus, &loan.BlockchainTxHash, &loan.BlockchainStoredAt
	if a.Kind == KindRepaid {
		status, txHash, storedAt = &loan.RepaymentBlockchainStatus, &loan.RepaymentBlockchainTxHash, &loan.RepaymentBlockchainStoredAt
	}
	*status = a.Status.ChainStatus()
	if a.TxHash != (common.Hash{}) {
		*txHash = a.TxHash.Hex()
	}
	switch a.Status {
	case AnchorFinal:
		*storedAt = &now
	case AnchorQueued:
		*storedAt = nil // taken back: what was stored is no longer on chain
	}
	if err := tx.UpdateLoan(ctx, loan); err != nil {
		return err
	}
	if action == "" {
		action = AnchorAction(a.Status)
	}
	return tx.AppendAudit(ctx, &AuditEntry{
		At: now, Actor: SystemActor(), Action: action, Entity: "loan", EntityID: a.LoanID,
		Before: anchorAudit(a.Kind, before, nil), After: anchorAudit(a.Kind, a.Status, a), Chain: write,
	})
}

// anchorAudit is the audit view of an anchor's state; a is nil for the
// state before the change.
func anchorAudit(kind Kind, status AnchorStatus, a *Anchor) json.RawMessage {
	v := map[string]any{"record": kind.String(), "anchor_status": status}
	if a != nil {
		if a.TxHash != (common.Hash{}) {
			v["tx_hash"] = a.TxHash.Hex()
			v["block_number"] = a.BlockNumber
		}
		if a.LastError != "" {
			v["error"] = a.LastError
		}
	}
	b, _ := json.Marshal(v) // a map of strings and numbers always marshals
	return b
}
