package report

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"time"

	ledger "github.com/aartha/ledger"
)

// Schema names the JSON form of a Report; it changes only with a
// breaking change to the field names.
const Schema = "aartha.report/v1"

// Source is what a report reads; *store.DB implements it on SQLite and
// PostgreSQL. Ranges are [since, until).
type Source interface {
	LoanActivity(ctx context.Context, since, until time.Time) ([]ledger.LoanActivity, error)
	AnchorActivity(ctx context.Context, since, until time.Time) ([]ledger.AnchorActivity, error)
	WriteActivity(ctx context.Context, since, until time.Time) ([]ledger.WriteActivity, error)
	AuditActionCounts(ctx context.Context, since, until time.Time) ([]ledger.ActionCount, error)
	AuditEntries(ctx context.Context, f ledger.AuditFilter) ([]ledger.AuditEntry, error)
	// ReconcileRunsStarted lists runs started in the range (until zero: no
	// end), oldest first, without findings.
	ReconcileRunsStarted(ctx context.Context, since, until time.Time, limit int) ([]*ledger.ReconcileRun, error)
	VerifyAuditChain(ctx context.Context) (ledger.AuditChainReport, error)
	// ErasuresBetween lists the erasures made in the range, oldest first.
	ErasuresBetween(ctx context.Context, since, until time.Time, limit int) ([]ledger.Erasure, error)
	ErasureCounts(ctx context.Context, since, until time.Time) ([]ledger.ErasureCount, error)
	// LegalHoldCount is how many loans are under legal hold now.
	LegalHoldCount(ctx context.Context) (int, error)
}

// SecurityActions are the audit actions the report lists as security
// relevant: sign-ins and user administration (if recorded), chain writes
// asked for by a person, anchoring failures, final writes the chain lost,
// records restored from the chain, key rotations, erasures and legal holds.
// Actions never written by this version (auth.login, auth.login_failed) are
// listed so that they are reported as soon as they are.
var SecurityActions = []string{
	"auth.login", "auth.login_failed", ledger.ActionSessionsRevoke,
	ledger.ActionUserCreate, ledger.ActionUserRole, ledger.ActionUserDelete, ledger.ActionUserRevoke,
	ledger.ActionLoanAnchor, ledger.ActionAnchorFailed, ledger.ActionBatchFailed,
	ledger.ActionAnchorLost, ledger.ActionBatchLost, ledger.ActionAnchorRestored,
	ledger.ActionKeysRotateGrant, ledger.ActionKeysRotateDrain, ledger.ActionKeysRotateRevoke, ledger.ActionKeysRotatePII,
	ledger.ActionLoanErase, ledger.ActionLoanHoldSet, ledger.ActionLoanHoldLift,
}

// MaxEvents bounds the security events a report lists; the counts are
// always complete.
const MaxEvents = 500

// Options configure a report.
type Options struct {
	// Month is the calendar month, UTC: its first instant.
	Month time.Time
	// FiatRate is fiat units per native unit (nil: no fiat amounts), and
	// FiatCurrency its ISO 4217 code.
	FiatRate     *big.Rat
	FiatCurrency string
	// NativeSymbol names the chain's native unit (default ETH).
	NativeSymbol string
	// SkipAuditChain leaves out the audit chain check, which reads the whole
	// trail.
	SkipAuditChain bool
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// ParseMonth parses YYYY-MM as the first instant of that month, UTC.
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		return time.Time{}, ledger.Errorf(ledger.EINVALID, "month %q is not a month: write YYYY-MM, e.g. 2026-03", s)
	}
	return t.UTC(), nil
}

