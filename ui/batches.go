package ui

import (
	"math/big"
	"net/http"

	ledger "github.com/aartha/ledger"
)

type batchRow struct {
	B             *ledger.Batch
	Confirmations uint64
	CostWei       *big.Int
}

type batchesPage struct {
	base
	Batches  []batchRow
	Status   string
	Statuses []ledger.AnchorStatus
}

var anchorStatuses = []ledger.AnchorStatus{ledger.AnchorQueued, ledger.AnchorSubmitted, ledger.AnchorIncluded, ledger.AnchorFinal, ledger.AnchorFailed}

// batches lists the newest 100 batches with their root, size, transaction,
// block, confirmations, gas and cost.
func (u *UI) batches(w http.ResponseWriter, r *http.Request, s *session) error {
	if u.cfg.Chain == nil {
		return errChainOff
	}
	p := batchesPage{base: u.base(s, "Batches", "batches"), Status: r.URL.Query().Get("status"), Statuses: anchorStatuses}
	status := ledger.AnchorStatus(p.Status)
	if status != "" && status.ChainStatus() == ledger.ChainNotStored {
		return ledger.Errorf(ledger.EINVALID, "status %q is not a batch status: use queued, submitted, included, final or failed", truncate(p.Status, 40))
	}
	bs, err := u.cfg.Store.Batches(r.Context(), status, 100)
	if err != nil {
		return err
	}
	head, _ := u.cfg.Chain.HeadBlock(r.Context())
	for _, b := range bs {
		p.Batches = append(p.Batches, batchRow{B: b, Confirmations: confirmations(head, b.BlockNumber), CostWei: weiCost(b.GasUsed, b.GasPriceWei)})
	}
	u.render(w, http.StatusOK, "batches", p)
	return nil
}
