package http

import (
	"context"
	"math/big"
	nethttp "net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// maxStoreWait bounds the ?wait= of POST .../blockchain/store.
const maxStoreWait = 30 * time.Second

// anchorView is one record's way to the chain as the API shows it.
type anchorView struct {
	Record           string              `json:"record"` // approved or repaid
	Mode             string              `json:"mode"`   // direct or batch
	AnchorStatus     ledger.AnchorStatus `json:"anchor_status"`
	BlockchainStatus ledger.ChainStatus  `json:"blockchain_status"`
	TransactionHash  string              `json:"transaction_hash,omitempty"`
	BlockNumber      uint64              `json:"block_number,omitempty"`
	BlockHash        string              `json:"block_hash,omitempty"`
	BatchID          int64               `json:"batch_id,omitempty"`
	Attempts         int                 `json:"attempts"`
	LastError        string              `json:"last_error,omitempty"`
	ExpectedSendBy   *time.Time          `json:"expected_send_by,omitempty"` // batch mode, while queued
	ExplorerURL      string              `json:"explorer_url,omitempty"`
	GasUsed          uint64              `json:"gas_used,omitempty"`
	GasPriceWei      string              `json:"gas_price_wei,omitempty"`
	TotalCostWei     string              `json:"total_cost_wei,omitempty"`
	Network          string              `json:"network,omitempty"`
	Contract         string              `json:"contract,omitempty"`
	UpdatedAt        time.Time           `json:"updated_at"`
}

func (a *API) viewAnchor(ctx context.Context, x *ledger.Anchor) anchorView {
	v := anchorView{
		Record: x.Kind.String(), Mode: x.Mode, AnchorStatus: x.Status, BlockchainStatus: x.Status.ChainStatus(),
		BatchID: x.BatchID, Attempts: x.Attempts, LastError: x.LastError, BlockNumber: x.BlockNumber, UpdatedAt: x.UpdatedAt,
	}
	if x.TxHash != (common.Hash{}) {
		v.TransactionHash = x.TxHash.Hex()
		if a.cfg.ExplorerURL != "" {
			v.ExplorerURL = a.cfg.ExplorerURL + "/tx/" + v.TransactionHash
		}
	}
	if x.BlockHash != (common.Hash{}) {
		v.BlockHash = x.BlockHash.Hex()
	}
	if x.Mode == ledger.ModeBatch && x.Status == ledger.AnchorQueued && x.BatchID == 0 {
		t := x.UpdatedAt.Add(a.cfg.BatchWindow)
		v.ExpectedSendBy = &t
	}
	if a.cfg.Chain != nil {
		v.Network, v.Contract = a.cfg.Chain.Network(), a.cfg.Chain.Contract().Hex()
	}
	switch {
	case x.BatchID != 0:
		if b, err := a.cfg.Store.Batch(ctx, x.BatchID); err == nil && b.GasUsed > 0 {
			v.setCost(b.GasUsed, b.GasPriceWei)
		}
	case x.Mode == ledger.ModeDirect && x.TxHash != (common.Hash{}) && x.BlockNumber > 0:
		// The direct anchor's own transaction, as the journal recorded it
		// when mined; unknown (omitted) otherwise.
		if gas, price, err := a.cfg.Store.DirectAnchorCost(ctx, x.ID, x.TxHash); err == nil && gas > 0 {
			v.setCost(gas, price)
		}
	}
	return v
}

// setCost sets the gas used, the effective gas price (decimal wei, may be
// empty) and, when both are known, their product.
func (v *anchorView) setCost(gasUsed uint64, gasPriceWei string) {
	v.GasUsed, v.GasPriceWei = gasUsed, gasPriceWei
	if p, ok := new(big.Int).SetString(gasPriceWei, 10); ok {
		v.TotalCostWei = new(big.Int).Mul(p, new(big.Int).SetUint64(gasUsed)).String()
	}
}

func (a *API) storeOnChain(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := loanID(r)
	if err != nil {
		return err
	}
	if a.cfg.Chain == nil {
		return errChainOff
	}
	wait, err := waitParam(r)
	if err != nil {
		return err
	}
	anchor, queued, err := a.cfg.Loans.Anchor(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	a.logAction(r, ledger.ActionLoanAnchor, id, "queued", queued, "network", a.cfg.Chain.Network(),
		"contract", a.cfg.Chain.Contract().Hex(), "anchor_status", anchor.Status)
	if wait > 0 && anchor.TxHash == (common.Hash{}) {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		anchor = a.waitForTx(ctx, id, anchor)
	}
	v := a.viewAnchor(r.Context(), anchor)
	body := map[string]any{"loan_id": id, "queued_now": queued, "anchor": v, "transaction_hash": v.TransactionHash}
	switch {
	case v.TransactionHash != "":
		body["message"] = "the approval record was sent to the chain in transaction " + v.TransactionHash
	case v.ExpectedSendBy != nil:
		body["message"] = "the approval record is queued for the next batch, which goes by " + v.ExpectedSendBy.UTC().Format(time.RFC3339)
	case anchor.Status == ledger.AnchorQueued:
		body["message"] = "the approval record is queued; its transaction will be sent shortly"
	default:
		body["message"] = "the approval record's anchor is " + string(anchor.Status)
	}
	status := nethttp.StatusAccepted
	if anchor.Status == ledger.AnchorFinal {
		status = nethttp.StatusOK
	}
	writeJSONStatus(w, status, body)
	return nil
}

// waitForTx polls the approval anchor until it has a transaction, has
// failed, or ctx ends, and returns the latest state seen.
func (a *API) waitForTx(ctx context.Context, id string, last *ledger.Anchor) *ledger.Anchor {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return last
		case <-t.C:
		}
		x, err := ledger.AnchorOf(ctx, a.cfg.Store, id, ledger.KindApproved)
		if err != nil {
			return last
		}
		last = x
		if x.TxHash != (common.Hash{}) || x.Status == ledger.AnchorFailed {
			return x
		}
	}
}