// Report is the monthly compliance report. Field names of its JSON form
// are stable (Schema). Amounts are decimal strings.
type Report struct {
	Schema       string       `json:"schema"`
	Month        string       `json:"month"`
	From         time.Time    `json:"from"`
	Until        time.Time    `json:"until"`
	GeneratedAt  time.Time    `json:"generated_at"`
	Loans        Loans        `json:"loans"`
	Anchors      Anchors      `json:"anchors"`
	Transactions Transactions `json:"transactions"`
	Batches      Batches      `json:"batches"`
	Fees         Fees         `json:"fees"`
	Days         []Day        `json:"days"`
	Integrity    Integrity    `json:"integrity"`
	Security     Security     `json:"security"`
	Privacy      Privacy      `json:"privacy"`
}

// Loans counts the loans that took each step in the month.
type Loans struct {
	Created   int      `json:"created"`
	Approved  int      `json:"approved"`
	Repaid    int      `json:"repaid"`
	Rejected  int      `json:"rejected"`
	Defaulted int      `json:"defaulted"`
	Volumes   []Volume `json:"volumes"`
}

// Volume is the month's money in one currency: major units and the exact
// minor units.
type Volume struct {
	Currency               string `json:"currency"`
	ApprovedPrincipal      string `json:"approved_principal"`
	ApprovedPrincipalMinor string `json:"approved_principal_minor"`
	RepaidAmount           string `json:"repaid_amount"`
	RepaidAmountMinor      string `json:"repaid_amount_minor"`
}

// Anchors counts the records that became final, or failed, in the month.
type Anchors struct {
	Final  int          `json:"final"`
	Failed int          `json:"failed"`
	ByMode []AnchorMode `json:"by_mode"`
}

// AnchorMode is Anchors for one mode (direct, batch).
type AnchorMode struct {
	Mode            string `json:"mode"`
	Final           int    `json:"final"`
	FinalApprovals  int    `json:"final_approvals"`
	FinalRepayments int    `json:"final_repayments"`
	Failed          int    `json:"failed"`
}

// Transactions counts chain writes (direct-mode transactions and batches)
// that became final (succeeded) or failed in the month. Rates are percent
// with two decimals, null when nothing was processed.
type Transactions struct {
	Processed   int        `json:"processed"`
	Succeeded   int        `json:"succeeded"`
	Failed      int        `json:"failed"`
	SuccessRate *string    `json:"success_rate"`
	FailureRate *string    `json:"failure_rate"`
	Direct      WriteCount `json:"direct"`
	Batch       WriteCount `json:"batch"`
}

