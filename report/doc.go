// Package report builds the monthly compliance report (`aartha report`)
// from the store and renders it as CSV, JSON, HTML or PDF.
//
// Build reads one calendar month (UTC, [first instant, first instant of the
// next month)) through a handful of aggregate queries (Source, implemented
// by *store.DB): loans created, approved, repaid, rejected and defaulted;
// records whose anchor became final or failed, by mode; chain writes —
// direct-mode transactions and batches — that succeeded (became final) or
// failed, with their gas and fees; the reconciliation runs; the audit trail's
// hash chain; and the security-relevant audit rows (SecurityActions).
//
// Money is never a float: fees are summed as big.Int wei from gas used ×
// effective gas price (the store groups writes by gas price so the products
// are exact), shown in wei and as native-unit decimal text; a fiat rate is a
// big.Rat and fiat amounts are rounded half away from zero to the
// currency's minor units. Percentages are rounded to two decimals.
//
// Limits, honestly:
//   - A write's month is when it became final (or, failed, when it last
//     changed), not when it was sent.
//   - Gas of a direct-mode write comes from the transaction journal
//     (tx_sends); anchors restored from the chain by `aartha rebuild` have
//     none and are counted in Fees.WritesWithoutGas. A failed write's gas
//     counts when it was mined (reverted); one never mined spent nothing.
//   - The audit chain check covers the whole trail as it is when the report
//     is made, not the trail as it was at the end of the month.
//   - Sign-ins are written to the service log, not to the audit trail, so
//     they are not in the report; SecurityActions lists auth.* actions so
//     that they appear once they are recorded.
//   - Security events are listed up to MaxEvents (newest kept); the counts
//     are complete.
//   - The PDF uses the standard Type 1 fonts without embedding: text is
//     printable ASCII (other characters become '?').
package report
