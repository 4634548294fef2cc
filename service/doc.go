// Package service assembles the running service from its configuration:
// the store (opened, its schema checked or created), the audit sealer, the
// anchoring side, metrics, the admin API and UI, and the HTTP server; runs
// them until told to stop; and shuts them down in the order that loses
// nothing. `aartha serve` is a call to Serve; the other commands use its
// OpenStore and StartAnchoring.
package service
