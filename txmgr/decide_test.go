package txmgr_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/txmgr"
)

func gw(n float64) *big.Int {
	v, _ := new(big.Float).Mul(big.NewFloat(n), big.NewFloat(1e9)).Int(nil)
	return v
}

func TestPlanFees(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		cap          *big.Int
		base, tip    *big.Int
		prev         *txmgr.Fees
		wantWait     bool
		wantTip, fee *big.Int
	}{
		"first, no cap":              {base: gw(10), tip: gw(1), wantTip: gw(1), fee: gw(21)},
		"first, cap clips fee cap":   {cap: gw(15), base: gw(10), tip: gw(1), wantTip: gw(1), fee: gw(15)},
		"first, exactly at cap":      {cap: gw(11), base: gw(10), tip: gw(1), wantTip: gw(1), fee: gw(11)},
		"first, base+tip above cap":  {cap: gw(10), base: gw(10), tip: gw(1), wantWait: true},
		"first, base above cap":      {cap: gw(5), base: gw(10), tip: gw(1), wantWait: true},
		"replace bumps both by 15%":  {base: gw(1), tip: gw(1), prev: &txmgr.Fees{TipCap: gw(2), FeeCap: gw(20)}, wantTip: gw(2.3), fee: gw(23)},
		"replace follows the market": {base: gw(20), tip: gw(5), prev: &txmgr.Fees{TipCap: gw(2), FeeCap: gw(20)}, wantTip: gw(5), fee: gw(45)},
		"replace clipped to cap":     {cap: gw(30), base: gw(20), tip: gw(5), prev: &txmgr.Fees{TipCap: gw(2), FeeCap: gw(20)}, wantTip: gw(5), fee: gw(30)},
		"replace impossible at cap":  {cap: gw(22), base: gw(1), tip: gw(1), prev: &txmgr.Fees{TipCap: gw(2), FeeCap: gw(20)}, wantWait: true},
		"replace of tiny fees":       {base: big.NewInt(0), tip: big.NewInt(1), prev: &txmgr.Fees{TipCap: big.NewInt(1), FeeCap: big.NewInt(1)}, wantTip: big.NewInt(2), fee: big.NewInt(2)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			plan := txmgr.PlanFees(txmgr.Policy{FeeCap: tc.cap}, tc.base, tc.tip, tc.prev)
			require.Equal(t, tc.wantWait, plan.Wait, plan.Reason)
			if tc.wantWait {
				require.Contains(t, plan.Reason, "BLOCKCHAIN_MAX_GAS_PRICE")
				return
			}
			require.Zero(t, tc.wantTip.Cmp(plan.TipCap), "tip %s", plan.TipCap)
			require.Zero(t, tc.fee.Cmp(plan.FeeCap), "fee cap %s", plan.FeeCap)
			if tc.cap != nil {
				require.LessOrEqual(t, plan.FeeCap.Cmp(tc.cap), 0, "never above the cap")
			}
			if tc.prev != nil { // nodes demand +10% on both
				require.GreaterOrEqual(t, new(big.Int).Mul(plan.TipCap, big.NewInt(10)).Cmp(new(big.Int).Mul(tc.prev.TipCap, big.NewInt(11))), 0)
				require.GreaterOrEqual(t, new(big.Int).Mul(plan.FeeCap, big.NewInt(10)).Cmp(new(big.Int).Mul(tc.prev.FeeCap, big.NewInt(11))), 0)
			}
		})
	}
}

func TestBackoffAndGiveUp(t *testing.T) {
	t.Parallel()
	p := txmgr.Policy{RetryDelay: time.Second, MaxRetryDelay: 5 * time.Second, MaxRetries: 3}
	require.Equal(t, time.Second, txmgr.Backoff(p, 1))
	require.Equal(t, 2*time.Second, txmgr.Backoff(p, 2))
	require.Equal(t, 4*time.Second, txmgr.Backoff(p, 3))
	require.Equal(t, 5*time.Second, txmgr.Backoff(p, 4))
	require.Equal(t, 5*time.Second, txmgr.Backoff(p, 60))
	require.False(t, txmgr.GiveUp(p, 2))
	require.True(t, txmgr.GiveUp(p, 3))
	require.EqualValues(t, 10, txmgr.Policy{BumpPercent: 3}.WithDefaults().BumpPercent, "bumps below 10% are raised to 10")
}

