package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// RebuildStore is what Rebuild reads and writes; *store.DB satisfies it. It
// must have no job hook set: restored anchors are already on chain.
type RebuildStore interface {
	ledger.Store
	LoanIDs(ctx context.Context, fn func(id string) error) error
	ForEachAnchor(ctx context.Context, loanIDs []string, fn func(*ledger.Anchor, *ledger.Loan) error) error
	AllBatches(ctx context.Context) ([]*ledger.Batch, error)
}

// anchorRestorer is a Tx that can insert an anchor with any status
// (store's tx does); others get QueueAnchor followed by UpdateAnchor.
type anchorRestorer interface {
	RestoreAnchor(ctx context.Context, a *ledger.Anchor) error
}

// RebuildOptions tunes Rebuild.
type RebuildOptions struct {
	// Confirmations is how deep a write must be to be restored as final
	// (BLOCKCHAIN_CONFIRMATIONS); shallower ones are restored as included.
	Confirmations uint64
	// Leaves are batch leaf lists by root (ReadLeaves of an export file):
	// the only source of which records a batch holds.
	Leaves map[common.Hash][]LogLeaf
	// DryRun reports without writing.
	DryRun bool
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Progress, if set, is told about every chain write examined.
	Progress Progress
}

// Discrepancy is one record (or batch) where the database and the chain
// differ.
type Discrepancy struct {
	LoanID  string      `json:"loan_id,omitempty"`
	Kind    ledger.Kind `json:"kind,omitempty"`
	LoanKey string      `json:"loan_key,omitempty"`
	Root    string      `json:"root,omitempty"`
	Seq     uint64      `json:"seq,omitempty"`
	TxHash  string      `json:"tx_hash,omitempty"`
	Block   uint64      `json:"block_number,omitempty"`
	// Restored says the anchor (or batch) row was written from the chain.
	Restored bool   `json:"restored"`
	Detail   string `json:"detail"`
}

// RebuildReport is what Rebuild found and did.
type RebuildReport struct {
	FromBlock    uint64 `json:"from_block"`
	Head         uint64 `json:"chain_head"`
	DirectWrites int    `json:"direct_writes"`
	BatchWrites  int    `json:"batch_writes"`
	Unchanged    int    `json:"unchanged"` // records and batches already right
	DryRun       bool   `json:"dry_run"`
	// Missing: on chain, known loan, but the database lacked the anchor
	// (or batch) row or did not know it was on chain. Restored.
	Missing []Discrepancy `json:"missing"`
	// Altered: the database holds something the chain contradicts: another
	// commitment, a record that no longer gives the anchored commitment, or
	// an on-chain status for a write the chain does not have. Not changed.
	Altered []Discrepancy `json:"altered"`
	// Newer: on chain, but the database has no such loan (or record): it
	// was written after the backup was taken. Cannot be restored: the loan
	// record itself is not on chain.
	Newer []Discrepancy `json:"newer"`
	// Unrestorable: batches whose members cannot be identified, because
	// the chain holds only their root and no leaf list was given.
	Unrestorable []Discrepancy `json:"unrestorable"`
	// AuditCheckpoints counts the direct writes that are checkpoints of the
	// audit trail (reserved ids aartha.audit/<n>), not loans: left alone.
	AuditCheckpoints int `json:"audit_checkpoints"`
	// Erased counts the records on chain whose loan's personal data was
	// erased: their anchors are compared with the chain, their records
	// cannot be recomputed (docs/privacy.md).
	Erased int `json:"erased"`
}

// auditCheckpointKeyer is a RebuildStore that knows its audit
// checkpoints (*store.DB does).
type auditCheckpointKeyer interface {
	AuditCheckpointKeys(ctx context.Context) (map[common.Hash]int64, error)
}

// checkpointLookahead is how many checkpoint numbers past the store's
// last are recognised on chain (written after the backup was taken).
const checkpointLookahead = 100_000

// recordID names one record in the database.
type recordID struct {
	loanID string
	kind   ledger.Kind
}

