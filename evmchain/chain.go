package evmchain

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/txmgr"
)

// Client is what the chain needs from a node; *evm.Client satisfies it.
type Client interface {
	evm.VerifyBackend
	ChainID(ctx context.Context) (*big.Int, error)
	BlockNumber(ctx context.Context) (uint64, error)
	BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error)
	NonceAt(ctx context.Context, account common.Address, block *big.Int) (uint64, error)
	TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error)
}

var _ Client = (*evm.Client)(nil)

// Config describes one LoanRegistry on one EVM chain.
type Config struct {
	Client   Client
	ChainID  *big.Int       // the chain's id (Client.ChainID)
	Registry common.Address // the LoanRegistry
	// Signer is the anchoring account; zero when the chain is only read.
	Signer common.Address
	// Manager sends the registry calls; nil when the chain is only read
	// (verify, reconcile, rebuild): Send then fails.
	Manager *txmgr.Manager
}

// Chain is ledger.Chain for a LoanRegistry on an EVM chain: records and
// batch roots are registry calls sent through the transaction manager,
// read back from the registry's events.
type Chain struct {
	cfg      Config
	registry *evm.Registry
}

var _ ledger.Chain = (*Chain)(nil)

// New returns the chain cfg describes. It contacts nothing.
func New(cfg Config) (*Chain, error) {
	if cfg.Client == nil || cfg.ChainID == nil {
		return nil, errors.New("evm chain: a client and its chain id are required")
	}
	return &Chain{cfg: cfg, registry: evm.NewRegistry(cfg.Client, cfg.Registry)}, nil
}

// Network implements ledger.Chain: eip155:<chain id>.
func (c *Chain) Network() string { return "eip155:" + c.cfg.ChainID.String() }

// Contract implements ledger.Chain: the LoanRegistry's address.
func (c *Chain) Contract() common.Address { return c.cfg.Registry }

// Target implements ledger.Chain: the LoanRegistry's address in hex.
func (c *Chain) Target() string { return c.cfg.Registry.Hex() }

// Stream implements ledger.Chain: an EVM chain has none.
func (c *Chain) Stream() string { return "" }

// Registry is the LoanRegistry's reader.
func (c *Chain) Registry() *evm.Registry { return c.registry }

// VerifyReceipt implements ledger.Chain.
func (c *Chain) VerifyReceipt(ctx context.Context, r *ledger.Receipt) (*ledger.Verification, error) {
	return evm.VerifyReceipt(ctx, c.cfg.Client, r)
}

// Ping implements ledger.Chain.
func (c *Chain) Ping(ctx context.Context) error {
	if _, err := c.cfg.Client.ChainID(ctx); err != nil {
		return fmt.Errorf("chain does not answer: %w", err)
	}
	return nil
}

// Head is the chain's latest block number.
func (c *Chain) Head(ctx context.Context) (uint64, error) { return c.cfg.Client.BlockNumber(ctx) }

// SignerBalance implements ledger.Chain: the anchoring account's balance.
func (c *Chain) SignerBalance(ctx context.Context) (common.Address, *big.Int, error) {
	bal, err := c.cfg.Client.BalanceAt(ctx, c.cfg.Signer, nil)
	if err != nil {
		return c.cfg.Signer, nil, fmt.Errorf("signer balance: %w", err)
	}
	return c.cfg.Signer, bal, nil
}

// SignerNonce is the anchoring account's nonce in the latest block.
func (c *Chain) SignerNonce(ctx context.Context) (common.Address, uint64, error) {
	n, err := c.cfg.Client.NonceAt(ctx, c.cfg.Signer, nil)
	return c.cfg.Signer, n, err
}

// Unreachable implements ledger.ChainSender: a failure to talk to the node
// (evm.IsConnectionError).
func (c *Chain) Unreachable(err error) bool { return evm.IsConnectionError(err) }

// failedError is a send the transaction manager gave up on for good.
type failedError struct{ reason string }

func (e failedError) Error() string   { return "transaction failed: " + e.reason }
func (e failedError) Permanent() bool { return true }

