package txmgr

import (
	"fmt"
	"math/big"
	"time"
)

// Policy is the decision rules of the transaction manager. The zero value
// of each field means its default (see WithDefaults).
type Policy struct {
	// FeeCap is the most wei per gas ever offered (BLOCKCHAIN_MAX_GAS_PRICE);
	// nil or zero means no cap. When the network asks more, sends wait.
	FeeCap *big.Int
	// GasLimit, if non-zero, is used instead of estimating
	// (BLOCKCHAIN_GAS_LIMIT). A Request's own GasLimit wins over it.
	GasLimit uint64
	// GasHeadroomPercent is added to an estimate. Default 10.
	GasHeadroomPercent uint64
	// Confirmations is how many blocks, counting the including block, make
	// a transaction final (BLOCKCHAIN_CONFIRMATIONS). Default 2.
	Confirmations uint64
	// Finality is the rule for final (BLOCKCHAIN_FINALITY): by our own
	// count of Confirmations (the default), or by the node's finalized tag
	// as well. See docs/finality.md.
	Finality Finality
	// WatchBlocks is how many blocks below the top (the head; under
	// FinalityTag the finalized block) final transactions stay watched for
	// a reorg, at least: the window is never shorter than 3·Confirmations
	// (2· under FinalityTag). Default 128.
	WatchBlocks uint64
	// ResubmitBlocks and ResubmitAfter: an attempt not mined after this
	// many new blocks, or this long, is replaced with higher fees. Defaults
	// 3 blocks and 2 minutes.
	ResubmitBlocks uint64
	ResubmitAfter  time.Duration
	// BumpPercent is how much a replacement raises both fee caps at least.
	// Nodes reject replacements below +10%, so smaller values are raised to
	// 10. Default 15.
	BumpPercent uint64
	// MaxRetries is how many failed tries (before a nonce is assigned) a
	// send gets before it fails (BLOCKCHAIN_MAX_RETRIES). Default 5.
	MaxRetries int
	// RetryDelay is the first backoff delay, doubled per try up to
	// MaxRetryDelay (BLOCKCHAIN_RETRY_DELAY). Defaults 5s and 2 minutes.
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	// RebroadcastAfter: the latest attempt is broadcast again when this
	// long has passed since it was last broadcast, in case a node forgot it.
	// Default 1 minute.
	RebroadcastAfter time.Duration
}

// Finality is the rule that makes an included transaction final.
type Finality string

// The finality rules.
const (
	// FinalityConfirmations: final once Policy.Confirmations blocks deep by
	// our own count, whatever the node's block tags say. It suits every
	// chain, and is the only safe rule on nodes whose finalized tag simply
	// follows the head (development nodes, many L2 RPCs).
	FinalityConfirmations Finality = "confirmations"
	// FinalityTag: final once the node's finalized block has reached the
	// transaction's block, and never before Policy.Confirmations blocks
	// deep. For chains whose finality is real (Ethereum, Polygon PoS);
	// refuse it on a node that reports finalized == latest (see CheckTag).
	FinalityTag Finality = "tag"
)

// ParseFinality reads a BLOCKCHAIN_FINALITY value ("" is the default).
func ParseFinality(s string) (Finality, error) {
	switch f := Finality(s); f {
	case "":
		return FinalityConfirmations, nil
	case FinalityConfirmations, FinalityTag:
		return f, nil
	}
	return "", fmt.Errorf("finality %q is unknown: use confirmations or tag", s)
}

// CheckTag says why a node's finalized tag cannot be trusted, or "" if it
// can: on a chain past its first block the finalized block must lag the
// latest one. A node whose finalized (or safe) tag equals latest calls
// every block final as soon as it is mined, so a reorg would undo what we
// called final.
func CheckTag(latest, finalized uint64) string {
	if latest > 0 && finalized >= latest {
		return fmt.Sprintf("the node reports its finalized block (%d) equal to the latest (%d): its finalized tag follows the head and proves nothing; use BLOCKCHAIN_FINALITY=confirmations on this chain", finalized, latest)
	}
	return ""
}

// WatchFrom is the lowest block whose final transactions are still watched
// for a reorg: WatchBlocks below the head, and at least twice the
// confirmation depth past where a block becomes final (3·Confirmations);
// under the finalized tag, WatchBlocks and at least 2·Confirmations below
// the finalized block.
func WatchFrom(p Policy, head, finalized uint64) uint64 {
	p = p.WithDefaults()
	top, depth := head, max(3*p.Confirmations, p.WatchBlocks)
	if p.Finality == FinalityTag {
		top, depth = min(head, finalized), max(2*p.Confirmations, p.WatchBlocks)
	}
	if top < depth {
		return 0
	}
	return top - depth + 1
}