// rebuild is the state of one Rebuild.
type rebuild struct {
	st      RebuildStore
	idx     *ChainIndex
	opts    RebuildOptions
	now     time.Time
	rep     *RebuildReport
	ids     map[common.Hash]string
	anchors map[recordID]*ledger.Anchor
	loans   map[string]*ledger.Loan
	batches map[common.Hash]*ledger.Batch
	members map[int64]int // batch id → anchors in it
	// checkpoints are the loan keys of audit checkpoints (see
	// ledger.AuditCheckpointID).
	checkpoints map[common.Hash]bool

	// Writes to make, in order.
	newBatches  []*ledger.Batch
	batchFixes  []*ledger.Batch
	anchorSaves []anchorSave
}

type anchorSave struct {
	a      *ledger.Anchor
	insert bool
	root   common.Hash // batch anchors: the batch's root (its id may be new)
}

// Rebuild compares the database's anchor index with the registry's writes
// in idx, restores what the chain can tell (see the package doc), and
// reports every discrepancy. An error means the database could not be read
// or written; with an error from a write, transactions already committed
// stay (running Rebuild again is safe: it only writes what still differs).
func Rebuild(ctx context.Context, st RebuildStore, idx *ChainIndex, opts RebuildOptions) (*RebuildReport, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &rebuild{
		st: st, idx: idx, opts: opts, now: opts.Now().UTC(),
		rep: &RebuildReport{FromBlock: idx.FromBlock, Head: idx.Head, DirectWrites: len(idx.Direct), BatchWrites: len(idx.Batches), DryRun: opts.DryRun,
			Missing: []Discrepancy{}, Altered: []Discrepancy{}, Newer: []Discrepancy{}, Unrestorable: []Discrepancy{}},
		ids: map[common.Hash]string{}, anchors: map[recordID]*ledger.Anchor{}, loans: map[string]*ledger.Loan{},
		batches: map[common.Hash]*ledger.Batch{}, members: map[int64]int{},
	}
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	seen := map[recordID]bool{}
	for _, k := range idx.DirectOrder {
		if err := r.direct(ctx, idx.Direct[k], seen); err != nil {
			return nil, err
		}
		r.progress()
	}
	for _, root := range idx.BatchOrder {
		if err := r.batch(ctx, idx.Batches[root], seen); err != nil {
			return nil, err
		}
		r.progress()
	}
	r.claimsWithoutWrites(seen)
	for _, list := range [][]Discrepancy{r.rep.Missing, r.rep.Altered, r.rep.Newer, r.rep.Unrestorable} {
		sortDiscrepancies(list)
	}
	if opts.DryRun {
		return r.rep, nil
	}
	if err := r.apply(ctx); err != nil {
		return r.rep, err
	}
	return r.rep, nil
}

