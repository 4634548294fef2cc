// Package doctor diagnoses a deployment the way an operator's troubleshooting
// checklist does (docs/commands.md, aartha doctor): database, each RPC endpoint, the registry and our role in it,
// the signer's balance and runway, fees against the cap, unfinished
// transactions and nonce gaps, the recent failure rate and clock skew — or,
// on a MultiChain stream, the node, the stream, the node's subscription and
// the publishing address's permissions. Each
// check yields pass, warn or fail with a hint; the report's worst result
// decides the command's exit code.
//
// Checks only read; they never send a transaction. A check whose dependency
// is not configured (no chain, say) is skipped rather than failed.
package doctor

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/aartha/ledger/txmgr"
)

// Status is a check's result, ordered from best to worst.
type Status string

// The results of a check.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
)

func (s Status) rank() int {
	switch s {
	case Warn:
		return 1
	case Fail:
		return 2
	}
	return 0
}

// Check is one diagnosis: what was checked, its result, what was found and,
// unless it passed, what to do.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Hint   string `json:"hint,omitempty"`
}

// Report is every check and the worst result among them.
type Report struct {
	Checks []Check `json:"checks"`
	Worst  Status  `json:"worst"`
}

func (r *Report) add(name string, s Status, detail, hint string) {
	if s == Pass {
		hint = ""
	}
	r.Checks = append(r.Checks, Check{Name: name, Status: s, Detail: detail, Hint: hint})
	if s.rank() > r.Worst.rank() {
		r.Worst = s
	}
}

// Database is what the doctor asks the store.
type Database interface {
	Ping(ctx context.Context) error
	SchemaVersion(ctx context.Context) (have, want int, err error)
	AnchorCountsByStatus(ctx context.Context) (map[string]int, error)
}

// Chain is what the doctor asks one RPC endpoint of an EVM chain;
// evmchain.Endpoint satisfies it.
type Chain interface {
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	ChainID(ctx context.Context) (*big.Int, error)
	BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error)
	CodeAt(ctx context.Context, account common.Address, block *big.Int) ([]byte, error)
	NonceAt(ctx context.Context, account common.Address, block *big.Int) (uint64, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	// Unreachable reports whether err, from this endpoint, is a failure to
	// reach it rather than an answer.
	Unreachable(err error) bool
	// HasAnchorerRole reports whether account may anchor at the
	// LoanRegistry at registry.
	HasAnchorerRole(ctx context.Context, registry, account common.Address) (bool, error)
}

// Journal lists the signer's unfinished transactions. *store.TxJournal and
// txmgr.MemJournal satisfy it.
type Journal interface {
	Unfinished(ctx context.Context, from common.Address) ([]txmgr.Record, error)
}

// ExternalSigner is a signer in another process (Clef or an
// eth_signTransaction signer); the EVM backend's external signer satisfies it.
type ExternalSigner interface {
	Ping(ctx context.Context) error
}

// Endpoint is one named RPC endpoint ("primary", "backup").
type Endpoint struct {
	Name string
	// Host is where it is, redacted (no credentials, path
	// or query), for the report; may be empty.
	Host  string
	Chain Chain
}

// Deps is what the doctor examines. Zero fields skip their checks.
type Deps struct {
	DB        Database
	Endpoints []Endpoint
	// ActiveEndpoint, when set, names the endpoint a running failover
	// client is using and its redacted host;
	// the doctor reports it as "rpc in use". Nil: with more than one
	// Endpoint, the one in use is the first that can be reached, as the
	// client picks it.
	ActiveEndpoint func() (name, host string)
	// Stream, when anchoring goes to a MultiChain stream, replaces the EVM
	// endpoint, registry, fee, balance and transaction checks.
	Stream StreamNode
	// ChainID is the chain id the deployment expects (0: any).
	ChainID  uint64
	Registry common.Address
	Signer   common.Address
	// ExternalSigner, when the key is held by another process, is asked
	// whether it answers (and, where it can say, holds our account).
	ExternalSigner ExternalSigner
	Journal        Journal
	// FeeCapWei is BLOCKCHAIN_MAX_GAS_PRICE in wei; nil or 0 means no cap.
	FeeCapWei *big.Int
	// GasPerAnchor is the gas one anchoring transaction costs (a direct
	// storeLoan or a batch's anchorBatch); default 100,000.
	GasPerAnchor uint64
	// RunwayAnchors is how many anchors the signer's balance must pay for at
	// current fees before the check warns; default 1,000.
	RunwayAnchors uint64
	// StuckAfter is how long a transaction may stay unmined before it counts
	// as stuck; default 10 minutes.
	StuckAfter time.Duration
	// Finality and Confirmations are BLOCKCHAIN_FINALITY and
	// BLOCKCHAIN_CONFIRMATIONS.
	Finality      txmgr.Finality
	Confirmations uint64
	// MaxHeadAge is how old the newest block may be before the endpoint
	// warns (a node that stopped following the chain); default 2 minutes.
	MaxHeadAge time.Duration
	Now        func() time.Time
	// Warnings are findings of the configuration itself (say, a keyring
	// that full database dumps would hold), reported as warnings first.
	Warnings []Check
}

