package metrics

import (
	"math/big"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// txSpend is aartha_gas_used_total and aartha_fees_paid_wei_total: what
// final anchoring transactions cost. A transaction is counted once, when it
// becomes final, and taken back if a reorg removes it afterwards, so the
// totals are what the chain holds. Taking back makes the series fall, which
// PromQL's rate() reads as a counter reset; that is rare (an incident) and
// keeps the totals right, which is what an operator reconciles against.
type txSpend struct {
	gasDesc, feeDesc *prometheus.Desc

	mu   sync.Mutex
	gas  big.Int
	fees big.Int
}

var _ prometheus.Collector = (*txSpend)(nil)

func newTxSpend() *txSpend {
	return &txSpend{
		gasDesc: prometheus.NewDesc("aartha_gas_used_total",
			"Gas used by final anchoring transactions (each counted once; taken back if a reorg removes it).", nil, nil),
		feeDesc: prometheus.NewDesc("aartha_fees_paid_wei_total",
			"Fees paid for final anchoring transactions, in wei (gas used × effective gas price; taken back if a reorg removes it).", nil, nil),
	}
}

// add adds (sign 1) or takes back (sign -1) one transaction's cost.
func (s *txSpend) add(gasUsed uint64, price *big.Int, sign int64) {
	gas := new(big.Int).SetUint64(gasUsed)
	fee := new(big.Int)
	if price != nil {
		fee.Mul(gas, price)
	}
	sg := big.NewInt(sign)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gas.Add(&s.gas, gas.Mul(gas, sg))
	s.fees.Add(&s.fees, fee.Mul(fee, sg))
}

// Describe implements prometheus.Collector.
func (s *txSpend) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.gasDesc
	ch <- s.feeDesc
}

// Collect implements prometheus.Collector.
func (s *txSpend) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	gas, _ := new(big.Float).SetInt(&s.gas).Float64()
	fees, _ := new(big.Float).SetInt(&s.fees).Float64()
	s.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(s.gasDesc, prometheus.CounterValue, gas)
	ch <- prometheus.MustNewConstMetric(s.feeDesc, prometheus.CounterValue, fees)
}