// sortDiscrepancies orders a list by block, then loan and kind, so that
// reports are stable.
func sortDiscrepancies(list []Discrepancy) {
	slices.SortStableFunc(list, func(a, b Discrepancy) int {
		if c := cmpUint(a.Block, b.Block); c != 0 {
			return c
		}
		if c := strings.Compare(a.LoanID, b.LoanID); c != 0 {
			return c
		}
		if c := cmpUint(uint64(a.Kind), uint64(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.LoanKey+a.Root, b.LoanKey+b.Root)
	})
}

func (r *rebuild) progress() {
	if r.opts.Progress != nil {
		_ = r.opts.Progress.Add(1)
	}
}

func (r *rebuild) load(ctx context.Context) error {
	r.checkpoints = map[common.Hash]bool{}
	var last int64
	if k, ok := r.st.(auditCheckpointKeyer); ok {
		keys, err := k.AuditCheckpointKeys(ctx)
		if err != nil {
			return err
		}
		for key, seq := range keys {
			r.checkpoints[key], last = true, max(last, seq)
		}
	}
	for n := last + 1; n <= last+checkpointLookahead; n++ {
		r.checkpoints[ledger.LoanKey(ledger.AuditCheckpointID(n))] = true
	}
	err := r.st.LoanIDs(ctx, func(id string) error {
		r.ids[ledger.LoanKey(id)] = id
		return nil
	})
	if err != nil {
		return err
	}
	err = r.st.ForEachAnchor(ctx, nil, func(a *ledger.Anchor, l *ledger.Loan) error {
		r.anchors[recordID{a.LoanID, a.Kind}] = a
		r.loans[l.ID] = l
		if a.BatchID != 0 {
			r.members[a.BatchID]++
		}
		return nil
	})
	if err != nil {
		return err
	}
	batches, err := r.st.AllBatches(ctx)
	if err != nil {
		return err
	}
	for _, b := range batches {
		r.batches[b.Root] = b
	}
	return nil
}

// loan returns the loan (from the anchor scan, or read now).
func (r *rebuild) loan(ctx context.Context, id string) (*ledger.Loan, error) {
	if l, ok := r.loans[id]; ok {
		return l, nil
	}
	l, err := r.st.Loan(ctx, id)
	if err != nil {
		return nil, err
	}
	r.loans[id] = l
	return l, nil
}

// status is what a write w deep is restored as.
func (r *rebuild) status(w Write) (ledger.AnchorStatus, *time.Time) {
	if r.idx.depth(w.BlockNumber) >= max(r.opts.Confirmations, 1) {
		now := r.now
		return ledger.AnchorFinal, &now
	}
	return ledger.AnchorIncluded, nil
}

// recordCheck says whether the loan has the record of kind (false: the
// chain is ahead of the database) and, if its salt is kept, whether it
// recomputes to commitment ("" if so, else what differs).
func recordCheck(l *ledger.Loan, kind ledger.Kind, commitment common.Hash) (has bool, altered string) {
	var (
		record ledger.Record
		salt   []byte
		err    error
	)
	if kind == ledger.KindRepaid {
		if l.RepaidAt == nil {
			return false, ""
		}
		record, err = l.RepaymentRecord()
		salt = l.RepaymentSalt
	} else {
		if l.ApprovedAt == nil {
			return false, ""
		}
		record, err = l.ApprovalRecord()
		salt = l.Salt
	}
	if len(salt) != ledger.SaltSize {
		return true, "" // erased: cannot be checked
	}
	if err != nil {
		return true, ledger.ErrorMessage(err)
	}
	if fp := ledger.NewFingerprint(record, salt); fp.Commitment != commitment {
		return true, fmt.Sprintf("the %s record in the database gives commitment %s; the chain holds %s", kind, fp.Commitment.Hex(), commitment.Hex())
	}
	return true, ""
}

// sameChainFields reports whether a already records write w as it is.
func sameChainFields(a *ledger.Anchor, w Write) bool {
	return (a.Status == ledger.AnchorIncluded || a.Status == ledger.AnchorFinal) &&
		a.TxHash == w.TxHash && a.BlockNumber == w.BlockNumber && a.BlockHash == w.BlockHash && a.LogIndex == w.LogIndex
}

func (r *rebuild) setChainFields(a *ledger.Anchor, w Write) {
	a.Status, a.FinalAt = r.status(w)
	a.TxHash, a.BlockNumber, a.BlockHash, a.LogIndex = w.TxHash, w.BlockNumber, w.BlockHash, w.LogIndex
	a.LastError, a.UpdatedAt = "", r.now
}

// record handles one record the chain says was anchored with commitment:
// directly (root zero) or under a batch root with a proof.
func (r *rebuild) record(ctx context.Context, loanID string, kind ledger.Kind, commitment common.Hash, w Write, root common.Hash, proof []common.Hash, batchSeq uint64) error {
	key := ledger.LoanKey(loanID)
	d := Discrepancy{LoanID: loanID, Kind: kind, LoanKey: key.Hex(), TxHash: w.TxHash.Hex(), Block: w.BlockNumber}
	if root != (common.Hash{}) {
		d.Root, d.Seq = root.Hex(), batchSeq
	}
	mode := ledger.ModeDirect
	if root != (common.Hash{}) {
		mode = ledger.ModeBatch
	}
	existing := r.anchors[recordID{loanID, kind}]
	if existing != nil {
		if existing.Commitment != commitment {
			d.Detail = fmt.Sprintf("the database's anchor has commitment %s; the chain holds %s", existing.Commitment.Hex(), commitment.Hex())
			r.rep.Altered = append(r.rep.Altered, d)
			return nil
		}
		l, err := r.loan(ctx, loanID)
		if err != nil {
			return err
		}
		if l.ErasedAt != nil {
			r.rep.Erased++
		}
		if _, altered := recordCheck(l, kind, commitment); altered != "" {
			d.Detail = altered
			r.rep.Altered = append(r.rep.Altered, d)
			return nil
		}
		inBatch := root == (common.Hash{}) || (r.batches[root] != nil && existing.BatchID == r.batches[root].ID)
		if sameChainFields(existing, w) && inBatch {
			r.rep.Unchanged++
			return nil
		}
		a := *existing
		r.setChainFields(&a, w)
		if root != (common.Hash{}) {
			a.Proof = proof
		}
		d.Restored, d.Detail = true, fmt.Sprintf("the database had the anchor as %s; the chain has it in block %d", existing.Status, w.BlockNumber)
		r.rep.Missing = append(r.rep.Missing, d)
		r.anchorSaves = append(r.anchorSaves, anchorSave{a: &a, root: root})
		return nil
	}
	l, err := r.loan(ctx, loanID)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		d.Detail = "the chain holds this record but the database has no such loan: newer than the backup"
		r.rep.Newer = append(r.rep.Newer, d)
		return nil
	}
	if err != nil {
		return err
	}
	has, altered := recordCheck(l, kind, commitment)
	if has && l.ErasedAt != nil {
		r.rep.Erased++
	}
	switch {
	case !has:
		d.Detail = fmt.Sprintf("the chain holds %s record but the database's loan is %s: newer than the backup", withArticle(kind.String()), l.Status)
		r.rep.Newer = append(r.rep.Newer, d)
		return nil
	case altered != "":
		d.Detail = altered
		r.rep.Altered = append(r.rep.Altered, d)
		return nil
	}
	a := &ledger.Anchor{LoanID: loanID, Kind: kind, Mode: mode, LoanKey: key, Commitment: commitment,
		Leaf: ledger.Leaf(key, kind, commitment), CreatedAt: r.now}
	if root != (common.Hash{}) {
		a.Proof = proof
		if a.Proof == nil {
			a.Proof = []common.Hash{}
		}
	}
	r.setChainFields(a, w)
	d.Restored, d.Detail = true, "the database had no anchor row; restored from the chain"
	r.rep.Missing = append(r.rep.Missing, d)
	r.anchorSaves = append(r.anchorSaves, anchorSave{a: a, insert: true, root: root})
	return nil
}

