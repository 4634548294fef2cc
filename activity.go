package ledger

// Activity rows: what happened in a period of time, aggregated by the store
// for the monthly compliance report (package report). Days are UTC dates
// written YYYY-MM-DD. Amounts are decimal strings: sums of money can pass
// 2^63, and money is never a float.

// LoanActivity counts the loans that took one step in the period, in one
// currency.
type LoanActivity struct {
	// Event is created, approved, repaid, rejected or defaulted.
	Event    string
	Currency string
	Count    int
	// AmountMinor is the sum in minor units: principal, or the amount repaid
	// for repaid.
	AmountMinor string
}

// The loan events of LoanActivity.
const (
	LoanEventCreated   = "created"
	LoanEventApproved  = "approved"
	LoanEventRepaid    = "repaid"
	LoanEventRejected  = "rejected"
	LoanEventDefaulted = "defaulted"
)

// AnchorActivity counts the anchors of one mode and kind that became final
// (by their final time) or failed (by their last change) on one day.
type AnchorActivity struct {
	Day    string
	Mode   string
	Kind   Kind
	Status AnchorStatus // AnchorFinal or AnchorFailed
	Count  int
}

// WriteActivity counts the chain writes of one mode (a direct-mode anchor's
// transaction, or a batch's) that became final or failed on one day, at one
// gas price. Rows with different gas prices are not merged, so that the
// cost (gas × price) can be summed exactly outside the database.
type WriteActivity struct {
	Day     string
	Mode    string
	Status  AnchorStatus // AnchorFinal or AnchorFailed
	Writes  int
	Records int // records carried: 1 per direct write, the leaf count of a batch
	// WithGas counts the writes whose gas used is known; GasUsed is their
	// sum.
	WithGas int
	GasUsed uint64
	// GasPriceWei is the effective gas price of these writes, decimal wei;
	// empty when unknown.
	GasPriceWei string
}

// ActionCount is how many audit rows of one action were written in a period.
type ActionCount struct {
	Action string
	Count  int
}

// ErasureCount is how many loans one actor erased in a period; the
// retention job erases as the system actor.
type ErasureCount struct {
	ErasedBy string
	Count    int
}