// permanent marks an error that retrying cannot cure.
type permanent struct{ error }

func (p permanent) Unwrap() error   { return p.error }
func (p permanent) Permanent() bool { return true }

// call is the registry call that anchors req, and a test that picks the
// registry event of that call out of its receipt.
func call(req ledger.SendRequest) (data []byte, match func(evm.Event) bool, err error) {
	switch {
	case req.Record != nil:
		r := req.Record
		if r.Kind == ledger.KindApproved {
			return evm.StoreLoanData(r.LoanKey, r.Commitment, r.Borrower, r.Lender), func(ev evm.Event) bool {
				return ev.Kind == evm.EventLoanStored && common.Hash(ev.Stored.LoanKey) == r.LoanKey
			}, nil
		}
		return evm.MarkRepaidData(r.LoanKey, r.Commitment), func(ev evm.Event) bool {
			return ev.Kind == evm.EventLoanRepaid && common.Hash(ev.Repaid.LoanKey) == r.LoanKey
		}, nil
	case req.Batch != nil:
		b := req.Batch
		return evm.AnchorBatchData(b.Root, uint32(b.LeafCount)), func(ev evm.Event) bool {
			return ev.Kind == evm.EventBatchAnchored && common.Hash(ev.Batch.Root) == b.Root
		}, nil
	}
	return nil, nil, permanent{errors.New("send request " + req.Key + " names neither a record nor a batch")}
}

// Send implements ledger.ChainSender through the transaction manager. A
// send that was already final (a retry after a crash that came between
// finality and its recording) still reports its final step, so the caller
// records it. Each included or final step carries the block, the gas and,
// from the registry's event in the receipt, the log index and the batch
// sequence number.
func (c *Chain) Send(ctx context.Context, req ledger.SendRequest, update func(ledger.SendUpdate) error) error {
	if c.cfg.Manager == nil {
		return permanent{errors.New("this chain is opened read-only: it cannot send")}
	}
	data, match, err := call(req)
	if err != nil {
		return err
	}
	var updateErr error
	finalReported := false
	report := func(status ledger.AnchorStatus, txHash common.Hash, inc *txmgr.Inclusion) {
		if updateErr != nil {
			return
		}
		u := ledger.SendUpdate{Status: status, TxHash: txHash}
		if inc != nil {
			u.TxHash = inc.TxHash
			receipt, err := c.cfg.Client.TransactionReceipt(ctx, inc.TxHash)
			if err != nil {
				updateErr = fmt.Errorf("read receipt of %s: %w", inc.TxHash.Hex(), err)
				return
			}
			if err := c.fromReceipt(&u, receipt, match); err != nil {
				updateErr = err
				return
			}
		}
		updateErr = update(u)
		finalReported = finalReported || (status == ledger.AnchorFinal && updateErr == nil)
	}
	res, err := c.cfg.Manager.Send(ctx, txmgr.Request{Key: req.Key, To: c.cfg.Registry, Data: data}, func(p txmgr.Progress) {
		switch p.Phase {
		case txmgr.PhaseSubmitted:
			report(ledger.AnchorSubmitted, p.TxHash, nil)
		case txmgr.PhaseIncluded:
			report(ledger.AnchorIncluded, p.TxHash, p.Inclusion)
		case txmgr.PhaseFinal:
			report(ledger.AnchorFinal, p.TxHash, p.Inclusion)
		}
		// queued and failed are reported by the result
	})
	switch {
	case errors.Is(err, txmgr.ErrFailed):
		return failedError{reason: res.Reason}
	case err != nil:
		return errors.Join(err, updateErr)
	}
	if !finalReported && res.Inclusion != nil {
		report(ledger.AnchorFinal, res.Inclusion.TxHash, res.Inclusion)
	}
	return updateErr
}