func waitParam(r *nethttp.Request) (time.Duration, error) {
	s := r.URL.Query().Get("wait")
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > maxStoreWait {
		return 0, ledger.Errorf(ledger.EINVALID, "wait %q must be a duration from 0s to %s, e.g. 5s", truncate(s, 20), maxStoreWait)
	}
	return d, nil
}

func (a *API) chainStatus(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := loanID(r)
	if err != nil {
		return err
	}
	l, err := a.cfg.Store.Loan(r.Context(), id)
	if err != nil {
		return err
	}
	anchors, err := a.cfg.Store.Anchors(r.Context(), ledger.AnchorFilter{LoanID: id})
	if err != nil {
		return err
	}
	body := map[string]any{
		"loan_id": id, "status": l.Status, "anchoring": a.cfg.Chain != nil,
		"blockchain_status": l.BlockchainStatus, "blockchain_tx_hash": l.BlockchainTxHash,
		"repayment_blockchain_status": l.RepaymentBlockchainStatus, "repayment_blockchain_tx_hash": l.RepaymentBlockchainTxHash,
	}
	for _, x := range anchors {
		body[x.Kind.String()] = a.viewAnchor(r.Context(), x)
	}
	writeJSONStatus(w, nethttp.StatusOK, body)
	return nil
}

// recordParam reads ?record=approved|repaid (default approved).
func recordParam(r *nethttp.Request) (ledger.Kind, error) {
	switch s := r.URL.Query().Get("record"); s {
	case "", "approved", "approval":
		return ledger.KindApproved, nil
	case "repaid", "repayment":
		return ledger.KindRepaid, nil
	default:
		return 0, ledger.Errorf(ledger.EINVALID, "record %q is not a record kind: use approved or repaid", truncate(s, 20))
	}
}

