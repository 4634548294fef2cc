package ui

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"math/big"
	"net/http"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// dashboardDays is how many days the dashboard's charts cover.
const dashboardDays = 14

// dayStats is what happened on the chain on one day.
type dayStats struct {
	Day     time.Time
	Final   int      // records that became final
	Failed  int      // records given up on
	Gas     uint64   // gas used by the transactions that became final
	CostWei *big.Int // what they cost
}

type pendingRow struct {
	A     *ledger.Anchor
	Age   time.Duration
	Stuck bool
}

type dashboardPage struct {
	base
	Counts      map[string]int
	SuccessRate string // over all anchors ever: final / (final + failed)
	Charts      []drawnChart
	Pending     []pendingRow
	PendingMore bool
	Stuck       int
	StuckAfter  time.Duration
	Signer      common.Address
	BalanceWei  *big.Int
	BalanceLow  bool
	BalanceSVG  template.HTML
	BalanceErr  string
	Runs        []*ledger.ReconcileRun
	Recent      []ledger.AuditEntry
	Doctor      []DoctorCheck
	DoctorOn    bool
}

// DoctorCheck is one line of the doctor's report: what was checked, its
// status ("pass", "warn" or "fail"), what was found and, unless it passed,
// what to do.
type DoctorCheck struct {
	Name, Status, Detail, Hint string
}

// Badge is the badge class of the check's status.
func (c DoctorCheck) Badge() string {
	switch c.Status {
	case "pass":
		return "badge ok"
	case "warn":
		return "badge wait"
	case "fail":
		return "badge bad"
	}
	return "badge"
}

func (u *UI) dashboard(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	p := dashboardPage{base: u.base(s, "Dashboard", "dashboard"), StuckAfter: u.cfg.StuckAfter}
	recent, err := u.cfg.Store.AuditEntries(ctx, ledger.AuditFilter{Limit: 10})
	if err != nil {
		return err
	}
	p.Recent = recent
	if u.cfg.Doctor != nil {
		p.DoctorOn, p.Doctor = true, u.cfg.Doctor(ctx)
	}
	if u.cfg.Chain == nil {
		u.render(w, http.StatusOK, "dashboard", p)
		return nil
	}
	if p.Counts, err = u.cfg.Store.AnchorCountsByStatus(ctx); err != nil {
		return err
	}
	if done := p.Counts[string(ledger.AnchorFinal)] + p.Counts[string(ledger.AnchorFailed)]; done > 0 {
		p.SuccessRate = percent(float64(p.Counts[string(ledger.AnchorFinal)]) / float64(done))
	}
	days, err := u.chainDays(ctx)
	if err != nil {
		return err
	}
	p.Charts = dashboardCharts(days)
	if err := u.pending(ctx, &p); err != nil {
		return err
	}
	if addr, bal, err := u.cfg.Chain.SignerBalance(ctx); errors.Is(err, ErrNoBalance) {
		p.BalanceErr = "this chain charges no fees (a MultiChain stream: publishing needs permissions only)"
	} else if err != nil {
		u.cfg.Log.Warn("ui: signer balance", "err", err)
		p.BalanceErr = "the chain did not answer"
	} else {
		p.Signer, p.BalanceWei = addr, bal
		p.BalanceLow = bal.Cmp(u.cfg.LowBalanceWei) < 0
		p.BalanceSVG = balanceGauge(bal, u.cfg.LowBalanceWei)
	}
	if p.Runs, err = u.cfg.Store.ReconcileRuns(ctx, 5, false); err != nil {
		return err
	}
	u.render(w, http.StatusOK, "dashboard", p)
	return nil
}

