// Package metrics is the service's Prometheus instrumentation: chain calls
// (blockchain_calls_total and blockchain_call_duration_seconds), transaction
// costs and health (gas, fees, signer balance and nonce, pending and stuck
// transactions, confirmation lag), batches, verification mismatches, queue
// depth, reconciliation results and HTTP requests. Everything is registered
// on the Registerer given to New (never the global one), so tests and
// several instances in one process do not collide. The names are the ones
// deploy/prometheus/alerts.yml alerts on.
//
// Values that live elsewhere (the signer's balance on chain, the queue in
// the database, the latest reconciliation run) are read at scrape time from
// the Sources given to Watch, each bounded by a timeout, so the package
// starts no goroutines.
package metrics

import (
	"context"
	"math/big"
	"net/http"
	"strconv"
	"time"

	"github.com/felixge/httpsnoop"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/txmgr"
)

// Metrics holds the collectors. All methods are safe for concurrent use and
// never block.
type Metrics struct {
	calls        *prometheus.CounterVec
	callDuration *prometheus.HistogramVec
	spend        *txSpend // aartha_gas_used_total, aartha_fees_paid_wei_total
	nonceFills   prometheus.Counter
	lostFinal    *prometheus.CounterVec
	pending      prometheus.Gauge
	stuck        prometheus.Gauge
	confirmation prometheus.Histogram
	batchSize    prometheus.Histogram
	mismatches   prometheus.Counter
	phases       *prometheus.CounterVec
	replaced     prometheus.Counter
	feeWaits     prometheus.Counter
	retries      prometheus.Counter
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	secretFails  *prometheus.CounterVec
	secretStale  *prometheus.GaugeVec
	reg          prometheus.Registerer
}

var _ txmgr.Metrics = (*Metrics)(nil)

// New creates the collectors and registers them on reg. It panics if reg
// already holds collectors of the same names (a wiring bug).
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reg: reg,
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "blockchain_calls_total", Help: "Calls to the chain by operation and outcome (success or error).",
		}, []string{"operation", "status"}),
		callDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "blockchain_call_duration_seconds", Help: "Duration of calls to the chain.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"operation"}),
		spend: newTxSpend(),
		nonceFills: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aartha_nonce_gaps_filled_total", Help: "Nonces of the signer filled with a 0-value transfer to self because no live transaction held them.",
		}),
		lostFinal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aartha_final_writes_lost_total", Help: "Chain writes (an anchor's transaction, a batch's, a stream item) reported final that later left the chain; each was queued and sent again.",
		}, []string{"write"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aartha_pending_transactions", Help: "Anchoring transactions sent and not yet final.",
		}),
		stuck: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aartha_stuck_transactions", Help: "Anchoring transactions waiting longer than the stuck threshold without being mined.",
		}),
		confirmation: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "aartha_confirmation_lag_seconds", Help: "Time from sending a transaction to its being final.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600},
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "aartha_batch_size", Help: "Records under one anchored batch root.",
			Buckets: []float64{1, 10, 50, 100, 250, 500, 1000, 5000, 65535},
		}),
		mismatches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aartha_verification_mismatches_total", Help: "Verifications (receipts, reconciliation) that disagreed with the chain.",
		}),
		phases: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aartha_tx_phase_total", Help: "Transactions entering each phase of the transaction manager.",
		}, []string{"phase"}),
		replaced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aartha_tx_replacements_total", Help: "Replacement transactions sent (same nonce, higher fees).",
		}),
		feeWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aartha_tx_fee_cap_waits_total", Help: "Rounds a send waited because fees were above BLOCKCHAIN_MAX_GAS_PRICE.",
		}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aartha_tx_retries_total", Help: "Transient chain errors that were retried.",
		}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aartha_http_requests_total", Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "aartha_http_request_duration_seconds", Help: "HTTP request duration by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		secretFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aartha_secret_refresh_failures_total", Help: "Failed fetches of a secret reference after start, by variable (the last good value stays in use).",
		}, []string{"variable"}),
		secretStale: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aartha_secret_refresh_failing", Help: "1 while the latest fetch of a variable's secret reference failed, 0 once one succeeds.",
		}, []string{"variable"}),
	}
	m.lostFinal.WithLabelValues("anchor")
	m.lostFinal.WithLabelValues("batch")
	for _, p := range []txmgr.Phase{txmgr.PhaseQueued, txmgr.PhaseSubmitted, txmgr.PhaseIncluded, txmgr.PhaseFinal, txmgr.PhaseFailed} {
		m.phases.WithLabelValues(string(p))
	}
	reg.MustRegister(m.calls, m.callDuration, m.spend, m.nonceFills, m.lostFinal, m.pending, m.stuck, m.confirmation,
		m.batchSize, m.mismatches, m.phases, m.replaced, m.feeWaits, m.retries, m.httpRequests, m.httpDuration,
		m.secretFails, m.secretStale)
	return m
}

