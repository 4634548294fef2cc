package ledger

import (
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Outcome is how one anchored record compares with the chain in a
// reconciliation run.
type Outcome string

// The reconciliation outcomes.
const (
	// OutcomeMatch: the record recomputes to the stored commitment, and the
	// chain holds that commitment (direct mode) or a root its proof leads to
	// (batch mode).
	OutcomeMatch Outcome = "match"
	// OutcomeMismatch: the chain and the database disagree, or the record no
	// longer recomputes to the commitment that was anchored (the database
	// was altered).
	OutcomeMismatch Outcome = "mismatch"
	// OutcomeMissing: the database says the record is (or should by now be)
	// on chain and the chain has nothing for it.
	OutcomeMissing Outcome = "missing_on_chain"
	// OutcomeUnknown: the chain has a write of our registry (a LoanStored or
	// LoanRepaid event, a batch root) that no anchor or batch row explains.
	OutcomeUnknown Outcome = "unknown_on_chain"
	// OutcomePending: the record is on its way (queued or submitted) and
	// not yet overdue.
	OutcomePending Outcome = "pending"
	// OutcomeForeign: a MultiChain stream item in our format published by
	// an address that is not ours (another deployment sharing the stream,
	// or anyone else with <stream>.write). It anchors nothing of ours: it
	// is listed, never counted as a problem.
	OutcomeForeign Outcome = "foreign"
)

// Reconciliation scopes.
const (
	ReconcileAll    = "all"    // every anchored record: the monthly full audit
	ReconcileSample = "sample" // a random sample of loans: the weekly check
)

// ReconcileCounts counts records by outcome.
type ReconcileCounts struct {
	Match    int `json:"match"`
	Mismatch int `json:"mismatch"`
	Missing  int `json:"missing_on_chain"`
	Unknown  int `json:"unknown_on_chain"`
	Pending  int `json:"pending"`
}

// Add counts one outcome.
func (c *ReconcileCounts) Add(o Outcome) {
	switch o {
	case OutcomeMatch:
		c.Match++
	case OutcomeMismatch:
		c.Mismatch++
	case OutcomeMissing:
		c.Missing++
	case OutcomeUnknown:
		c.Unknown++
	case OutcomePending:
		c.Pending++
	}
}

// Problems is the number of outcomes that call for an alert: mismatches,
// records missing on chain and unknown chain writes. Pending records are
// in flight and are not problems until they are overdue (then they count as
// missing).
func (c ReconcileCounts) Problems() int { return c.Mismatch + c.Missing + c.Unknown }

// ReconcileFinding is one record whose outcome is not a match, with what was
// expected and found.
type ReconcileFinding struct {
	Outcome     Outcome `json:"outcome"`
	LoanID      string  `json:"loan_id,omitempty"`
	Kind        Kind    `json:"kind,omitempty"`
	Mode        string  `json:"mode,omitempty"`
	LoanKey     string  `json:"loan_key,omitempty"`
	Root        string  `json:"root,omitempty"`
	TxHash      string  `json:"tx_hash,omitempty"`
	BlockNumber uint64  `json:"block_number,omitempty"`
	Detail      string  `json:"detail"`
}

// MaxStoredFindings bounds the findings a stored run keeps; the counts are
// always complete.
const MaxStoredFindings = 1000

// ReconcileRun is one run of `aartha reconcile`: what was checked and how it
// compared with the chain. Runs are stored so that the admin UI can list them.
type ReconcileRun struct {
	ID         int64           `json:"id"`
	Scope      string          `json:"scope"`            // ReconcileAll or ReconcileSample
	Sample     int             `json:"sample,omitempty"` // loans asked for in a sample run
	Loans      int             `json:"loans"`            // loans checked
	Records    int             `json:"records"`          // anchored records checked
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	Chain      string          `json:"chain"`    // CAIP-2
	Contract   string          `json:"contract"` // registry address
	FromBlock  uint64          `json:"from_block"`
	ChainHead  uint64          `json:"chain_head"`
	Counts     ReconcileCounts `json:"counts"`
	// Erased counts the records checked whose loan's personal data was
	// erased: compared with the chain only, since their record can no
	// longer be recomputed (docs/privacy.md). Not kept with a stored run.
	Erased int `json:"erased,omitempty"`
	// Findings are the non-matching records, at most MaxStoredFindings;
	// Truncated says some were left out.
	Findings  []ReconcileFinding `json:"findings"`
	Truncated bool               `json:"truncated,omitempty"`
}

// OK reports whether the run found nothing that calls for an alert.
func (r *ReconcileRun) OK() bool { return r.Counts.Problems() == 0 }

// AddFinding counts a non-match and keeps it, up to MaxStoredFindings.
func (r *ReconcileRun) AddFinding(f ReconcileFinding) {
	r.Counts.Add(f.Outcome)
	if len(r.Findings) >= MaxStoredFindings {
		r.Truncated = true
		return
	}
	r.Findings = append(r.Findings, f)
}

// RecordKey names one anchored record on chain: a loan key and a kind.
type RecordKey struct {
	LoanKey common.Hash
	Kind    Kind
}
