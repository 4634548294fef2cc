// Package docs holds the project's documentation: the specification of
// the stable formats (fingerprint.md, receipt.md, contract.md,
// chainlog.md, multichain.md) and the manuals. It has no code; its test
// checks that every relative link in README.md and docs/*.md resolves.
package docs
