// Package ledger is the domain of Aartha ledger: loans and their lifecycle,
// the fingerprints that are anchored on a blockchain, the audit trail, the
// application error codes, and the interfaces the service needs from its
// store.
//
// The package has no I/O of its own. Storage lives in package store, chain
// access in evm and its siblings, HTTP in package http, and cmd/aartha wires
// them together. Fingerprint formats (docs/fingerprint.md) are stable: third parties
// reimplement them from the golden vectors in testdata/fingerprints.json.
package ledger
