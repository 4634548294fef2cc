package ui

import ledger "github.com/aartha/ledger"

// StreamChain is implemented by a Chain that anchors in a MultiChain
// stream: Stream names it ("" when anchoring goes to an EVM registry), and
// the page footer then says stream and publisher instead of registry.
type StreamChain interface {
	Stream() string
}

// ErrNoBalance is what Chain.SignerBalance returns on a chain where the
// anchoring account pays no fees (a MultiChain stream): the dashboard then
// says so instead of warning that the chain did not answer. It is
// ledger.ErrNoBalance, which every ledger.Chain returns.
var ErrNoBalance = ledger.ErrNoBalance