// WriteCount is the writes of one mode.
type WriteCount struct {
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// Batches summarises the month's batches.
type Batches struct {
	Final  int `json:"final"`
	Failed int `json:"failed"`
	// Leaves are the records in final batches; AverageLeaves per final
	// batch, two decimals.
	Leaves        int    `json:"leaves"`
	AverageLeaves string `json:"average_leaves"`
	GasUsed       uint64 `json:"gas_used"`
	FeesWei       string `json:"fees_wei"`
	FeesNative    string `json:"fees_native"`
}

// Fees is the gas and fees of the month's chain writes (succeeded and
// failed ones whose gas is known).
type Fees struct {
	NativeSymbol string `json:"native_symbol"`
	GasUsed      uint64 `json:"gas_used"`
	FeesWei      string `json:"fees_wei"`
	FeesNative   string `json:"fees_native"`
	// FeePerRecord is the fees divided by the records that became final.
	FeePerRecordWei    string `json:"fee_per_record_wei"`
	FeePerRecordNative string `json:"fee_per_record_native"`
	Direct             Fee    `json:"direct"`
	Batch              Fee    `json:"batch"`
	// WritesWithoutGas are writes whose gas used is unknown (restored from
	// the chain, or failed before inclusion); UnpricedGas is gas whose price
	// is unknown, left out of the fees.
	WritesWithoutGas int    `json:"writes_without_gas"`
	UnpricedGas      uint64 `json:"unpriced_gas"`
	Fiat             *Fiat  `json:"fiat"`
}

// Fee is the gas and fees of one mode.
type Fee struct {
	GasUsed    uint64 `json:"gas_used"`
	FeesWei    string `json:"fees_wei"`
	FeesNative string `json:"fees_native"`
}

// Fiat is the fees at the configured rate, rounded to minor units.
type Fiat struct {
	Currency     string `json:"currency"`
	Rate         string `json:"rate"` // fiat units per native unit, as given
	Fees         string `json:"fees"`
	FeePerRecord string `json:"fee_per_record"`
	Direct       string `json:"direct"`
	Batch        string `json:"batch"`
}

// Day is one UTC day of the month.
type Day struct {
	Date            string `json:"date"`
	RecordsFinal    int    `json:"records_final"`
	RecordsFailed   int    `json:"records_failed"`
	WritesSucceeded int    `json:"writes_succeeded"`
	WritesFailed    int    `json:"writes_failed"`
	GasUsed         uint64 `json:"gas_used"`
	FeesWei         string `json:"fees_wei"`
	feesWei         *big.Int
}

// Integrity is the audit chain check and the reconciliation runs.
type Integrity struct {
	AuditChain *AuditChain `json:"audit_chain"` // null when skipped
	Reconcile  Reconcile   `json:"reconcile"`
}

// AuditChain is the audit trail's hash chain as checked when the report was
// made (the whole trail, not only the month).
type AuditChain struct {
	Holds       bool   `json:"holds"`
	Rows        int64  `json:"rows"`
	Legacy      int64  `json:"legacy"`
	Unsealed    int64  `json:"unsealed"`
	Skipped     int64  `json:"skipped"`
	Late        int64  `json:"late"`
	Head        string `json:"head"`
	BreakID     int64  `json:"break_id,omitempty"`
	BreakReason string `json:"break_reason,omitempty"`
}

// Reconcile summarises the reconciliation runs started in the month, and
// names the latest of them — or, if none ran in the month, the first run
// after it (LatestInMonth false), which is the one that checked the month's
// records.
type Reconcile struct {
	Runs             int   `json:"runs"`
	RunsWithProblems int   `json:"runs_with_problems"`
	Latest           *Run  `json:"latest"`
	LatestInMonth    bool  `json:"latest_in_month"`
	ProblemRuns      []Run `json:"problem_runs"`
}

// Run is one reconciliation run.
type Run struct {
	ID        int64                  `json:"id"`
	Scope     string                 `json:"scope"`
	StartedAt time.Time              `json:"started_at"`
	Loans     int                    `json:"loans"`
	Records   int                    `json:"records"`
	Counts    ledger.ReconcileCounts `json:"counts"`
	Problems  int                    `json:"problems"`
}

// Security is the month's security-relevant audit events, and the count of
// every audit action.
type Security struct {
	Counts          []ActionCount `json:"counts"`
	Events          []Event       `json:"events"`
	EventsTruncated bool          `json:"events_truncated"`
	AuditActions    []ActionCount `json:"audit_actions"`
}

// Privacy is the month's erasures of personal data (docs/privacy.md) and
// legal holds.
type Privacy struct {
	Erasures int `json:"erasures"`
	// ByActor counts the erasures by who made them; "system" is the
	// retention job.
	ByActor     []ActorCount `json:"by_actor"`
	HoldsSet    int          `json:"legal_holds_set"`
	HoldsLifted int          `json:"legal_holds_lifted"`
	// HeldNow is the loans under legal hold when the report was made.
	HeldNow int `json:"loans_held_now"`
	// Erased lists the month's erasures, oldest first, at most MaxEvents.
	Erased          []Erased `json:"erased"`
	ErasedTruncated bool     `json:"erased_truncated"`
}

// ActorCount is how many erasures one actor made.
type ActorCount struct {
	Actor string `json:"actor"`
	Count int    `json:"count"`
}

// Erased is one erasure: the loan, when, by whom and why.
type Erased struct {
	LoanID   string    `json:"loan_id"`
	ErasedAt time.Time `json:"erased_at"`
	ErasedBy string    `json:"erased_by"`
	Reason   string    `json:"reason"`
}

// ActionCount is how many audit rows of an action the month has.
type ActionCount struct {
	Action string `json:"action"`
	Count  int    `json:"count"`
}

// Event is one security-relevant audit row.
type Event struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Action   string    `json:"action"`
	Actor    string    `json:"actor"`
	Role     string    `json:"role"`
	Addr     string    `json:"addr"`
	Entity   string    `json:"entity"`
	EntityID string    `json:"entity_id"`
	Detail   string    `json:"detail"`
}