func (r *rebuild) direct(ctx context.Context, w DirectWrite, seen map[recordID]bool) error {
	if w.Key.Kind == ledger.KindApproved && r.checkpoints[w.Key.LoanKey] {
		r.rep.AuditCheckpoints++
		return nil
	}
	id, ok := r.ids[w.Key.LoanKey]
	if !ok {
		r.rep.Newer = append(r.rep.Newer, Discrepancy{Kind: w.Key.Kind, LoanKey: w.Key.LoanKey.Hex(), TxHash: w.TxHash.Hex(), Block: w.BlockNumber,
			Detail: "the chain holds this record but no loan in the database has this key: newer than the backup (or not ours)"})
		return nil
	}
	seen[recordID{id, w.Key.Kind}] = true
	return r.record(ctx, id, w.Key.Kind, w.Commitment, w.Write, common.Hash{}, nil, 0)
}

func (r *rebuild) batch(ctx context.Context, w BatchWrite, seen map[recordID]bool) error {
	d := Discrepancy{Root: w.Root.Hex(), Seq: w.Seq, TxHash: w.TxHash.Hex(), Block: w.BlockNumber}
	b := r.batches[w.Root]
	status, finalAt := r.status(w.Write)
	switch {
	case b == nil:
		b = &ledger.Batch{Root: w.Root, LeafCount: int(w.LeafCount), CreatedAt: r.now}
		r.setBatch(b, w, status, finalAt)
		r.newBatches = append(r.newBatches, b)
		r.batches[w.Root] = b
		d.Restored, d.Detail = true, fmt.Sprintf("the database had no row for batch #%d; restored from the chain", w.Seq)
		r.rep.Missing = append(r.rep.Missing, d)
	case b.Seq != w.Seq || b.TxHash != w.TxHash || b.BlockHash != w.BlockHash || b.LogIndex != w.LogIndex ||
		(b.Status != ledger.AnchorIncluded && b.Status != ledger.AnchorFinal):
		fixed := *b
		r.setBatch(&fixed, w, status, finalAt)
		r.batchFixes = append(r.batchFixes, &fixed)
		r.batches[w.Root] = &fixed
		d.Restored, d.Detail = true, fmt.Sprintf("the database had batch %d as %s; the chain has it as #%d in block %d", b.ID, b.Status, w.Seq, w.BlockNumber)
		r.rep.Missing = append(r.rep.Missing, d)
	default:
		r.rep.Unchanged++
	}

	leaves, ok := r.opts.Leaves[w.Root]
	if !ok {
		// Without a leaf list only the members the database already links
		// to this batch can be brought up to date.
		if b.ID == 0 || r.members[b.ID] == 0 {
			d.Restored, d.Detail = false, fmt.Sprintf("batch #%d holds %d records that the chain cannot name (it stores only the root): restore them with a leaf list (aartha rebuild --leaves EXPORT.jsonl)", w.Seq, w.LeafCount)
			r.rep.Unrestorable = append(r.rep.Unrestorable, d)
			return nil
		}
		for id, a := range r.anchors {
			if a.BatchID != b.ID {
				continue
			}
			seen[id] = true
			if err := r.record(ctx, a.LoanID, a.Kind, a.Commitment, w.Write, w.Root, a.Proof, w.Seq); err != nil {
				return err
			}
		}
		return nil
	}
	hashes := make([]common.Hash, len(leaves))
	for i, lf := range leaves {
		hashes[i] = ledger.Leaf(ledger.LoanKey(lf.LoanID), lf.Kind, lf.Commitment)
	}
	tree, err := ledger.NewMerkleTree(hashes)
	if err != nil || tree.Root() != w.Root {
		d.Restored, d.Detail = false, fmt.Sprintf("the leaf list given for batch #%d does not rebuild its root: not used", w.Seq)
		r.rep.Unrestorable = append(r.rep.Unrestorable, d)
		return nil
	}
	for i, lf := range leaves {
		proof, _ := tree.Proof(hashes[i])
		seen[recordID{lf.LoanID, lf.Kind}] = true
		if err := r.record(ctx, lf.LoanID, lf.Kind, lf.Commitment, w.Write, w.Root, proof, w.Seq); err != nil {
			return err
		}
	}
	return nil
}

