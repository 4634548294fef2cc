package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// Store is what a reconciliation reads from the database; *store.DB
// satisfies it.
type Store interface {
	// ForEachAnchor calls fn with every anchor (of the given loans, if any)
	// and its loan, oldest anchor first.
	ForEachAnchor(ctx context.Context, loanIDs []string, fn func(*ledger.Anchor, *ledger.Loan) error) error
	// UnanchoredRecords lists approvals and repayments with no anchor row.
	UnanchoredRecords(ctx context.Context, loanIDs []string) ([]ledger.ReconcileFinding, error)
	// SampleLoanIDs picks up to n approved loans at random.
	SampleLoanIDs(ctx context.Context, n int) ([]string, error)
	// AnchorKeys lists the loan key and kind of every direct-mode anchor.
	AnchorKeys(ctx context.Context) (map[ledger.RecordKey]bool, error)
	// AllBatches lists every batch.
	AllBatches(ctx context.Context) ([]*ledger.Batch, error)
}

// Progress is told about each record checked (a progress bar); nil is fine.
type Progress interface {
	Add(n int) error
}

// Options selects what a run checks.
type Options struct {
	// Sample, if positive, checks that many loans picked at random (the
	// weekly check); 0 checks every anchored record (the monthly audit).
	Sample int
	// PendingGrace is how long a record may stay queued or submitted before
	// it counts as missing on chain instead of pending. Default 1h.
	PendingGrace time.Duration
	// Chain and Contract name the chain (CAIP-2) and registry in the run.
	Chain    string
	Contract common.Address
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Progress, if set, is told about every record checked.
	Progress Progress
}