// Build reads the month from src and returns its report. Errors come from
// the store unchanged.
func Build(ctx context.Context, src Source, opts Options) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NativeSymbol == "" {
		opts.NativeSymbol = "ETH"
	}
	from := time.Date(opts.Month.Year(), opts.Month.Month(), 1, 0, 0, 0, 0, time.UTC)
	until := from.AddDate(0, 1, 0)
	r := &Report{
		Schema: Schema, Month: from.Format("2006-01"), From: from, Until: until,
		GeneratedAt: opts.Now().UTC().Truncate(time.Second),
	}
	for d := from; d.Before(until); d = d.AddDate(0, 0, 1) {
		r.Days = append(r.Days, Day{Date: d.Format(time.DateOnly), feesWei: new(big.Int)})
	}
	day := func(s string) *Day {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			if i := int(t.Sub(from) / (24 * time.Hour)); i >= 0 && i < len(r.Days) {
				return &r.Days[i]
			}
		}
		return &Day{feesWei: new(big.Int)} // outside the month: not kept
	}

	loans, err := src.LoanActivity(ctx, from, until)
	if err != nil {
		return nil, err
	}
	r.buildLoans(loans)

	anchors, err := src.AnchorActivity(ctx, from, until)
	if err != nil {
		return nil, err
	}
	r.buildAnchors(anchors, day)

	writes, err := src.WriteActivity(ctx, from, until)
	if err != nil {
		return nil, err
	}
	r.buildWrites(writes, day, opts)

	if err := r.buildIntegrity(ctx, src, opts); err != nil {
		return nil, err
	}
	if err := r.buildSecurity(ctx, src); err != nil {
		return nil, err
	}
	if err := r.buildPrivacy(ctx, src); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Report) buildLoans(rows []ledger.LoanActivity) {
	vols := map[string]*Volume{}
	approved, repaid := map[string]*big.Int{}, map[string]*big.Int{}
	add := func(m map[string]*big.Int, cur, minor string) {
		if m[cur] == nil {
			m[cur] = new(big.Int)
		}
		if n, ok := new(big.Int).SetString(minor, 10); ok {
			m[cur].Add(m[cur], n)
		}
	}
	for _, a := range rows {
		if vols[a.Currency] == nil && (a.Event == ledger.LoanEventApproved || a.Event == ledger.LoanEventRepaid) {
			vols[a.Currency] = &Volume{Currency: a.Currency}
		}
		switch a.Event {
		case ledger.LoanEventCreated:
			r.Loans.Created += a.Count
		case ledger.LoanEventApproved:
			r.Loans.Approved += a.Count
			add(approved, a.Currency, a.AmountMinor)
		case ledger.LoanEventRepaid:
			r.Loans.Repaid += a.Count
			add(repaid, a.Currency, a.AmountMinor)
		case ledger.LoanEventRejected:
			r.Loans.Rejected += a.Count
		case ledger.LoanEventDefaulted:
			r.Loans.Defaulted += a.Count
		}
	}
	r.Loans.Volumes = []Volume{}
	for cur, v := range vols {
		a, p := cmp.Or(approved[cur], new(big.Int)), cmp.Or(repaid[cur], new(big.Int))
		v.ApprovedPrincipalMinor, v.RepaidAmountMinor = a.String(), p.String()
		v.ApprovedPrincipal, v.RepaidAmount = minorToMajor(a.String(), cur), minorToMajor(p.String(), cur)
		r.Loans.Volumes = append(r.Loans.Volumes, *v)
	}
	slices.SortFunc(r.Loans.Volumes, func(a, b Volume) int { return cmp.Compare(a.Currency, b.Currency) })
}