func TestDecide(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_800_000_000, 0)
	attempt := txmgr.Attempt{Hash: common.HexToHash("0xa1"), TipCap: gw(1), FeeCap: gw(10), SentAt: t0, SentBlock: 100}
	submitted := txmgr.Record{Phase: txmgr.PhaseSubmitted, Attempts: []txmgr.Attempt{attempt}, HasNonce: true}
	included := submitted
	included.Phase = txmgr.PhaseIncluded
	mined := &txmgr.Inclusion{TxHash: attempt.Hash, BlockNumber: 101, BlockHash: common.HexToHash("0xb1")}
	policy := txmgr.Policy{Confirmations: 3, ResubmitBlocks: 5, ResubmitAfter: time.Minute, RebroadcastAfter: 30 * time.Second}
	view := func(mod func(*txmgr.View)) txmgr.View {
		v := txmgr.View{Now: t0.Add(time.Second), Head: 101, BaseFee: gw(4), Tip: gw(1), LastBroadcast: t0}
		mod(&v)
		return v
	}
	for name, tc := range map[string]struct {
		policy txmgr.Policy
		rec    txmgr.Record
		view   txmgr.View
		want   txmgr.Action
	}{
		"just sent: wait":                 {rec: submitted, view: view(func(v *txmgr.View) {}), want: txmgr.ActWait},
		"restart: rebroadcast first":      {rec: submitted, view: view(func(v *txmgr.View) { v.LastBroadcast = time.Time{}; v.Head = 200 }), want: txmgr.ActRebroadcast},
		"mined, 1 deep: included":         {rec: submitted, view: view(func(v *txmgr.View) { v.Mined = mined }), want: txmgr.ActIncluded},
		"mined, 3 deep: final":            {rec: included, view: view(func(v *txmgr.View) { v.Mined = mined; v.Head = 103 }), want: txmgr.ActFinal},
		"mined, 2 deep: not yet final":    {rec: included, view: view(func(v *txmgr.View) { v.Mined = mined; v.Head = 102 }), want: txmgr.ActIncluded},
		"lying tag ignored by default":    {rec: included, view: view(func(v *txmgr.View) { v.Mined = mined; v.Head = 102; v.Finalized = 102 }), want: txmgr.ActIncluded},
		"tag mode: finalized and deep":    {policy: txmgr.Policy{Finality: txmgr.FinalityTag}, rec: included, view: view(func(v *txmgr.View) { v.Mined = mined; v.Head = 103; v.Finalized = 101 }), want: txmgr.ActFinal},
		"tag mode: deep, not finalized":   {policy: txmgr.Policy{Finality: txmgr.FinalityTag}, rec: included, view: view(func(v *txmgr.View) { v.Mined = mined; v.Head = 110; v.Finalized = 100 }), want: txmgr.ActIncluded},
		"tag mode: finalized, too young":  {policy: txmgr.Policy{Finality: txmgr.FinalityTag}, rec: included, view: view(func(v *txmgr.View) { v.Mined = mined; v.Head = 102; v.Finalized = 102 }), want: txmgr.ActIncluded},
		"reverted: fail":                  {rec: submitted, view: view(func(v *txmgr.View) { v.Mined = mined; v.Reverted = true; v.Head = 500 }), want: txmgr.ActFail},
		"included then gone: reorged":     {rec: included, view: view(func(v *txmgr.View) {}), want: txmgr.ActReorged},
		"5 blocks unmined: replace":       {rec: submitted, view: view(func(v *txmgr.View) { v.Head = 105 }), want: txmgr.ActReplace},
		"a minute unmined: replace":       {rec: submitted, view: view(func(v *txmgr.View) { v.Now = t0.Add(time.Minute) }), want: txmgr.ActReplace},
		"stuck but cap forbids: wait":     {policy: txmgr.Policy{FeeCap: gw(10.5)}, rec: submitted, view: view(func(v *txmgr.View) { v.Head = 105; v.BaseFee = gw(1) }), want: txmgr.ActWait},
		"stuck, cap forbids, rebroadcast": {policy: txmgr.Policy{FeeCap: gw(10.5)}, rec: submitted, view: view(func(v *txmgr.View) { v.Head = 105; v.BaseFee = gw(1); v.Now = t0.Add(40 * time.Second) }), want: txmgr.ActRebroadcast},
		"quiet for long: rebroadcast":     {rec: submitted, view: view(func(v *txmgr.View) { v.Now = t0.Add(31 * time.Second) }), want: txmgr.ActRebroadcast},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := policy
			if tc.policy.FeeCap != nil {
				p.FeeCap = tc.policy.FeeCap
			}
			if tc.policy.Finality != "" {
				p.Finality = tc.policy.Finality
			}
			d := txmgr.Decide(p, tc.rec, tc.view)
			require.Equal(t, tc.want, d.Action, "got %s (%s)", d.Action, d.Reason)
			if d.Action == txmgr.ActReplace {
				require.Positive(t, d.Fees.FeeCap.Cmp(attempt.FeeCap))
				require.Positive(t, d.Fees.TipCap.Cmp(attempt.TipCap))
			}
		})
	}
}

func TestFinalityRule(t *testing.T) {
	t.Parallel()
	f, err := txmgr.ParseFinality("")
	require.NoError(t, err)
	require.Equal(t, txmgr.FinalityConfirmations, f, "confirmations is the default")
	f, err = txmgr.ParseFinality("tag")
	require.NoError(t, err)
	require.Equal(t, txmgr.FinalityTag, f)
	_, err = txmgr.ParseFinality("finalized")
	require.ErrorContains(t, err, "use confirmations or tag")

	require.Contains(t, txmgr.CheckTag(120, 120), "equal to the latest", "a tag that follows the head is refused")
	require.Contains(t, txmgr.CheckTag(120, 121), "equal to the latest")
	require.Empty(t, txmgr.CheckTag(120, 56), "a lagging finalized block is what real finality looks like")
	require.Empty(t, txmgr.CheckTag(0, 0), "a chain with no blocks yet proves nothing either way")

	conf := txmgr.Policy{Confirmations: 5, WatchBlocks: 10}
	require.EqualValues(t, 86, txmgr.WatchFrom(conf, 100, 100), "three confirmation depths below the head")
	require.Zero(t, txmgr.WatchFrom(conf, 10, 0), "a young chain is watched from genesis")
	require.EqualValues(t, 873, txmgr.WatchFrom(txmgr.Policy{Confirmations: 5}, 1000, 0), "128 blocks by default")
	tag := txmgr.Policy{Confirmations: 5, Finality: txmgr.FinalityTag, WatchBlocks: 4}
	require.EqualValues(t, 51, txmgr.WatchFrom(tag, 100, 60), "two confirmation depths below the finalized block")
}