func (a *API) loanReceipt(r *nethttp.Request) (*ledger.Receipt, error) {
	id, err := loanID(r)
	if err != nil {
		return nil, err
	}
	if a.cfg.Chain == nil {
		return nil, errChainOff
	}
	kind, err := recordParam(r)
	if err != nil {
		return nil, err
	}
	return ledger.ReceiptFor(r.Context(), a.cfg.Store, id, kind, a.cfg.Chain.Network(), a.cfg.Chain.Contract())
}

// verificationView is the answer of both verify endpoints.
type verificationView struct {
	Verified        bool           `json:"verified"`
	LoanID          string         `json:"loan_id"`
	Record          string         `json:"record"`
	Mode            string         `json:"mode"`
	Network         string         `json:"network"`
	Contract        string         `json:"contract"`
	TransactionHash string         `json:"transaction_hash"`
	BlockNumber     uint64         `json:"block_number"`
	BlockHash       string         `json:"block_hash"`
	Confirmations   uint64         `json:"confirmations"`
	Checks          []ledger.Check `json:"checks"`
}

func (a *API) verify(ctx context.Context, rc *ledger.Receipt) (*verificationView, error) {
	v, err := a.cfg.Chain.VerifyReceipt(ctx, rc)
	if err != nil {
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "the chain could not be asked: %v", err)
	}
	return &verificationView{
		Verified: v.Verified, LoanID: rc.LoanID, Record: rc.Kind.String(), Mode: rc.Mode, Network: rc.Chain,
		Contract: rc.Contract.Hex(), TransactionHash: rc.TxHash.Hex(), BlockNumber: rc.BlockNumber,
		BlockHash: rc.BlockHash.Hex(), Confirmations: v.Confirmations, Checks: v.Checks,
	}, nil
}

func (a *API) verifyLoan(w nethttp.ResponseWriter, r *nethttp.Request) error {
	rc, err := a.loanReceipt(r)
	if err != nil {
		return err
	}
	v, err := a.verify(r.Context(), rc)
	if err != nil {
		return err
	}
	writeJSONStatus(w, nethttp.StatusOK, v)
	return nil
}

func (a *API) receipt(w nethttp.ResponseWriter, r *nethttp.Request) error {
	rc, err := a.loanReceipt(r)
	if err != nil {
		return err
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
	case "pdf":
		return a.writeCertificate(w, r, rc)
	default:
		return ledger.Errorf(ledger.EINVALID, "format %q is not a receipt format: use json or pdf", truncate(f, 20))
	}
	writeJSONStatus(w, nethttp.StatusOK, rc)
	return nil
}

func (a *API) markRepaid(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := loanID(r)
	if err != nil {
		return err
	}
	var q repaidRequest
	if err := readJSONBody(r, a.cfg.MaxBodyBytes, &q); err != nil {
		return err
	}
	l, err := a.cfg.Loans.MarkRepaid(r.Context(), actor(r), id, q.AmountRepaid)
	if err != nil {
		return err
	}
	attrs := []any{"amount_repaid", q.AmountRepaid}
	if a.cfg.Chain != nil {
		attrs = append(attrs, "network", a.cfg.Chain.Network(), "contract", a.cfg.Chain.Contract().Hex())
	}
	a.logAction(r, ledger.ActionLoanRepaid, id, attrs...)
	writeJSONStatus(w, nethttp.StatusOK, viewLoan(l))
	return nil
}

// verifyReceipt is the public POST /api/verify: it checks a receipt
// against the chain with no login and no database access.
func (a *API) verifyReceipt(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if a.cfg.Chain == nil {
		return errChainOff
	}
	var rc ledger.Receipt
	if err := readJSONBody(r, a.cfg.MaxBodyBytes, &rc); err != nil {
		return err
	}
	v, err := a.verify(r.Context(), &rc)
	if err != nil {
		return err
	}
	writeJSONStatus(w, nethttp.StatusOK, v)
	return nil
}
