// Package verifier holds the one-file offline receipt verifier: verify.html,
// a self-contained page that checks a proof receipt in the browser against
// a chain JSON-RPC URL the user types, with no request to Aartha. It is
// built from the JavaScript in src/ (keccak256 from @noble/hashes, bundled
// by esbuild, both pinned by package-lock.json) by `node build.mjs`; the
// built file is committed and embedded here, and CI rebuilds it and fails
// if it differs.
//
// Limits: the page checks EVM receipts (docs/receipt.md §3 and §4); a
// MultiChain receipt gets the offline checks only. The RPC node must answer
// the browser's CORS preflight (most public endpoints do; the embedded
// development chain does).
package verifier

import (
	_ "embed"
	"slices"
)

//go:embed verify.html
var page []byte

// Page returns a copy of verify.html.
func Page() []byte { return slices.Clone(page) }