func (r *Report) buildAnchors(rows []ledger.AnchorActivity, day func(string) *Day) {
	modes := map[string]*AnchorMode{}
	for _, m := range []string{ledger.ModeDirect, ledger.ModeBatch} {
		modes[m] = &AnchorMode{Mode: m}
	}
	for _, a := range rows {
		m := modes[a.Mode]
		if m == nil {
			m = &AnchorMode{Mode: a.Mode}
			modes[a.Mode] = m
		}
		d := day(a.Day)
		switch a.Status {
		case ledger.AnchorFinal:
			r.Anchors.Final += a.Count
			m.Final += a.Count
			d.RecordsFinal += a.Count
			if a.Kind == ledger.KindRepaid {
				m.FinalRepayments += a.Count
			} else {
				m.FinalApprovals += a.Count
			}
		case ledger.AnchorFailed:
			r.Anchors.Failed += a.Count
			m.Failed += a.Count
			d.RecordsFailed += a.Count
		}
	}
	for _, m := range modes {
		r.Anchors.ByMode = append(r.Anchors.ByMode, *m)
	}
	slices.SortFunc(r.Anchors.ByMode, func(a, b AnchorMode) int { return cmp.Compare(a.Mode, b.Mode) })
}

func (r *Report) buildWrites(rows []ledger.WriteActivity, day func(string) *Day, opts Options) {
	total, direct, batch := new(big.Int), new(big.Int), new(big.Int)
	var directGas, batchGas uint64
	for _, w := range rows {
		d := day(w.Day)
		succeeded := w.Status == ledger.AnchorFinal
		count := &r.Transactions.Direct
		if w.Mode == ledger.ModeBatch {
			count = &r.Transactions.Batch
			if succeeded {
				r.Batches.Final += w.Writes
				r.Batches.Leaves += w.Records
			} else {
				r.Batches.Failed += w.Writes
			}
		}
		if succeeded {
			count.Succeeded += w.Writes
			d.WritesSucceeded += w.Writes
		} else {
			count.Failed += w.Writes
			d.WritesFailed += w.Writes
		}
		r.Fees.WritesWithoutGas += w.Writes - w.WithGas
		price, ok := new(big.Int).SetString(w.GasPriceWei, 10)
		if !ok {
			r.Fees.UnpricedGas += w.GasUsed
			price = nil
		}
		r.Fees.GasUsed += w.GasUsed
		d.GasUsed += w.GasUsed
		if w.Mode == ledger.ModeBatch {
			batchGas += w.GasUsed
		} else {
			directGas += w.GasUsed
		}
		if price == nil {
			continue
		}
		cost := new(big.Int).Mul(price, new(big.Int).SetUint64(w.GasUsed))
		total.Add(total, cost)
		d.feesWei.Add(d.feesWei, cost)
		if w.Mode == ledger.ModeBatch {
			batch.Add(batch, cost)
		} else {
			direct.Add(direct, cost)
		}
	}
	t := &r.Transactions
	t.Succeeded = t.Direct.Succeeded + t.Batch.Succeeded
	t.Failed = t.Direct.Failed + t.Batch.Failed
	t.Processed = t.Succeeded + t.Failed
	t.SuccessRate, t.FailureRate = percent(t.Succeeded, t.Processed), percent(t.Failed, t.Processed)

	r.Batches.AverageLeaves = ratio(big.NewInt(int64(r.Batches.Leaves)), big.NewInt(int64(r.Batches.Final)), 2)
	r.Batches.GasUsed, r.Batches.FeesWei, r.Batches.FeesNative = batchGas, batch.String(), nativeDecimal(batch)

	f := &r.Fees
	f.NativeSymbol = opts.NativeSymbol
	f.FeesWei, f.FeesNative = total.String(), nativeDecimal(total)
	f.Direct = Fee{GasUsed: directGas, FeesWei: direct.String(), FeesNative: nativeDecimal(direct)}
	f.Batch = Fee{GasUsed: batchGas, FeesWei: batch.String(), FeesNative: nativeDecimal(batch)}
	perRecord := new(big.Int)
	if r.Anchors.Final > 0 {
		perRecord.Quo(total, big.NewInt(int64(r.Anchors.Final)))
	}
	f.FeePerRecordWei, f.FeePerRecordNative = perRecord.String(), nativeDecimal(perRecord)
	if opts.FiatRate != nil {
		cur := opts.FiatCurrency
		perRecordFiat := "0"
		if r.Anchors.Final > 0 {
			v := new(big.Rat).SetFrac(total, new(big.Int).Mul(weiPerNative, big.NewInt(int64(r.Anchors.Final))))
			exp, ok := ledger.CurrencyExponent(cur)
			if !ok {
				exp = 2
			}
			// Per record keeps two more decimals than the currency: it is
			// usually a fraction of a cent.
			perRecordFiat = decimalRat(v.Mul(v, opts.FiatRate), exp+2)
		}
		f.Fiat = &Fiat{
			Currency: cur, Rate: opts.FiatRate.FloatString(rateDecimals(opts.FiatRate)),
			Fees:         fiatAmount(total, opts.FiatRate, cur),
			FeePerRecord: perRecordFiat,
			Direct:       fiatAmount(direct, opts.FiatRate, cur),
			Batch:        fiatAmount(batch, opts.FiatRate, cur),
		}
	}
	for i := range r.Days {
		r.Days[i].FeesWei, r.Days[i].feesWei = r.Days[i].feesWei.String(), nil
	}
}