func (d *Deps) defaults() {
	if d.GasPerAnchor == 0 {
		d.GasPerAnchor = 100_000
	}
	if d.RunwayAnchors == 0 {
		d.RunwayAnchors = 1000
	}
	if d.StuckAfter == 0 {
		d.StuckAfter = 10 * time.Minute
	}
	if d.MaxHeadAge == 0 {
		d.MaxHeadAge = 2 * time.Minute
	}
	if d.Now == nil {
		d.Now = time.Now
	}
}

// Run performs every check it has the dependencies for, each bounded by
// timeout, and returns the report.
func Run(ctx context.Context, d Deps, timeout time.Duration) Report {
	d.defaults()
	r := Report{Worst: Pass}
	for _, w := range d.Warnings {
		r.add(w.Name, Warn, w.Detail, w.Hint)
	}
	bounded := func(f func(ctx context.Context)) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		f(ctx)
	}
	if d.DB != nil {
		dbUp := false
		bounded(func(ctx context.Context) { dbUp = checkDatabase(ctx, &r, d.DB) })
		if dbUp {
			bounded(func(ctx context.Context) { checkFailureRate(ctx, &r, d.DB) })
		}
	}
	if d.Stream != nil {
		bounded(func(ctx context.Context) { checkStream(ctx, &r, d.Stream) })
		return r
	}
	if d.ExternalSigner != nil {
		bounded(func(ctx context.Context) { checkExternalSigner(ctx, &r, d.ExternalSigner) })
	}
	var (
		live     Chain // the first endpoint that answers as expected
		liveName string
		inUse    = -1 // the first endpoint that can be reached: the one a failover client uses
		results  = make([]endpointResult, len(d.Endpoints))
	)
	for i, ep := range d.Endpoints {
		bounded(func(ctx context.Context) { results[i] = checkEndpoint(ctx, ep, d) })
		if results[i].answered && live == nil {
			live, liveName = ep.Chain, ep.Name
		}
		if results[i].reachable && inUse < 0 {
			inUse = i
		}
	}
	for i, res := range results {
		c := res.check
		if !res.reachable && live != nil {
			// Anchoring goes on through the endpoint that answers: a
			// warning, not a failure.
			c.Status = Warn
			c.Hint = unreachableHint(d.Endpoints[i].Name, liveName)
		}
		r.add(c.Name, c.Status, c.Detail, c.Hint)
	}
	checkEndpointInUse(&r, d, inUse)
	if live == nil {
		if len(d.Endpoints) > 0 {
			r.add("chain checks", Fail, "no RPC endpoint answered; registry, balance and fee checks skipped",
				"start the node or fix BLOCKCHAIN_RPC_URL / BLOCKCHAIN_RPC_URL_BACKUP")
		}
		return r
	}
	bounded(func(ctx context.Context) { checkRegistry(ctx, &r, live, d) })
	bounded(func(ctx context.Context) { checkFinality(ctx, &r, live, d) })
	var price *big.Int
	bounded(func(ctx context.Context) { price = checkFees(ctx, &r, live, d) })
	bounded(func(ctx context.Context) { checkBalance(ctx, &r, live, d, price) })
	if d.Journal != nil {
		bounded(func(ctx context.Context) { checkTransactions(ctx, &r, live, d) })
	}
	return r
}

// checkExternalSigner fails when the signer holding the key does not
// answer: every anchor would wait on it.
func checkExternalSigner(ctx context.Context, r *Report, s ExternalSigner) {
	if err := s.Ping(ctx); err != nil {
		r.add("external signer", Fail, err.Error(),
			"start the signer (Clef: --http on the address in BLOCKCHAIN_SIGNER_URL) or fix BLOCKCHAIN_SIGNER_URL / BLOCKCHAIN_SIGNER_ADDRESS")
		return
	}
	r.add("external signer", Pass, "answers", "")
}

