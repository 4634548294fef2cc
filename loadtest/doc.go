// Package loadtest drives a running Aartha ledger server over its HTTP API
// with vegeta and reports throughput, latency percentiles and errors.
//
// Scenarios:
//
//   - reads: GET /api/admin/loans and GET /api/admin/loans/{id}, alternating,
//     over the loans already there (a few are created first if there are
//     none).
//   - approvals: POST /api/admin/loans for new loans for the given duration,
//     then POST .../approve for each of them; the two attacks are reported
//     separately.
//   - anchoring: approvals, while the loans' blockchain_status is polled
//     (GET /api/admin/loans?q=<prefix>, 500 a page) from the first approval
//     until every approval record is confirmed (final on the chain) or the
//     anchor timeout ends; time to final is measured from each approve
//     answer to the poll that first saw it confirmed, so it is rounded up to
//     the poll interval. The polling is load too, on the first server.
//
// Limits: the load generator runs wherever it is started, usually on the
// same machine as the server, and competes with it for CPU; numbers from one
// shared machine compare runs, not deployments. Loans are created with ids
// "<prefix>-<n>", so a run needs a prefix no earlier run used. Approving is
// not rate limited; the chain-writing endpoints are, and are not driven here.
package loadtest