// Run checks the selected records against idx and returns the run (not yet
// stored). An error means the database could not be read; what the run
// found is in its counts and findings.
func Run(ctx context.Context, st Store, idx *ChainIndex, opts Options) (*ledger.ReconcileRun, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PendingGrace <= 0 {
		opts.PendingGrace = time.Hour
	}
	run := &ledger.ReconcileRun{
		Scope: ledger.ReconcileAll, StartedAt: opts.Now().UTC(), Chain: opts.Chain, Contract: opts.Contract.Hex(),
		FromBlock: idx.FromBlock, ChainHead: idx.Head, Findings: []ledger.ReconcileFinding{},
	}
	var loanIDs []string
	if opts.Sample > 0 {
		run.Scope, run.Sample = ledger.ReconcileSample, opts.Sample
		var err error
		if loanIDs, err = st.SampleLoanIDs(ctx, opts.Sample); err != nil {
			return nil, err
		}
		if len(loanIDs) == 0 {
			run.FinishedAt = opts.Now().UTC()
			return run, nil
		}
	}
	batches, err := st.AllBatches(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*ledger.Batch, len(batches))
	for _, b := range batches {
		byID[b.ID] = b
	}
	c := &checker{idx: idx, batches: byID, now: opts.Now(), grace: opts.PendingGrace}
	loans := map[string]bool{}
	err = st.ForEachAnchor(ctx, loanIDs, func(a *ledger.Anchor, l *ledger.Loan) error {
		loans[a.LoanID] = true
		run.Records++
		if l != nil && l.ErasedAt != nil {
			run.Erased++
		}
		if f, ok := c.check(a, l); ok {
			run.Counts.Add(ledger.OutcomeMatch)
		} else {
			run.AddFinding(f)
		}
		if opts.Progress != nil {
			_ = opts.Progress.Add(1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	unanchored, err := st.UnanchoredRecords(ctx, loanIDs)
	if err != nil {
		return nil, err
	}
	for _, f := range unanchored {
		loans[f.LoanID] = true
		run.Records++
		f.Outcome = ledger.OutcomeMissing
		f.LoanKey = ledger.LoanKey(f.LoanID).Hex()
		f.Detail = fmt.Sprintf("the loan has %s record but no anchor was ever queued for it", withArticle(f.Kind.String()))
		run.AddFinding(f)
	}
	run.Loans = len(loans)
	if err := unknownWrites(ctx, st, idx, batches, run); err != nil {
		return nil, err
	}
	sequenceFindings(idx, run)
	foreignFindings(idx, run) // multichain.go
	run.FinishedAt = opts.Now().UTC()
	return run, nil
}

// unknownWrites adds a finding for every registry write no anchor or batch
// row explains.
func unknownWrites(ctx context.Context, st Store, idx *ChainIndex, batches []*ledger.Batch, run *ledger.ReconcileRun) error {
	keys, err := st.AnchorKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range idx.DirectOrder {
		if keys[k] {
			continue
		}
		w := idx.Direct[k]
		run.AddFinding(ledger.ReconcileFinding{
			Outcome: ledger.OutcomeUnknown, Kind: k.Kind, Mode: ledger.ModeDirect, LoanKey: k.LoanKey.Hex(),
			TxHash: w.TxHash.Hex(), BlockNumber: w.BlockNumber,
			Detail: fmt.Sprintf("the registry holds %s record (commitment %s) that no anchor in the database explains", withArticle(k.Kind.String()), w.Commitment.Hex()),
		})
	}
	roots := make(map[common.Hash]bool, len(batches))
	for _, b := range batches {
		roots[b.Root] = true
	}
	for _, r := range idx.BatchOrder {
		if roots[r] {
			continue
		}
		w := idx.Batches[r]
		run.AddFinding(ledger.ReconcileFinding{
			Outcome: ledger.OutcomeUnknown, Mode: ledger.ModeBatch, Root: r.Hex(), TxHash: w.TxHash.Hex(), BlockNumber: w.BlockNumber,
			Detail: fmt.Sprintf("the registry holds batch #%d (%d leaves) that no batch in the database explains", w.Seq, w.LeafCount),
		})
	}
	return nil
}

// sequenceFindings reports batch sequence numbers on chain that are not
// gap-free: a number written twice (a mismatch) and numbers skipped between
// two that are there (missing), unless a pending write fills them. The
// LoanRegistry assigns the numbers itself, so on an EVM chain this finds
// nothing; on a MultiChain stream the publisher assigns them, and a second
// publisher or an item lost to a reorg shows here.
func sequenceFindings(idx *ChainIndex, run *ledger.ReconcileRun) {
	bySeq := map[uint64][]BatchWrite{}
	seqs := make([]uint64, 0, len(idx.BatchOrder))
	for _, root := range idx.BatchOrder {
		w := idx.Batches[root]
		if len(bySeq[w.Seq]) == 0 {
			seqs = append(seqs, w.Seq)
		}
		bySeq[w.Seq] = append(bySeq[w.Seq], w)
	}
	slices.Sort(seqs)
	for i, seq := range seqs {
		if ws := bySeq[seq]; len(ws) > 1 {
			roots := make([]string, len(ws))
			for j, w := range ws {
				roots[j] = w.Root.Hex()
			}
			run.AddFinding(ledger.ReconcileFinding{
				Outcome: ledger.OutcomeMismatch, Mode: ledger.ModeBatch, Root: ws[1].Root.Hex(), TxHash: ws[1].TxHash.Hex(), BlockNumber: ws[1].BlockNumber,
				Detail: fmt.Sprintf("batch #%d is on chain %d times (roots %s): two publishers, or one publishing concurrently", seq, len(ws), strings.Join(roots, ", ")),
			})
		}
		if i == 0 {
			continue
		}
		var absent []string
		for s := seqs[i-1] + 1; s < seq; s++ {
			if !idx.PendingBatchSeqs[s] {
				absent = append(absent, "#"+strconv.FormatUint(s, 10))
			}
		}
		if len(absent) > 0 {
			w := bySeq[seq][0]
			run.AddFinding(ledger.ReconcileFinding{
				Outcome: ledger.OutcomeMissing, Mode: ledger.ModeBatch, Root: w.Root.Hex(), TxHash: w.TxHash.Hex(), BlockNumber: w.BlockNumber,
				Detail: fmt.Sprintf("batch sequence numbers on chain jump from #%d to #%d: %s not on chain", seqs[i-1], seq, strings.Join(absent, ", ")),
			})
		}
	}
}

// checker classifies one anchor.
type checker struct {
	idx     *ChainIndex
	batches map[int64]*ledger.Batch
	now     time.Time
	grace   time.Duration
}

// check returns ok for a match, and otherwise the finding.
func (c *checker) check(a *ledger.Anchor, l *ledger.Loan) (ledger.ReconcileFinding, bool) {
	f := ledger.ReconcileFinding{LoanID: a.LoanID, Kind: a.Kind, Mode: a.Mode, LoanKey: a.LoanKey.Hex()}
	if a.TxHash != (common.Hash{}) {
		f.TxHash, f.BlockNumber = a.TxHash.Hex(), a.BlockNumber
	}
	fail := func(o ledger.Outcome, format string, args ...any) (ledger.ReconcileFinding, bool) {
		f.Outcome, f.Detail = o, fmt.Sprintf(format, args...)
		if l != nil && l.ErasedAt != nil {
			f.Detail = ledger.ErasedLabel(l) + " (record not recomputed): " + f.Detail
		}
		return f, false
	}
	// The database against itself: the record as stored today must still
	// give the commitment that was anchored.
	if detail := recompute(a, l); detail != "" {
		return fail(ledger.OutcomeMismatch, "%s", detail)
	}
	switch a.Status {
	case ledger.AnchorQueued, ledger.AnchorSubmitted:
		if age := c.now.Sub(a.CreatedAt); age > c.grace {
			return fail(ledger.OutcomeMissing, "still %s %s after it was queued (more than %s)", a.Status, age.Round(time.Second), c.grace)
		}
		return fail(ledger.OutcomePending, "%s since %s", a.Status, a.CreatedAt.Format(time.RFC3339))
	case ledger.AnchorFailed:
		return fail(ledger.OutcomeMissing, "anchoring failed: %s", a.LastError)
	}
	// Included or final: the chain must hold it.
	if a.Mode == ledger.ModeBatch {
		return c.checkBatch(a, f)
	}
	w, ok := c.idx.Direct[ledger.RecordKey{LoanKey: a.LoanKey, Kind: a.Kind}]
	switch {
	case !ok:
		return fail(ledger.OutcomeMissing, "the database says %s in tx %s, block %d; the registry has no %s event for loan key %s",
			a.Status, a.TxHash.Hex(), a.BlockNumber, eventName(a.Kind), a.LoanKey.Hex())
	case w.Commitment != a.Commitment:
		return fail(ledger.OutcomeMismatch, "the registry holds commitment %s, the database %s", w.Commitment.Hex(), a.Commitment.Hex())
	case w.TxHash != a.TxHash:
		return fail(ledger.OutcomeMismatch, "the registry's event is in tx %s, the database says tx %s", w.TxHash.Hex(), a.TxHash.Hex())
	case a.Status == ledger.AnchorFinal && (w.BlockHash != a.BlockHash || w.LogIndex != a.LogIndex):
		return fail(ledger.OutcomeMismatch, "the registry's event is in block %s log %d, the database says block %s log %d",
			w.BlockHash.Hex(), w.LogIndex, a.BlockHash.Hex(), a.LogIndex)
	}
	return f, true
}

func (c *checker) checkBatch(a *ledger.Anchor, f ledger.ReconcileFinding) (ledger.ReconcileFinding, bool) {
	fail := func(o ledger.Outcome, format string, args ...any) (ledger.ReconcileFinding, bool) {
		f.Outcome, f.Detail = o, fmt.Sprintf(format, args...)
		return f, false
	}
	b, ok := c.batches[a.BatchID]
	if !ok {
		return fail(ledger.OutcomeMismatch, "the anchor is %s but names batch %d, which the database does not have", a.Status, a.BatchID)
	}
	f.Root = b.Root.Hex()
	if got := ledger.ProcessProof(a.Leaf, a.Proof); got != b.Root {
		return fail(ledger.OutcomeMismatch, "the stored proof leads from the leaf to %s, not to its batch's root %s", got.Hex(), b.Root.Hex())
	}
	w, ok := c.idx.Batches[b.Root]
	switch {
	case !ok:
		return fail(ledger.OutcomeMissing, "the database says batch %d (root %s) is %s in tx %s; the registry never anchored that root",
			b.ID, b.Root.Hex(), b.Status, b.TxHash.Hex())
	case w.Seq != b.Seq:
		return fail(ledger.OutcomeMismatch, "the registry anchored the root as batch #%d, the database says #%d", w.Seq, b.Seq)
	case w.TxHash != a.TxHash || w.TxHash != b.TxHash:
		return fail(ledger.OutcomeMismatch, "the registry anchored the root in tx %s, the database says tx %s", w.TxHash.Hex(), a.TxHash.Hex())
	case a.Status == ledger.AnchorFinal && (w.BlockHash != a.BlockHash || w.LogIndex != a.LogIndex):
		return fail(ledger.OutcomeMismatch, "the registry's event is in block %s log %d, the database says block %s log %d",
			w.BlockHash.Hex(), w.LogIndex, a.BlockHash.Hex(), a.LogIndex)
	}
	return f, true
}

// recompute checks the anchor's hashes against the loan's record and salt as
// the database holds them now, and returns what disagrees ("" if nothing).
// With the salt erased the record cannot be checked; the anchor's own leaf
// must still follow from its key, kind and commitment.
func recompute(a *ledger.Anchor, l *ledger.Loan) string {
	if ledger.LoanKey(a.LoanID) != a.LoanKey {
		return fmt.Sprintf("the anchor's loan key %s is not the hash of its loan id", a.LoanKey.Hex())
	}
	if ledger.Leaf(a.LoanKey, a.Kind, a.Commitment) != a.Leaf {
		return "the anchor's leaf does not follow from its loan key, kind and commitment"
	}
	var (
		record ledger.Record
		salt   []byte
		err    error
	)
	switch a.Kind {
	case ledger.KindApproved:
		record, err = l.ApprovalRecord()
		salt = l.Salt
	case ledger.KindRepaid:
		record, err = l.RepaymentRecord()
		salt = l.RepaymentSalt
	default:
		return fmt.Sprintf("the anchor has unknown kind %d", a.Kind)
	}
	if len(salt) == 0 {
		return "" // erased: nothing to recompute
	}
	if err != nil {
		return fmt.Sprintf("the loan no longer has the %s record that was anchored: %s", a.Kind, ledger.ErrorMessage(err))
	}
	if len(salt) != ledger.SaltSize {
		return fmt.Sprintf("the %s record's salt has %d bytes, not %d", a.Kind, len(salt), ledger.SaltSize)
	}
	if fp := ledger.NewFingerprint(record, salt); fp.Commitment != a.Commitment {
		return fmt.Sprintf("the loan's %s record as stored today gives commitment %s, but %s was anchored: the record was changed after anchoring",
			a.Kind, fp.Commitment.Hex(), a.Commitment.Hex())
	}
	return ""
}

func eventName(k ledger.Kind) string {
	if k == ledger.KindRepaid {
		return "LoanRepaid"
	}
	return "LoanStored"
}