func (r *rebuild) setBatch(b *ledger.Batch, w BatchWrite, status ledger.AnchorStatus, finalAt *time.Time) {
	b.Status, b.FinalAt, b.Seq = status, finalAt, w.Seq
	b.TxHash, b.BlockNumber, b.BlockHash, b.LogIndex = w.TxHash, w.BlockNumber, w.BlockHash, w.LogIndex
	b.LastError, b.UpdatedAt = "", r.now
}

// claimsWithoutWrites reports anchors the database has as on chain, in the
// scanned range, that the chain does not have.
func (r *rebuild) claimsWithoutWrites(seen map[recordID]bool) {
	for id, a := range r.anchors {
		if seen[id] || (a.Status != ledger.AnchorIncluded && a.Status != ledger.AnchorFinal) || a.BlockNumber < r.idx.FromBlock {
			continue
		}
		if a.Mode == ledger.ModeBatch {
			continue // covered by its batch, if the batch is on chain
		}
		r.rep.Altered = append(r.rep.Altered, Discrepancy{LoanID: a.LoanID, Kind: a.Kind, LoanKey: a.LoanKey.Hex(), TxHash: a.TxHash.Hex(), Block: a.BlockNumber,
			Detail: fmt.Sprintf("the database has the anchor as %s in block %d; the registry has no such write", a.Status, a.BlockNumber)})
	}
}

