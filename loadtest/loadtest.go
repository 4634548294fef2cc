package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The scenarios Run knows.
const (
	ScenarioReads     = "reads"
	ScenarioApprovals = "approvals"
	ScenarioAnchoring = "anchoring"
)

// Scenarios lists the scenario names, for flag help.
var Scenarios = []string{ScenarioReads, ScenarioApprovals, ScenarioAnchoring}

// Config says what to run against which server.
type Config struct {
	// URLs are the servers (replicas of one deployment), e.g.
	// http://127.0.0.1:8080; the attacks' requests go to them in turn, the
	// login, setup and polling to the first. At least one is required.
	URLs []string
	// Email and Password log in a user that may create and approve loans
	// (operator or admin). Required.
	Email, Password string
	// Scenario is one of Scenarios. Required.
	Scenario string
	// Rate is requests per second; 0 sends as fast as Workers allow.
	Rate int
	// Duration is how long the main attack runs (reads, loan creation).
	// Default 10s.
	Duration time.Duration
	// Workers is how many requests may be in flight at once. Default 8.
	Workers uint64
	// Prefix starts every loan id the run creates. Default "LT<unix time>".
	Prefix string
	// AnchorTimeout bounds the wait for anchors (anchoring). Default 5m.
	AnchorTimeout time.Duration
	// PollInterval is how often anchoring polls loan statuses. Default 250ms.
	PollInterval time.Duration
	// Timeout bounds each request. Default 30s.
	Timeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// validate fills in defaults and names the first broken constraint.
func (c *Config) validate() error {
	switch {
	case len(c.URLs) == 0:
		return errors.New("the server URL is missing")
	case c.Email == "" || c.Password == "":
		return errors.New("the email and password to log in with are missing")
	case !slices.Contains(Scenarios, c.Scenario):
		return fmt.Errorf("scenario %q is not one of %s", c.Scenario, strings.Join(Scenarios, ", "))
	case c.Rate < 0:
		return fmt.Errorf("rate %d is negative", c.Rate)
	}
	for i, u := range c.URLs {
		c.URLs[i] = strings.TrimRight(u, "/")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Workers == 0 {
		c.Workers = 8
	}
	if c.Prefix == "" {
		c.Prefix = fmt.Sprintf("LT%d", c.Now().Unix())
	}
	if c.AnchorTimeout <= 0 {
		c.AnchorTimeout = 5 * time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 250 * time.Millisecond
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	return nil
}

// Attack is the outcome of one vegeta attack.
type Attack struct {
	Name       string
	Requests   uint64
	OK         uint64 // answers with a 2xx status
	Duration   time.Duration
	Throughput float64 // successful requests per second
	Rate       float64 // requests sent per second
	P50        time.Duration
	P90        time.Duration
	P99        time.Duration
	Max        time.Duration
	Codes      map[string]int // status code → count ("0": no answer)
	Errors     []string       // distinct errors, at most maxErrors
}

// Failed is the number of requests without a 2xx answer.
func (a Attack) Failed() uint64 { return a.Requests - a.OK }

// Anchoring is what the anchoring scenario saw after approving.
type Anchoring struct {
	Approved  int           // loans approved, whose anchors were waited for
	Confirmed int           // of those, confirmed on the chain in time
	Failed    int           // of those, whose anchor failed
	Took      time.Duration // from the first approval to the last confirmation
	P50       time.Duration // time to final
	P90       time.Duration
	P99       time.Duration
	Max       time.Duration
}

// Report is a run's outcome: one Attack per attack, and for the anchoring
// scenario the anchors' time to final.
type Report struct {
	Scenario  string
	Attacks   []Attack
	Anchoring *Anchoring
}

// Errors is the number of failed requests over all attacks plus the anchors
// that failed or did not become final in time.
func (r *Report) Errors() uint64 {
	var n uint64
	for _, a := range r.Attacks {
		n += a.Failed()
	}
	if r.Anchoring != nil {
		n += uint64(r.Anchoring.Approved - r.Anchoring.Confirmed)
	}
	return n
}

const maxErrors = 10

// Run logs in and runs cfg's scenario. Failed requests are counted in the
// report, not returned; an error means the run could not be made (no login,
// bad config, ctx ended).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &client{base: cfg.URLs[0], http: &http.Client{Timeout: cfg.Timeout}}
	if err := c.login(ctx, cfg.Email, cfg.Password); err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, c: c}
	rep := &Report{Scenario: cfg.Scenario}
	var err error
	switch cfg.Scenario {
	case ScenarioReads:
		err = r.reads(ctx, rep)
	case ScenarioApprovals:
		_, err = r.approvals(ctx, rep, nil)
	case ScenarioAnchoring:
		err = r.anchoring(ctx, rep)
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

type runner struct {
	cfg Config
	c   *client
}

// base is the server the i-th request of an attack goes to.
func (r *runner) base(i uint64) string { return r.cfg.URLs[i%uint64(len(r.cfg.URLs))] }

// attack runs one vegeta attack of tr for at most du (0: until tr runs
// out of targets) and returns its metrics; each result is also given to
// each, if not nil.
func (r *runner) attack(ctx context.Context, name string, tr vegeta.Targeter, du time.Duration, each func(*vegeta.Result)) Attack {
	workers := r.cfg.Workers
	atk := vegeta.NewAttacker(
		vegeta.Timeout(r.cfg.Timeout),
		vegeta.Workers(workers), vegeta.MaxWorkers(workers),
		vegeta.Connections(int(workers)), vegeta.KeepAlive(true),
		vegeta.MaxBody(1<<20),
	)
	pacer := vegeta.ConstantPacer{Freq: r.cfg.Rate, Per: time.Second}
	var m vegeta.Metrics
	results := atk.Attack(tr, pacer, du, name)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	for res := range results {
		if res.Error == vegeta.ErrNoTargets.Error() {
			continue // the targeter ran out: the end, not a request
		}
		m.Add(res)
		if each != nil {
			each(res)
		}
	}
	m.Close()
	out := Attack{
		Name: name, Requests: m.Requests, Duration: m.Duration + m.Wait,
		Throughput: m.Throughput, Rate: m.Rate,
		P50: m.Latencies.P50, P90: m.Latencies.P90, P99: m.Latencies.P99, Max: m.Latencies.Max,
		Codes: m.StatusCodes,
	}
	for code, n := range m.StatusCodes {
		if len(code) == 3 && code[0] == '2' {
			out.OK += uint64(n)
		}
	}
	for _, e := range m.Errors {
		if len(out.Errors) == maxErrors {
			break
		}
		out.Errors = append(out.Errors, e)
	}
	return out
}

// reads alternates the loan list and loan detail.
func (r *runner) reads(ctx context.Context, rep *Report) error {
	ids, err := r.c.loanIDs(ctx, "", 100)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		for i := range 10 {
			id := fmt.Sprintf("%s-seed-%d", r.cfg.Prefix, i)
			if err := r.c.createLoan(ctx, id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
	}
	var n atomic.Uint64
	tr := func(t *vegeta.Target) error {
		i := n.Add(1) - 1
		t.Method, t.Header = http.MethodGet, r.c.header()
		if i%2 == 0 {
			t.URL = r.base(i) + "/api/admin/loans?limit=50"
		} else {
			t.URL = r.base(i) + "/api/admin/loans/" + ids[(i/2)%uint64(len(ids))]
		}
		return nil
	}
	rep.Attacks = append(rep.Attacks, r.attack(ctx, "reads", tr, r.cfg.Duration, nil))
	return ctx.Err()
}

// approvals creates loans for the duration, then approves each one. It
// returns when each loan was approved (its approve answer's end), by id;
// approvedNow, if not nil, is also told of each approval as it is answered.
func (r *runner) approvals(ctx context.Context, rep *Report, approvedNow func(id string, at time.Time)) (map[string]time.Time, error) {
	var created atomic.Uint64
	create := func(t *vegeta.Target) error {
		n := created.Add(1)
		id := fmt.Sprintf("%s-%d", r.cfg.Prefix, n)
		t.Method, t.URL, t.Header = http.MethodPost, r.base(n)+"/api/admin/loans", r.c.jsonHeader()
		t.Body = loanBody(id)
		return nil
	}
	rep.Attacks = append(rep.Attacks, r.attack(ctx, "create", create, r.cfg.Duration, nil))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Loans whose creation failed are approved as well: their 404s count
	// as the failures they are.
	total := created.Load()
	var next atomic.Uint64
	approve := func(t *vegeta.Target) error {
		i := next.Add(1)
		if i > total {
			return vegeta.ErrNoTargets
		}
		t.Method, t.Header = http.MethodPost, r.c.header()
		t.URL = fmt.Sprintf("%s/api/admin/loans/%s-%d/approve", r.base(i), r.cfg.Prefix, i)
		return nil
	}
	approved := make(map[string]time.Time, total)
	rep.Attacks = append(rep.Attacks, r.attack(ctx, "approve", approve, 0, func(res *vegeta.Result) {
		if res.Code == http.StatusOK {
			_, path, _ := strings.Cut(res.URL, "/api/admin/loans/")
			id := strings.TrimSuffix(path, "/approve")
			approved[id] = res.End()
			if approvedNow != nil {
				approvedNow(id, res.End())
			}
		}
	}))
	return approved, ctx.Err()
}

// anchoring approves loans and waits until each approval is final. The
// statuses are polled from the start of the approvals, so that an anchor
// that becomes final while others are still being approved is timed then.
func (r *runner) anchoring(ctx context.Context, rep *Report) error {
	var (
		mu      sync.Mutex
		pending = map[string]time.Time{} // approved, not yet final or failed
		final   = map[string]time.Duration{}
		failed  = map[string]bool{}
		last    time.Time
	)
	pollOnce := func() error {
		statuses, err := r.c.chainStatuses(ctx, r.cfg.Prefix+"-")
		if err != nil {
			return err
		}
		now := r.cfg.Now()
		mu.Lock()
		defer mu.Unlock()
		for id, at := range pending {
			switch statuses[id] {
			case "confirmed":
				final[id] = max(now.Sub(at), 0)
				last = now
				delete(pending, id)
			case "failed":
				failed[id] = true
				delete(pending, id)
			}
		}
		return nil
	}
	approving := make(chan struct{})
	polled := make(chan error, 1)
	go func() {
		tick := time.NewTicker(r.cfg.PollInterval)
		defer tick.Stop()
		for {
			select {
			case <-approving:
				polled <- nil
				return
			case <-ctx.Done():
				polled <- ctx.Err()
				return
			case <-tick.C:
			}
			if err := pollOnce(); err != nil {
				polled <- err
				return
			}
		}
	}()
	approved, err := r.approvals(ctx, rep, func(id string, at time.Time) {
		mu.Lock()
		pending[id] = at
		mu.Unlock()
	})
	close(approving)
	if perr := <-polled; err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	an := &Anchoring{Approved: len(approved)}
	rep.Anchoring = an
	if len(approved) == 0 {
		return nil
	}
	first := r.cfg.Now()
	for _, t := range approved {
		if t.Before(first) {
			first = t
		}
	}
	deadline := r.cfg.Now().Add(r.cfg.AnchorTimeout)
	for {
		if err := pollOnce(); err != nil {
			return err
		}
		mu.Lock()
		left := len(pending)
		mu.Unlock()
		if left == 0 || !r.cfg.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.cfg.PollInterval):
		}
	}
	an.Confirmed, an.Failed = len(final), len(failed)
	if len(final) == 0 {
		return nil
	}
	an.Took = last.Sub(first)
	took := make([]time.Duration, 0, len(final))
	for _, d := range final {
		took = append(took, d)
	}
	slices.Sort(took)
	an.P50, an.P90, an.P99, an.Max = percentile(took, 0.50), percentile(took, 0.90), percentile(took, 0.99), took[len(took)-1]
	return nil
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// loanBody is a loan with id, valid as the API wants it.
func loanBody(id string) []byte {
	return fmt.Appendf(nil, `{"loan_id":%q,"borrower":"load-borrower","lender":"load-lender","principal":"150000","currency":"INR","interest_rate_bps":1250,"term_months":12}`, id)
}