// rateDecimals is how many decimals a parsed decimal rate needs to be
// written back exactly: the least n with 10^n a multiple of its denominator.
func rateDecimals(r *big.Rat) int {
	p := big.NewInt(1)
	for n := 0; n < 40; n++ {
		if new(big.Int).Rem(p, r.Denom()).Sign() == 0 {
			return n
		}
		p.Mul(p, big.NewInt(10))
	}
	return 40
}

func (r *Report) buildIntegrity(ctx context.Context, src Source, opts Options) error {
	if !opts.SkipAuditChain {
		c, err := src.VerifyAuditChain(ctx)
		if err != nil {
			return err
		}
		r.Integrity.AuditChain = &AuditChain{
			Holds: c.Break == nil && c.Late == 0, Rows: c.Rows, Legacy: c.Legacy, Unsealed: c.Unsealed,
			Skipped: c.Skipped, Late: c.Late, Head: c.Head,
		}
		if c.Break != nil {
			r.Integrity.AuditChain.BreakID, r.Integrity.AuditChain.BreakReason = c.Break.ID, c.Break.Reason
		}
	}
	rc := &r.Integrity.Reconcile
	rc.ProblemRuns = []Run{}
	runs, err := src.ReconcileRunsStarted(ctx, r.From, r.Until, 1000)
	if err != nil {
		return err
	}
	rc.Runs = len(runs)
	for _, run := range runs {
		if !run.OK() {
			rc.RunsWithProblems++
			rc.ProblemRuns = append(rc.ProblemRuns, runOf(run))
		}
	}
	if len(runs) > 0 {
		latest := runOf(runs[len(runs)-1])
		rc.Latest, rc.LatestInMonth = &latest, true
		return nil
	}
	after, err := src.ReconcileRunsStarted(ctx, r.Until, time.Time{}, 1)
	if err != nil {
		return err
	}
	if len(after) > 0 {
		first := runOf(after[0])
		rc.Latest = &first
	}
	return nil
}