// applyChunk is how many records go into one transaction.
const applyChunk = 2000

func (r *rebuild) apply(ctx context.Context) error {
	if len(r.newBatches)+len(r.batchFixes) > 0 {
		err := r.st.InTx(ctx, func(tx ledger.Tx) error {
			for _, b := range r.newBatches {
				if err := tx.CreateBatch(ctx, b); err != nil {
					return err
				}
			}
			for _, b := range r.batchFixes {
				if err := tx.UpdateBatch(ctx, b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("restore batches: %w", err)
		}
	}
	for start := 0; start < len(r.anchorSaves); start += applyChunk {
		chunk := r.anchorSaves[start:min(start+applyChunk, len(r.anchorSaves))]
		err := r.st.InTx(ctx, func(tx ledger.Tx) error {
			for _, s := range chunk {
				if err := r.save(ctx, tx, s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("restore anchors: %w", err)
		}
	}
	return nil
}

func (r *rebuild) save(ctx context.Context, tx ledger.Tx, s anchorSave) error {
	a := s.a
	if s.root != (common.Hash{}) {
		a.BatchID = r.batches[s.root].ID
	}
	switch {
	case !s.insert:
		if err := tx.UpdateAnchor(ctx, a); err != nil {
			return err
		}
	default:
		if ra, ok := tx.(anchorRestorer); ok {
			if err := ra.RestoreAnchor(ctx, a); err != nil {
				return err
			}
		} else {
			want := *a
			a.Status, a.TxHash, a.BlockNumber, a.BlockHash, a.LogIndex, a.BatchID, a.Proof, a.FinalAt = ledger.AnchorQueued, common.Hash{}, 0, common.Hash{}, 0, 0, nil, nil
			if err := tx.QueueAnchor(ctx, a); err != nil {
				return err
			}
			want.ID = a.ID
			*a = want
			if err := tx.UpdateAnchor(ctx, a); err != nil {
				return err
			}
		}
	}
	return r.mirror(ctx, tx, a)
}

// mirror copies the restored anchor onto the loan's per-record chain fields
// when they differ, with an audit row.
func (r *rebuild) mirror(ctx context.Context, tx ledger.Tx, a *ledger.Anchor) error {
	l, err := tx.LoanForUpdate(ctx, a.LoanID)
	if err != nil {
		return err
	}
	status, txHash, storedAt := &l.BlockchainStatus, &l.BlockchainTxHash, &l.BlockchainStoredAt
	if a.Kind == ledger.KindRepaid {
		status, txHash, storedAt = &l.RepaymentBlockchainStatus, &l.RepaymentBlockchainTxHash, &l.RepaymentBlockchainStoredAt
	}
	if *status == a.Status.ChainStatus() && *txHash == a.TxHash.Hex() {
		return nil
	}
	*status, *txHash = a.Status.ChainStatus(), a.TxHash.Hex()
	if a.Status == ledger.AnchorFinal && *storedAt == nil {
		*storedAt = a.FinalAt
	}
	if err := tx.UpdateLoan(ctx, l); err != nil {
		return err
	}
	after, _ := json.Marshal(map[string]any{"record": a.Kind.String(), "anchor_status": a.Status, "tx_hash": a.TxHash.Hex(), "block_number": a.BlockNumber})
	return tx.AppendAudit(ctx, &ledger.AuditEntry{
		At: r.now, Actor: ledger.SystemActor(), Action: ledger.ActionAnchorRestored, Entity: "loan", EntityID: a.LoanID, After: after,
	})
}
