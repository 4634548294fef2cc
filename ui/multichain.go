package ui

import "errors"

// ErrNoBalance is what Chain.SignerBalance returns on a chain where the
// anchoring account pays no fees (a MultiChain stream): the dashboard then
// says so instead of warning that the chain did not answer.
var ErrNoBalance = errors.New("the anchoring account pays no fees on this chain: there is no balance to watch")