// checkDatabase reports whether the database answered.
func checkDatabase(ctx context.Context, r *Report, db Database) bool {
	if err := db.Ping(ctx); err != nil {
		r.add("database", Fail, err.Error(), "check DATABASE_URL and that the database server is running")
		return false
	}
	have, want, err := db.SchemaVersion(ctx)
	switch {
	case err != nil:
		r.add("database schema", Fail, err.Error(), "check the database user's rights")
	case have < want:
		r.add("database schema", Fail, fmt.Sprintf("schema version %d, this binary needs %d", have, want), "run `aartha migrate`")
	case have > want:
		r.add("database schema", Fail, fmt.Sprintf("schema version %d is newer than this binary's %d", have, want), "upgrade this binary")
	default:
		r.add("database", Pass, fmt.Sprintf("reachable, schema version %d is current", have), "")
	}
	return true
}

func checkFailureRate(ctx context.Context, r *Report, db Database) {
	counts, err := db.AnchorCountsByStatus(ctx)
	if err != nil {
		r.add("anchor failure rate", Warn, err.Error(), "check the database")
		return
	}
	failed, done := counts["failed"], counts["failed"]+counts["final"]
	switch {
	case done == 0:
		r.add("anchor failure rate", Pass, "no finished anchors yet", "")
	case failed*100 > done*5:
		r.add("anchor failure rate", Fail, fmt.Sprintf("%d of %d finished anchors failed", failed, done),
			"read the failed anchors' errors (API /blockchain/status or the UI); requeue them with POST .../blockchain/store once the cause is fixed")
	case failed > 0:
		r.add("anchor failure rate", Warn, fmt.Sprintf("%d of %d finished anchors failed", failed, done), "read the failed anchors' errors")
	default:
		r.add("anchor failure rate", Pass, fmt.Sprintf("none of %d finished anchors failed", done), "")
	}
}

// endpointResult is what checkEndpoint found: its check, whether the node
// could be reached at all (a failover client uses the first that can), and
// whether it answered as expected (the right chain, a head block).
type endpointResult struct {
	check     Check
	reachable bool
	answered  bool
}

// checkEndpoint checks one endpoint: its chain id, its head block and the
// head's age against this machine's clock.
func checkEndpoint(ctx context.Context, ep Endpoint, d Deps) endpointResult {
	res := endpointResult{check: Check{Name: "rpc " + ep.Name}}
	set := func(s Status, detail, hint string) endpointResult {
		res.check.Status, res.check.Detail, res.check.Hint = s, detail, hint
		return res
	}
	id, err := ep.Chain.ChainID(ctx)
	if err != nil {
		res.reachable = !ep.Chain.Unreachable(err)
		if !res.reachable {
			return set(Fail, err.Error(), "the node is down or unreachable: start it or fix its URL")
		}
		return set(Fail, err.Error(), "the node answers but cannot give its chain id")
	}
	res.reachable = true
	if d.ChainID != 0 && id.Uint64() != d.ChainID {
		return set(Fail, fmt.Sprintf("chain id %s, expected %d", id, d.ChainID), "this endpoint serves another network: fix its URL")
	}
	head, err := ep.Chain.HeaderByNumber(ctx, nil)
	if err != nil {
		return set(Fail, err.Error(), "the node answers but cannot give its head block")
	}
	res.answered = true
	age := d.Now().Sub(time.Unix(int64(head.Time), 0))
	detail := fmt.Sprintf("chain id %s, head block %s, %s old", id, head.Number, age.Round(time.Second))
	switch {
	case age < -30*time.Second:
		return clockAhead(set, id, head.Number, -age)
	case age > d.MaxHeadAge:
		return set(Warn, detail, "the node is not following the chain (syncing or stalled): check it, or rely on the backup endpoint")
	}
	return set(Pass, detail, "")
}

// devChains are chain ids whose usual nodes advance the block time with
// every block, so that their head can run ahead of the wall clock.
var devChains = map[uint64]string{
	1337:  "geth --dev and the embedded simulated chain",
	31337: "Hardhat and Anvil",
}