// WithDefaults returns p with every zero field set to its default.
func (p Policy) WithDefaults() Policy {
	if p.Finality == "" {
		p.Finality = FinalityConfirmations
	}
	if p.WatchBlocks == 0 {
		p.WatchBlocks = 128
	}
	if p.GasHeadroomPercent == 0 {
		p.GasHeadroomPercent = 10
	}
	if p.Confirmations == 0 {
		p.Confirmations = 2
	}
	if p.ResubmitBlocks == 0 {
		p.ResubmitBlocks = 3
	}
	if p.ResubmitAfter == 0 {
		p.ResubmitAfter = 2 * time.Minute
	}
	if p.BumpPercent == 0 {
		p.BumpPercent = 15
	}
	p.BumpPercent = max(p.BumpPercent, 10)
	if p.MaxRetries == 0 {
		p.MaxRetries = 5
	}
	if p.RetryDelay == 0 {
		p.RetryDelay = 5 * time.Second
	}
	if p.MaxRetryDelay == 0 {
		p.MaxRetryDelay = 2 * time.Minute
	}
	if p.RebroadcastAfter == 0 {
		p.RebroadcastAfter = time.Minute
	}
	return p
}

// capped reports whether p has a fee cap.
func (p Policy) capped() bool { return p.FeeCap != nil && p.FeeCap.Sign() > 0 }

// Fees are the EIP-1559 fee fields of one attempt.
type Fees struct {
	TipCap *big.Int // max priority fee per gas
	FeeCap *big.Int // max fee per gas
}

// FeePlan is PlanFees' answer: fees to sign with, or a reason to wait.
type FeePlan struct {
	Fees
	// Wait is true when no acceptable fees exist now; Reason says why.
	Wait   bool
	Reason string
}

// bump returns ceil(x * (100+percent) / 100), at least x+1.
func bump(x *big.Int, percent uint64) *big.Int {
	n := new(big.Int).Mul(x, new(big.Int).SetUint64(100+percent))
	n.Add(n, big.NewInt(99))
	n.Div(n, big.NewInt(100))
	if n.Cmp(x) <= 0 {
		n.Add(x, big.NewInt(1))
	}
	return n
}