// fromReceipt fills u's block, log, sequence and gas fields from r: the
// log index and batch sequence number are those of the first registry
// event match picks.
func (c *Chain) fromReceipt(u *ledger.SendUpdate, r *types.Receipt, match func(evm.Event) bool) error {
	events, err := c.registry.ReceiptEvents(r)
	if err != nil {
		return err
	}
	u.BlockNumber, u.BlockHash = r.BlockNumber.Uint64(), r.BlockHash
	u.Gas = &ledger.Gas{Used: r.GasUsed, Price: r.EffectiveGasPrice}
	u.LogIndex, u.BatchSeq = 0, 0
	for _, ev := range events {
		if match(ev) {
			u.LogIndex = ev.Log.Index
			if ev.Kind == evm.EventBatchAnchored {
				u.BatchSeq = ev.Batch.Seq
			}
			break
		}
	}
	return nil
}

// WatchFrom implements ledger.ChainWatcher.
func (c *Chain) WatchFrom(ctx context.Context) (uint64, error) {
	if c.cfg.Manager == nil {
		return 0, errors.New("this chain is opened read-only: it watches nothing")
	}
	return c.cfg.Manager.WatchFrom(ctx)
}

// Recheck implements ledger.ChainWatcher through the transaction manager,
// which reopens a lost send and broadcasts its transaction again (same
// nonce).
func (c *Chain) Recheck(ctx context.Context, key string, p ledger.Placement) (bool, string, *ledger.Gas, error) {
	if c.cfg.Manager == nil {
		return false, "", nil, errors.New("this chain is opened read-only: it watches nothing")
	}
	l, err := c.cfg.Manager.Recheck(ctx, key, txmgr.Placement(p))
	return l.Lost, l.Reason, inclusionGas(l.Inclusion), err
}

// Heal implements ledger.ChainWatcher: the manager's nonce-gap repair.
func (c *Chain) Heal(ctx context.Context) ([]ledger.LostSend, error) {
	if c.cfg.Manager == nil {
		return nil, nil
	}
	rep, err := c.cfg.Manager.Heal(ctx)
	var lost []ledger.LostSend
	for key, l := range rep.Lost {
		lost = append(lost, ledger.LostSend{Key: key, Reason: l.Reason, Gas: inclusionGas(l.Inclusion)})
	}
	return lost, err
}

func inclusionGas(inc *txmgr.Inclusion) *ledger.Gas {
	if inc == nil {
		return nil
	}
	return &ledger.Gas{Used: inc.GasUsed, Price: inc.EffectiveGasPrice}
}

// ScanWrites implements ledger.ChainScanner: the registry's LoanStored,
// LoanRepaid and BatchAnchored events from block from to the head.
func (c *Chain) ScanWrites(ctx context.Context, from uint64, fn func(ledger.ScannedWrite) error) (uint64, error) {
	h, err := c.cfg.Client.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("read chain head: %w", err)
	}
	head := h.Number.Uint64()
	if from > head {
		return head, nil
	}
	events, err := c.registry.Events(ctx, evm.EventQuery{From: from, To: head})
	if err != nil {
		return 0, err
	}
	for _, ev := range events {
		w := ledger.ScannedWrite{TxHash: ev.Log.TxHash, BlockNumber: ev.Log.BlockNumber, BlockHash: ev.Log.BlockHash, LogIndex: ev.Log.Index}
		switch ev.Kind {
		case evm.EventLoanStored:
			w.Record = &ledger.ScannedRecord{Key: ledger.RecordKey{LoanKey: ev.Stored.LoanKey, Kind: ledger.KindApproved}, Commitment: ev.Stored.Commitment}
		case evm.EventLoanRepaid:
			w.Record = &ledger.ScannedRecord{Key: ledger.RecordKey{LoanKey: ev.Repaid.LoanKey, Kind: ledger.KindRepaid}, Commitment: ev.Repaid.RepaymentCommitment}
		case evm.EventBatchAnchored:
			w.Batch = &ledger.ScannedBatch{Root: common.Hash(ev.Batch.Root), Seq: ev.Batch.Seq, LeafCount: ev.Batch.LeafCount}
		default:
			continue
		}
		if err := fn(w); err != nil {
			return head, err
		}
	}
	return head, nil
}