// clockAhead reports a head block stamped later than this machine's clock.
// On a development chain that is expected (its node advances time per
// block, and tests move it on); elsewhere either this machine's clock is
// behind or the node serves a development chain under another id.
func clockAhead(set func(Status, string, string) endpointResult, id, number *big.Int, ahead time.Duration) endpointResult {
	detail := fmt.Sprintf("chain id %s, head block %s is stamped %s ahead of this machine's clock", id, number, ahead.Round(time.Second))
	if nodes, ok := devChains[id.Uint64()]; id.IsUint64() && ok {
		return set(Pass, detail+": expected on a development chain ("+nodes+" advance the block time per block)", "")
	}
	return set(Warn, detail,
		"development chains (geth --dev, the embedded chain, Hardhat, Anvil) advance the block time per block, so this is expected there; "+
			"on a public network this machine's clock is behind: check its time sync (NTP, timedatectl)")
}

// unreachableHint is the hint for an endpoint that cannot be reached while
// live answers.
func unreachableHint(name, live string) string {
	if name == "backup" {
		return "the backup node is down or unreachable: anchoring runs on the " + live + " with no fallback; start it or fix BLOCKCHAIN_RPC_URL_BACKUP"
	}
	return "the " + name + " node is down or unreachable: anchoring goes on through the " + live +
		" and tries the " + name + " again after a cool-down; start it or fix BLOCKCHAIN_RPC_URL"
}

// checkEndpointInUse reports which endpoint anchoring uses when there is a
// choice: the primary passes, the backup warns (the primary is down).
func checkEndpointInUse(r *Report, d Deps, inUse int) {
	var name, host string
	switch {
	case d.ActiveEndpoint != nil:
		name, host = d.ActiveEndpoint()
	case len(d.Endpoints) > 1 && inUse >= 0:
		name, host = d.Endpoints[inUse].Name, d.Endpoints[inUse].Host
	}
	if name == "" {
		return // no choice, or nothing answers (reported above)
	}
	detail := name
	if host != "" {
		detail += " (" + host + ")"
	}
	if name == "primary" {
		r.add("rpc in use", Pass, detail, "")
		return
	}
	r.add("rpc in use", Warn, detail+": the primary does not answer, anchoring has failed over",
		"anchoring goes on through the "+name+"; bring the primary (BLOCKCHAIN_RPC_URL) back: it is tried again after a cool-down")
}

func checkRegistry(ctx context.Context, r *Report, c Chain, d Deps) {
	if d.Registry == (common.Address{}) {
		return
	}
	code, err := c.CodeAt(ctx, d.Registry, nil)
	if err != nil {
		r.add("registry", Fail, err.Error(), "the node could not be asked")
		return
	}
	if len(code) == 0 {
		r.add("registry", Fail, "no contract code at "+d.Registry.Hex(), "set BLOCKCHAIN_CONTRACT_ADDRESS to a deployed LoanRegistry (`aartha deploy`)")
		return
	}
	if d.Signer == (common.Address{}) {
		r.add("registry", Pass, "contract code present at "+d.Registry.Hex(), "")
		return
	}
	ok, err := c.HasAnchorerRole(ctx, d.Registry, d.Signer)
	switch {
	case err != nil:
		r.add("registry", Fail, err.Error(), "the address may not hold a LoanRegistry")
	case !ok:
		r.add("registry", Fail, "signer "+d.Signer.Hex()+" lacks ANCHORER_ROLE", "have the registry's admin grant it: grantRole(ANCHORER_ROLE, signer)")
	default:
		r.add("registry", Pass, "LoanRegistry at "+d.Registry.Hex()+" grants our signer ANCHORER_ROLE", "")
	}
}

// checkFees returns the current price per gas (base fee + tip), or nil.
func checkFees(ctx context.Context, r *Report, c Chain, d Deps) *big.Int {
	head, err := c.HeaderByNumber(ctx, nil)
	if err != nil {
		r.add("fees", Warn, err.Error(), "the node could not be asked")
		return nil
	}
	tip, err := c.SuggestGasTipCap(ctx)
	if err != nil {
		r.add("fees", Warn, err.Error(), "the node could not suggest a tip")
		return nil
	}
	price := new(big.Int).Set(tip)
	if head.BaseFee != nil {
		price.Add(price, head.BaseFee)
	}
	detail := "current price " + gwei(price) + " gwei per gas"
	switch {
	case d.FeeCapWei == nil || d.FeeCapWei.Sign() == 0:
		r.add("fees", Warn, detail+", no cap set", "set BLOCKCHAIN_MAX_GAS_PRICE so a fee spike makes anchors wait instead of overpaying")
	case price.Cmp(d.FeeCapWei) > 0:
		r.add("fees", Warn, detail+" is above the cap of "+gwei(d.FeeCapWei)+" gwei: anchors wait",
			"wait for fees to fall, or raise BLOCKCHAIN_MAX_GAS_PRICE")
	default:
		r.add("fees", Pass, detail+", cap "+gwei(d.FeeCapWei)+" gwei", "")
	}
	return price
}

