package main

import (
	"github.com/aartha/ledger/anchoring"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/ui"
)

// The running chain says when a block was made, for the receipt
// certificate's block time.
var (
	_ ui.BlockTimer         = (*anchoring.Running)(nil)
	_ aarthahttp.BlockTimer = (*anchoring.Running)(nil)
)