// chainDays reads the last dashboardDays days of chain outcomes from the
// audit trail: direct-mode anchors (ActionAnchorFinal, one record each)
// and batches (ActionBatchFinal, leaf_count records each), and their
// failures.
func (u *UI) chainDays(ctx context.Context) ([]dayStats, error) {
	today := u.cfg.Now().UTC().Truncate(24 * time.Hour)
	start := today.AddDate(0, 0, -(dashboardDays - 1))
	days := make([]dayStats, dashboardDays)
	for i := range days {
		days[i] = dayStats{Day: start.AddDate(0, 0, i), CostWei: new(big.Int)}
	}
	for _, action := range []string{ledger.ActionAnchorFinal, ledger.ActionBatchFinal, ledger.ActionAnchorFailed, ledger.ActionBatchFailed} {
		es, err := u.cfg.Store.AuditEntries(ctx, ledger.AuditFilter{Action: action, Since: start, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			i := int(e.At.UTC().Sub(start) / (24 * time.Hour))
			if i < 0 || i >= len(days) {
				continue
			}
			var after struct {
				LeafCount   int    `json:"leaf_count"`
				GasUsed     uint64 `json:"gas_used"`
				GasPriceWei string `json:"gas_price_wei"`
			}
			_ = json.Unmarshal(e.After, &after)
			n := 1
			if e.Entity == "batch" {
				n = after.LeafCount
			}
			d := &days[i]
			if action == ledger.ActionAnchorFailed || action == ledger.ActionBatchFailed {
				d.Failed += n
				continue
			}
			d.Final += n
			gas, cost := after.GasUsed, weiCost(after.GasUsed, after.GasPriceWei)
			if c := e.Chain; c != nil && c.GasUsed > 0 {
				gas = c.GasUsed
				if v, ok := new(big.Int).SetString(c.TotalCostWei, 10); ok {
					cost = v
				}
			}
			d.Gas += gas
			if cost != nil {
				d.CostWei.Add(d.CostWei, cost)
			}
		}
	}
	return days, nil
}

// pending lists the records not yet final, oldest first, and counts those
// that have not moved for StuckAfter.
func (u *UI) pending(ctx context.Context, p *dashboardPage) error {
	now := u.cfg.Now()
	var all []*ledger.Anchor
	for _, st := range []ledger.AnchorStatus{ledger.AnchorQueued, ledger.AnchorSubmitted, ledger.AnchorIncluded} {
		as, err := u.cfg.Store.Anchors(ctx, ledger.AnchorFilter{Status: st, Limit: 50})
		if err != nil {
			return err
		}
		all = append(all, as...)
	}
	slices.SortFunc(all, func(a, b *ledger.Anchor) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	for _, a := range all {
		age := now.Sub(a.UpdatedAt)
		stuck := age > u.cfg.StuckAfter
		if stuck {
			p.Stuck++
		}
		if len(p.Pending) < 20 {
			p.Pending = append(p.Pending, pendingRow{A: a, Age: age.Truncate(time.Second), Stuck: stuck})
		}
	}
	p.PendingMore = len(all) > len(p.Pending)
	return nil
}

func dashboardCharts(days []dayStats) []drawnChart {
	labels := make([]string, len(days))
	final, failed, rate, gas, cost := make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days))
	for i, d := range days {
		labels[i] = d.Day.Format("01-02")
		final[i], failed[i], gas[i] = float64(d.Final), float64(d.Failed), float64(d.Gas)
		if n := d.Final + d.Failed; n > 0 {
			rate[i] = 100 * float64(d.Final) / float64(n)
		} else {
			rate[i] = -1 // no data that day
		}
		cost[i] = weiToNative(d.CostWei)
	}
	charts := []chart{
		{ID: "anchors", Title: "Records anchored per day", Labels: labels, Stacked: true,
			Series: []series{{"final", "s-ok", final}, {"failed", "s-bad", failed}}, Format: formatCount},
		{ID: "success", Title: "Success rate per day", Labels: labels, Max: 100,
			Series: []series{{"success rate", "s-rate", rate}}, Format: func(v float64) string { return formatCount(v) + " %" }},
		{ID: "gas", Title: "Gas used per day", Labels: labels,
			Series: []series{{"gas", "s-gas", gas}}, Format: formatCount},
		{ID: "cost", Title: "Transaction cost per day (native units)", Labels: labels,
			Series: []series{{"cost", "s-cost", cost}}, Format: formatNative},
	}
	out := make([]drawnChart, len(charts))
	for i, c := range charts {
		out[i] = drawnChart{Title: c.Title, SVG: barChart(c)}
	}
	return out
}

// drawnChart is a chart's visible title and its SVG.
type drawnChart struct {
	Title string
	SVG   template.HTML
}