// KnownCalls exports the call series of each of operations at zero (both
// outcomes, and the duration histogram), so that a scrape right after start
// already has them: rate() over a series that does not exist yet is empty,
// not zero, and alert rules would see nothing. The transaction phases are
// exported at zero by New.
func (m *Metrics) KnownCalls(operations ...string) {
	for _, op := range operations {
		m.calls.WithLabelValues(op, "success")
		m.calls.WithLabelValues(op, "error")
		m.callDuration.WithLabelValues(op)
	}
}

// ObserveCall records one chain call: its operation (e.g. send_transaction,
// get_receipt), whether it failed, and how long it took.
func (m *Metrics) ObserveCall(operation string, err error, d time.Duration) {
	status := "success"
	if err != nil {
		status = "error"
	}
	m.calls.WithLabelValues(operation, status).Inc()
	m.callDuration.WithLabelValues(operation).Observe(d.Seconds())
}

// TxMined counts a transaction that became final: its gas and fee
// (effectiveGasPrice may be nil when unknown). The worker calls it once per
// transaction, when the transaction is recorded final.
func (m *Metrics) TxMined(gasUsed uint64, effectiveGasPrice *big.Int) {
	m.spend.add(gasUsed, effectiveGasPrice, 1)
}

// TxLost takes back the count of a final transaction that left the chain.
func (m *Metrics) TxLost(gasUsed uint64, effectiveGasPrice *big.Int) {
	m.spend.add(gasUsed, effectiveGasPrice, -1)
}

// FinalLost counts a chain write ("anchor" or "batch") reported final that
// later left the chain.
func (m *Metrics) FinalLost(write string) { m.lostFinal.WithLabelValues(write).Inc() }

// NonceFilled counts a nonce gap filled with a 0-value transfer.
func (m *Metrics) NonceFilled() { m.nonceFills.Inc() }

// SetPending sets the number of transactions sent and not yet final.
func (m *Metrics) SetPending(n int) { m.pending.Set(float64(n)) }

// SetStuck sets the number of stuck transactions.
func (m *Metrics) SetStuck(n int) { m.stuck.Set(float64(n)) }

// ObserveConfirmation records the time from sending to finality.
func (m *Metrics) ObserveConfirmation(d time.Duration) { m.confirmation.Observe(d.Seconds()) }

// ObserveBatch records the size of an anchored batch.
func (m *Metrics) ObserveBatch(leaves int) { m.batchSize.Observe(float64(leaves)) }

// VerificationMismatch counts n verifications that disagreed with the chain.
func (m *Metrics) VerificationMismatch(n int) { m.mismatches.Add(float64(n)) }

// Phase implements txmgr.Metrics.
func (m *Metrics) Phase(p txmgr.Phase) { m.phases.WithLabelValues(string(p)).Inc() }

// Replaced implements txmgr.Metrics.
func (m *Metrics) Replaced() { m.replaced.Inc() }

// FeeWait implements txmgr.Metrics.
func (m *Metrics) FeeWait() { m.feeWaits.Inc() }

// Retry implements txmgr.Metrics.
func (m *Metrics) Retry() { m.retries.Inc() }

// SecretRefresh records one refresh of a variable's secret reference; err
// is nil on success. The label is the variable's name, never a value.
func (m *Metrics) SecretRefresh(variable string, err error) {
	if err != nil {
		m.secretFails.WithLabelValues(variable).Inc()
		m.secretStale.WithLabelValues(variable).Set(1)
		return
	}
	m.secretStale.WithLabelValues(variable).Set(0)
}

// Middleware counts and times the requests next serves. Every label has a
// fixed set of values, whatever a caller sends: the route label is the
// ServeMux pattern that matched (r.Pattern), never the raw path, so ids in
// paths do not multiply series; unmatched requests are "unmatched"; a
// method outside the standard ones is "OTHER"; a status outside 100-599 is
// "other".
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := httpsnoop.CaptureMetrics(next, w, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		method := methodLabel(r.Method)
		code := "other"
		if got.Code >= 100 && got.Code <= 599 {
			code = strconv.Itoa(got.Code)
		}
		m.httpRequests.WithLabelValues(method, route, code).Inc()
		m.httpDuration.WithLabelValues(method, route).Observe(got.Duration.Seconds())
	})
}