func maxBig(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

func minBig(a, b *big.Int) *big.Int {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

// gwei formats wei per gas as gwei for messages.
func gwei(wei *big.Int) string {
	f, _ := new(big.Float).Quo(new(big.Float).SetInt(wei), big.NewFloat(1e9)).Float64()
	return fmt.Sprintf("%.9g gwei", f)
}

// PlanFees decides the fees of the next attempt from the latest base fee
// and the node's suggested tip. For a first attempt (prev nil) it offers
// tip = suggested and feeCap = 2·baseFee + tip, clipped to the cap; it
// waits if baseFee + tip, what the network asks now, exceeds the cap. For a
// replacement it raises both caps by at least p.BumpPercent over prev (as
// nodes require) and to at least what a first attempt would offer; it waits
// if the cap leaves no room for that bump. It never returns fees above
// p.FeeCap.
func PlanFees(p Policy, baseFee, suggestedTip *big.Int, prev *Fees) FeePlan {
	p = p.WithDefaults()
	tip := new(big.Int).Set(suggestedTip)
	feeCap := new(big.Int).Add(new(big.Int).Mul(baseFee, big.NewInt(2)), tip)
	if p.capped() {
		asked := new(big.Int).Add(baseFee, tip)
		if asked.Cmp(p.FeeCap) > 0 {
			return FeePlan{Wait: true, Reason: fmt.Sprintf("network fee %s (base %s + tip %s) is above the cap BLOCKCHAIN_MAX_GAS_PRICE %s; waiting for fees to fall",
				gwei(asked), gwei(baseFee), gwei(tip), gwei(p.FeeCap))}
		}
	}
	if prev != nil {
		minTip, minFeeCap := bump(prev.TipCap, p.BumpPercent), bump(prev.FeeCap, p.BumpPercent)
		tip = maxBig(tip, minTip)
		feeCap = maxBig(feeCap, minFeeCap)
		feeCap = maxBig(feeCap, new(big.Int).Add(baseFee, tip))
		if p.capped() && (minFeeCap.Cmp(p.FeeCap) > 0 || minTip.Cmp(p.FeeCap) > 0) {
			return FeePlan{Wait: true, Reason: fmt.Sprintf("replacing the stuck transaction needs a fee cap of %s, above BLOCKCHAIN_MAX_GAS_PRICE %s; waiting",
				gwei(minFeeCap), gwei(p.FeeCap))}
		}
	}
	if p.capped() {
		feeCap = minBig(feeCap, p.FeeCap)
		tip = minBig(tip, feeCap)
	}
	return FeePlan{Fees: Fees{TipCap: tip, FeeCap: feeCap}}
}

// Backoff is the delay before retry number tries (1-based): RetryDelay
// doubled per earlier try, at most MaxRetryDelay.
func Backoff(p Policy, tries int) time.Duration {
	p = p.WithDefaults()
	d := p.RetryDelay
	for i := 1; i < tries && d < p.MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxRetryDelay)
}

// GiveUp reports whether a send that has failed tries times (before its
// nonce was assigned) should fail for good.
func GiveUp(p Policy, tries int) bool { return tries >= p.WithDefaults().MaxRetries }

// View is what the manager observed about a submitted send in one round.
type View struct {
	Now       time.Time
	Head      uint64   // latest block number
	BaseFee   *big.Int // latest block's base fee
	Tip       *big.Int // node's suggested priority fee
	Finalized uint64   // the node's finalized block number (read under FinalityTag only); 0 if unknown
	// Mined is a canonical receipt of one of the send's attempts, or nil if
	// none of them is in the canonical chain.
	Mined *Inclusion
	// Reverted says the Mined transaction failed (status 0).
	Reverted bool
	// LastBroadcast is when the latest attempt was last broadcast (zero if
	// never by this process).
	LastBroadcast time.Time
}

// Action is what Decide tells the manager to do.
type Action int

// The actions of Decide.
const (
	// ActWait: nothing to do this round (Reason may say why).
	ActWait Action = iota
	// ActIncluded: record the inclusion (phase included); not final yet.
	ActIncluded
	// ActFinal: record the inclusion as final; the send is done.
	ActFinal
	// ActFail: the mined transaction reverted; fail with its reason.
	ActFail
	// ActReorged: the recorded inclusion left the canonical chain; go back
	// to submitted and broadcast the latest attempt again.
	ActReorged
	// ActReplace: sign a replacement with Fees and broadcast it.
	ActReplace
	// ActRebroadcast: broadcast the latest attempt again.
	ActRebroadcast
)

func (a Action) String() string {
	return [...]string{"wait", "included", "final", "fail", "reorged", "replace", "rebroadcast"}[a]
}

// Decision is Decide's answer.
type Decision struct {
	Action Action
	Fees   Fees   // for ActReplace
	Reason string // for ActWait (when waiting on fees) and ActFail
}

// Decide is the transaction manager's state machine for a send that has at
// least one attempt: given its record and what was observed, what to do. It
// is pure: no I/O, time comes from v.Now.
//
//   - mined and reverted → fail (never retried);
//   - mined at confirmations ≥ p.Confirmations (head − block + 1) → final
//     (under FinalityTag the block must also be at or below the finalized
//     block); otherwise included. The node's tags never shorten the count;
//   - not mined although the record says included → reorged (send again);
//   - not mined and never broadcast by this process (a restart) →
//     rebroadcast the recorded transaction before anything else;
//   - not mined, latest attempt older than p.ResubmitBlocks blocks or
//     p.ResubmitAfter → replace with bumped fees (or wait if the cap
//     forbids; a cancel attempt is never replaced by the request);
//   - not mined and not broadcast for p.RebroadcastAfter → rebroadcast;
//   - otherwise wait.
func Decide(p Policy, rec Record, v View) Decision {
	p = p.WithDefaults()
	if v.Mined != nil {
		if v.Reverted {
			return Decision{Action: ActFail, Reason: "reverted on chain"}
		}
		conf := uint64(0)
		if v.Head >= v.Mined.BlockNumber {
			conf = v.Head - v.Mined.BlockNumber + 1
		}
		deep := conf >= p.Confirmations
		if p.Finality == FinalityTag {
			deep = deep && v.Finalized >= v.Mined.BlockNumber
		}
		if deep {
			return Decision{Action: ActFinal}
		}
		return Decision{Action: ActIncluded}
	}
	if rec.Phase == PhaseIncluded {
		return Decision{Action: ActReorged}
	}
	if len(rec.Attempts) == 0 {
		return Decision{Action: ActWait}
	}
	if v.LastBroadcast.IsZero() {
		// Not broadcast by this process yet (a restart): send the recorded
		// transaction before deciding anything new.
		return Decision{Action: ActRebroadcast}
	}
	last := rec.Attempts[len(rec.Attempts)-1]
	due := v.Head >= last.SentBlock+p.ResubmitBlocks || v.Now.Sub(last.SentAt) >= p.ResubmitAfter
	if due && v.BaseFee != nil && v.Tip != nil {
		plan := PlanFees(p, v.BaseFee, v.Tip, &Fees{TipCap: last.TipCap, FeeCap: last.FeeCap})
		if !plan.Wait {
			return Decision{Action: ActReplace, Fees: plan.Fees}
		}
		if v.Now.Sub(v.LastBroadcast) >= p.RebroadcastAfter {
			return Decision{Action: ActRebroadcast, Reason: plan.Reason}
		}
		return Decision{Action: ActWait, Reason: plan.Reason}
	}
	if v.Now.Sub(v.LastBroadcast) >= p.RebroadcastAfter {
		return Decision{Action: ActRebroadcast}
	}
	return Decision{Action: ActWait}
}