func checkBalance(ctx context.Context, r *Report, c Chain, d Deps, price *big.Int) {
	if d.Signer == (common.Address{}) {
		return
	}
	balance, err := c.BalanceAt(ctx, d.Signer, nil)
	if err != nil {
		r.add("signer balance", Warn, err.Error(), "the node could not be asked")
		return
	}
	if price == nil || price.Sign() == 0 {
		r.add("signer balance", Pass, fmt.Sprintf("%s holds %s wei (fees unknown: runway not computed)", d.Signer.Hex(), balance), "")
		return
	}
	perAnchor := new(big.Int).Mul(price, new(big.Int).SetUint64(d.GasPerAnchor))
	runway := new(big.Int).Quo(balance, perAnchor)
	detail := fmt.Sprintf("%s holds %s wei: about %s anchoring transactions at current fees", d.Signer.Hex(), balance, runway)
	switch {
	case runway.Sign() == 0:
		r.add("signer balance", Fail, detail, "fund the signer now: it cannot pay for one more anchor")
	case runway.Cmp(new(big.Int).SetUint64(d.RunwayAnchors)) < 0:
		r.add("signer balance", Warn, detail, fmt.Sprintf("fund the signer: fewer than %d anchors of runway", d.RunwayAnchors))
	default:
		r.add("signer balance", Pass, detail, "")
	}
}

func checkTransactions(ctx context.Context, r *Report, c Chain, d Deps) {
	open, err := d.Journal.Unfinished(ctx, d.Signer)
	if err != nil {
		r.add("transactions", Warn, err.Error(), "check the database")
		return
	}
	mined, err := c.NonceAt(ctx, d.Signer, nil)
	if err != nil {
		r.add("transactions", Warn, err.Error(), "the node could not be asked")
		return
	}
	stuck, lowest := 0, uint64(0)
	haveNonce := false
	for _, rec := range open {
		if n := len(rec.Attempts); n > 0 && d.Now().Sub(rec.Attempts[n-1].SentAt) > d.StuckAfter && rec.Phase == txmgr.PhaseSubmitted {
			stuck++
		}
		if rec.HasNonce && (!haveNonce || rec.Nonce < lowest) {
			lowest, haveNonce = rec.Nonce, true
		}
	}
	detail := fmt.Sprintf("%d unfinished, %d stuck over %s; chain nonce %d", len(open), stuck, d.StuckAfter, mined)
	switch {
	case haveNonce && lowest > mined:
		r.add("transactions", Fail, detail+fmt.Sprintf(", lowest pending nonce %d: nonces %d..%d are missing", lowest, mined, lowest-1),
			"transactions were dropped or reorged out, or another sender used this key: the running sender heals this by itself within one watch round (it sends a lost final transaction again with its own nonce, and fills a nonce no live send holds with a 0-value transfer to self; see docs/finality.md); if it persists, make sure no other process sends with this key")
	case stuck > 0:
		r.add("transactions", Warn, detail, "they are being replaced with higher fees; if fees are above BLOCKCHAIN_MAX_GAS_PRICE they wait by design")
	default:
		r.add("transactions", Pass, detail, "")
	}
}

// gwei renders wei as decimal gwei without floating point.
func gwei(wei *big.Int) string {
	q, rem := new(big.Int).QuoRem(wei, big.NewInt(1_000_000_000), new(big.Int))
	if rem.Sign() == 0 {
		return q.String()
	}
	frac := fmt.Sprintf("%09d", rem.Int64())
	for frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	return q.String() + "." + frac
}

// Unopened stands for a database that could not be opened, so that the
// report says so in the database check instead of the command failing.
func Unopened(err error) Database { return unopened{err} }

type unopened struct{ err error }

func (u unopened) Ping(context.Context) error { return u.err }
func (u unopened) SchemaVersion(context.Context) (int, int, error) {
	return 0, 0, u.err
}
func (u unopened) AnchorCountsByStatus(context.Context) (map[string]int, error) {
	return nil, u.err
}