// methodLabel is method if it is one of the standard HTTP methods, else
// "OTHER": the method is the caller's to choose, so it must not become a
// label value as sent.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

// Handler serves the metrics gathered by g in the Prometheus text format,
// for /metrics.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// Sources are read at scrape time. Nil fields are not exported.
type Sources struct {
	// SignerBalance returns the signer's address and balance in wei.
	SignerBalance func(ctx context.Context) (string, *big.Int, error)
	// SignerNonce returns the signer's address and next nonce.
	SignerNonce func(ctx context.Context) (string, uint64, error)
	// QueueDepth returns the number of anchors per status.
	QueueDepth func(ctx context.Context) (map[string]int, error)
	// LastReconcile returns the newest reconciliation run (ENOTFOUND-coded
	// error or nil run when there is none).
	LastReconcile func(ctx context.Context) (*ledger.ReconcileRun, error)
	// Timeout bounds each source per scrape; default 2s.
	Timeout time.Duration
}

// Watch registers a collector that reads s on every scrape.
func (m *Metrics) Watch(s Sources) {
	if s.Timeout <= 0 {
		s.Timeout = 2 * time.Second
	}
	m.reg.MustRegister(&sourceCollector{s: s})
}

var (
	descBalance = prometheus.NewDesc("aartha_signer_balance_wei", "The anchoring signer's balance in wei.", []string{"signer"}, nil)
	descNonce   = prometheus.NewDesc("aartha_signer_nonce", "The anchoring signer's next nonce.", []string{"signer"}, nil)
	descQueue   = prometheus.NewDesc("aartha_queue_depth", "Anchors by status (queued and submitted are the work queue).", []string{"status"}, nil)
	descProblem = prometheus.NewDesc("aartha_reconcile_last_run_problems", "Mismatched, missing and unknown records in the latest reconciliation run.", []string{"run", "scope"}, nil)
	descPending = prometheus.NewDesc("aartha_reconcile_last_run_pending", "Pending records in the latest reconciliation run.", []string{"run", "scope"}, nil)
	descRunTime = prometheus.NewDesc("aartha_reconcile_last_run_timestamp_seconds", "When the latest reconciliation run finished (Unix time).", nil, nil)
	descErrors  = prometheus.NewDesc("aartha_metrics_source_errors", "1 for each scrape-time source that failed on this scrape.", []string{"source"}, nil)
)

type sourceCollector struct{ s Sources }

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBalance, descNonce, descQueue, descProblem, descPending, descRunTime, descErrors} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	fail := func(source string) {
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.GaugeValue, 1, source)
	}
	ctx := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), c.s.Timeout)
	}
	if f := c.s.SignerBalance; f != nil {
		cx, cancel := ctx()
		addr, wei, err := f(cx)
		cancel()
		if err != nil || wei == nil {
			fail("signer_balance")
		} else {
			v, _ := new(big.Float).SetInt(wei).Float64()
			ch <- prometheus.MustNewConstMetric(descBalance, prometheus.GaugeValue, v, addr)
		}
	}
	if f := c.s.SignerNonce; f != nil {
		cx, cancel := ctx()
		addr, n, err := f(cx)
		cancel()
		if err != nil {
			fail("signer_nonce")
		} else {
			ch <- prometheus.MustNewConstMetric(descNonce, prometheus.GaugeValue, float64(n), addr)
		}
	}
	if f := c.s.QueueDepth; f != nil {
		cx, cancel := ctx()
		depth, err := f(cx)
		cancel()
		if err != nil {
			fail("queue_depth")
		}
		for status, n := range depth {
			ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(n), status)
		}
	}
	if f := c.s.LastReconcile; f != nil {
		cx, cancel := ctx()
		run, err := f(cx)
		cancel()
		switch {
		case err != nil && ledger.ErrorCode(err) != ledger.ENOTFOUND:
			fail("last_reconcile")
		case run != nil:
			id := strconv.FormatInt(run.ID, 10)
			ch <- prometheus.MustNewConstMetric(descProblem, prometheus.GaugeValue, float64(run.Counts.Problems()), id, run.Scope)
			ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(run.Counts.Pending), id, run.Scope)
			ch <- prometheus.MustNewConstMetric(descRunTime, prometheus.GaugeValue, float64(run.FinishedAt.Unix()))
		}
	}
}