func runOf(r *ledger.ReconcileRun) Run {
	return Run{ID: r.ID, Scope: r.Scope, StartedAt: r.StartedAt.UTC(), Loans: r.Loans, Records: r.Records,
		Counts: r.Counts, Problems: r.Counts.Problems()}
}

func (r *Report) buildSecurity(ctx context.Context, src Source) error {
	s := &r.Security
	s.Counts, s.Events, s.AuditActions = []ActionCount{}, []Event{}, []ActionCount{}
	counts, err := src.AuditActionCounts(ctx, r.From, r.Until)
	if err != nil {
		return err
	}
	for _, c := range counts {
		s.AuditActions = append(s.AuditActions, ActionCount{Action: c.Action, Count: c.Count})
		if slices.Contains(SecurityActions, c.Action) {
			s.Counts = append(s.Counts, ActionCount{Action: c.Action, Count: c.Count})
		}
	}
	for _, c := range s.Counts {
		// Newest first, up to MaxEvents of each action; cut to MaxEvents
		// overall below.
		es, err := src.AuditEntries(ctx, ledger.AuditFilter{Action: c.Action, Since: r.From, Until: r.Until, Limit: MaxEvents})
		if err != nil {
			return err
		}
		for _, e := range es {
			s.Events = append(s.Events, Event{
				ID: e.ID, At: e.At.UTC(), Action: e.Action, Actor: e.Actor.ID, Role: e.Actor.Role, Addr: e.Actor.Addr,
				Entity: e.Entity, EntityID: e.EntityID, Detail: detail(e.After),
			})
		}
		if c.Count > len(es) {
			s.EventsTruncated = true
		}
	}
	slices.SortFunc(s.Events, func(a, b Event) int { return cmp.Compare(a.ID, b.ID) })
	if len(s.Events) > MaxEvents {
		s.Events, s.EventsTruncated = s.Events[len(s.Events)-MaxEvents:], true
	}
	return nil
}

func (r *Report) buildPrivacy(ctx context.Context, src Source) error {
	p := &r.Privacy
	p.ByActor, p.Erased = []ActorCount{}, []Erased{}
	counts, err := src.ErasureCounts(ctx, r.From, r.Until)
	if err != nil {
		return err
	}
	for _, c := range counts {
		p.Erasures += c.Count
		p.ByActor = append(p.ByActor, ActorCount{Actor: c.ErasedBy, Count: c.Count})
	}
	erased, err := src.ErasuresBetween(ctx, r.From, r.Until, MaxEvents)
	if err != nil {
		return err
	}
	for _, e := range erased {
		p.Erased = append(p.Erased, Erased{LoanID: e.LoanID, ErasedAt: e.ErasedAt.UTC(), ErasedBy: e.ErasedBy, Reason: e.Reason})
	}
	p.ErasedTruncated = p.Erasures > len(p.Erased)
	for _, c := range r.Security.AuditActions {
		switch c.Action {
		case ledger.ActionLoanHoldSet:
			p.HoldsSet = c.Count
		case ledger.ActionLoanHoldLift:
			p.HoldsLifted = c.Count
		}
	}
	if p.HeldNow, err = src.LegalHoldCount(ctx); err != nil {
		return err
	}
	return nil
}

// detail is the short text of an audit row's after state: its error,
// reason or role if it has one, else the compact document.
func detail(after json.RawMessage) string {
	if len(after) == 0 {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(after, &m) == nil {
		for _, k := range []string{"error", "reason", "role", "user_role"} {
			if v, ok := m[k].(string); ok && v != "" {
				return truncate(k+": "+v, 200)
			}
		}
	}
	return truncate(string(after), 200)
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

// String is a one-line summary, for logs.
func (r *Report) String() string {
	return fmt.Sprintf("report %s: %d writes (%d failed), %d records final, fees %s %s",
		r.Month, r.Transactions.Processed, r.Transactions.Failed, r.Anchors.Final, r.Fees.FeesNative, r.Fees.NativeSymbol)
}
