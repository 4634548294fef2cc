package reconcile

import (
	"fmt"
	"strings"

	ledger "github.com/aartha/ledger"
)

// ForeignItem is a write in our format that an account not ours made (a
// MultiChain stream item).
type ForeignItem struct {
	Write
	Keys       []string
	Publishers []string
}

// foreignFindings lists the foreign items of idx in run, as foreign: they
// are not problems.
func foreignFindings(idx *ChainIndex, run *ledger.ReconcileRun) {
	for _, f := range idx.Foreign {
		run.AddFinding(ledger.ReconcileFinding{
			Outcome: ledger.OutcomeForeign, TxHash: f.TxHash.Hex(), BlockNumber: f.BlockNumber,
			Detail: fmt.Sprintf("stream item under %s published by %s, not by one of our publishers: ignored",
				strings.Join(f.Keys, ", "), strings.Join(f.Publishers, ", ")),
		})
	}
}
