package anchoring

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
)

// Anchoring the audit trail's chain head (ledger.AuditCheckpoint): every
// AARTHA_AUDIT_ANCHOR_INTERVAL the sender takes a checkpoint of the head
// (if rows were sealed since the last one) and writes it to the chain as a
// direct record under the reserved id aartha.audit/<n>, through the same
// Chain as loans. Checkpoints requested by `aartha audit anchor` (a row
// queued in the store) are sent on the next poll. Only the replica that
// holds the sender lock sends, like the worker.

// AuditCheckpointStore is what the audit anchorer reads and writes;
// *store.DB satisfies it.
type AuditCheckpointStore interface {
	TakeAuditCheckpoint(ctx context.Context, now time.Time, salt []byte) (*ledger.AuditCheckpoint, bool, error)
	PendingAuditCheckpoints(ctx context.Context) ([]*ledger.AuditCheckpoint, error)
	RecordAuditCheckpointProgress(ctx context.Context, seq int64, chain string, contract common.Address, u ledger.SendUpdate) error
	FailAuditCheckpoint(ctx context.Context, seq int64, reason string) error
}

// auditChain is the part of ledger.Chain the audit anchorer uses.
type auditChain interface {
	ledger.ChainSender
	Network() string
	Contract() common.Address
}

// auditPoll is how often the anchorer looks for requested checkpoints.
const auditPoll = 2 * time.Second

// AuditAnchorer takes checkpoints of the audit chain head and sends them.
type AuditAnchorer struct {
	Store AuditCheckpointStore
	Chain auditChain
	// Interval between checkpoints taken by Start's loop; 0: none (only
	// requested ones are sent).
	Interval time.Duration
	// Sending reports whether this process may send now (the sender
	// lock); nil: always.
	Sending func() bool
	Log     *slog.Logger
	Now     func() time.Time // nil: time.Now
	Rand    io.Reader        // salts; nil: crypto/rand

	sendMu sync.Mutex // one pass of SendPending at a time
	cancel context.CancelFunc
	done   chan struct{}
}

func (a *AuditAnchorer) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Checkpoint takes a checkpoint of the head now (or finds the one that
// covers it) and sends every pending checkpoint; it returns the
// checkpoint as it stands afterwards.
func (a *AuditAnchorer) Checkpoint(ctx context.Context) (*ledger.AuditCheckpoint, error) {
	r := a.Rand
	if r == nil {
		r = rand.Reader
	}
	salt, err := ledger.NewSalt(r)
	if err != nil {
		return nil, err
	}
	cp, _, err := a.Store.TakeAuditCheckpoint(ctx, a.now(), salt)
	if err != nil {
		return nil, err
	}
	sent, err := a.SendPending(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range sent {
		if s.Seq == cp.Seq {
			return s, nil
		}
	}
	return cp, nil
}

// SendPending sends every checkpoint not yet final, oldest first, each to
// finality, and returns them as they ended. A checkpoint the chain refuses
// for good is marked failed (the next one covers the head again); one the
// chain could not be reached for stays pending and is an error.
func (a *AuditAnchorer) SendPending(ctx context.Context) ([]*ledger.AuditCheckpoint, error) {
	a.sendMu.Lock()
	defer a.sendMu.Unlock()
	pending, err := a.Store.PendingAuditCheckpoints(ctx)
	if err != nil {
		return nil, err
	}
	for _, cp := range pending {
		fp := cp.Fingerprint()
		req := ledger.SendRequest{Key: "audit:" + strconv.FormatInt(cp.Seq, 10), Record: &ledger.RecordWrite{
			LoanID: ledger.AuditCheckpointID(cp.Seq), Kind: ledger.KindApproved, LoanKey: fp.LoanKey, Commitment: fp.Commitment,
		}}
		err := a.Chain.Send(ctx, req, func(u ledger.SendUpdate) error {
			if err := a.Store.RecordAuditCheckpointProgress(ctx, cp.Seq, a.Chain.Network(), a.Chain.Contract(), u); err != nil {
				return err
			}
			cp.Status, cp.Chain, cp.Contract = u.Status, a.Chain.Network(), a.Chain.Contract()
			cp.TxHash, cp.BlockNumber, cp.BlockHash, cp.LogIndex = u.TxHash, u.BlockNumber, u.BlockHash, u.LogIndex
			return nil
		})
		switch {
		case err == nil:
		case ledger.Permanent(err):
			reason := fmt.Sprintf("the chain refused checkpoint %d: %v", cp.Seq, err)
			if ferr := a.Store.FailAuditCheckpoint(ctx, cp.Seq, reason); ferr != nil {
				return pending, ferr
			}
			cp.Status, cp.LastError = ledger.AnchorFailed, reason
		default:
			return pending, fmt.Errorf("send audit checkpoint %d: %w", cp.Seq, err)
		}
	}
	return pending, nil
}

// Start runs the loop until Stop: a checkpoint every Interval (when this
// process sends) and requested checkpoints sent within auditPoll.
func (a *AuditAnchorer) Start(ctx context.Context) {
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	ctx, a.cancel = context.WithCancel(ctx)
	a.done = make(chan struct{})
	go func() {
		defer close(a.done)
		poll := time.NewTicker(auditPoll)
		defer poll.Stop()
		var due <-chan time.Time
		if a.Interval > 0 {
			t := time.NewTicker(a.Interval)
			defer t.Stop()
			due = t.C
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-due:
				if a.Sending == nil || a.Sending() {
					if cp, err := a.Checkpoint(ctx); err != nil && ctx.Err() == nil {
						a.Log.Error("anchoring the audit trail's head failed", "err", err)
					} else if cp != nil {
						a.Log.Info("audit trail head anchored", "checkpoint", cp.Seq, "last_row", cp.LastID, "status", cp.Status)
					}
				}
			case <-poll.C:
				if a.Sending == nil || a.Sending() {
					if _, err := a.SendPending(ctx); err != nil && ctx.Err() == nil {
						a.Log.Error("sending requested audit checkpoints failed", "err", err)
					}
				}
			}
		}
	}()
}

// Stop ends the loop and waits for it. Safe without Start.
func (a *AuditAnchorer) Stop() {
	if a.cancel == nil {
		return
	}
	a.cancel()
	<-a.done
}

// RequestAuditCheckpoint takes a checkpoint of the head now (or finds the
// one that covers it) for the sender (`aartha serve`) to anchor, and waits
// up to wait for it to become final or fail. It returns the checkpoint as
// it stands; one still pending after wait is not an error (the sender
// anchors it when it runs).
func RequestAuditCheckpoint(ctx context.Context, st interface {
	TakeAuditCheckpoint(ctx context.Context, now time.Time, salt []byte) (*ledger.AuditCheckpoint, bool, error)
	AuditCheckpoint(ctx context.Context, seq int64) (*ledger.AuditCheckpoint, error)
}, wait, poll time.Duration) (*ledger.AuditCheckpoint, error) {
	salt, err := ledger.NewSalt(rand.Reader)
	if err != nil {
		return nil, err
	}
	cp, _, err := st.TakeAuditCheckpoint(ctx, time.Now(), salt)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for cp.Status != ledger.AnchorFinal && cp.Status != ledger.AnchorFailed && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return cp, ctx.Err()
		case <-time.After(poll):
		}
		if cp, err = st.AuditCheckpoint(ctx, cp.Seq); err != nil {
			return nil, err
		}
	}
	return cp, nil
}

// VerifyAuditCheckpoint checks an anchored checkpoint's receipt against
// the configured chain with the ordinary receipt verifier (Verify): at rpc
// if given, else the configured RPC URL or MultiChain node, else the
// embedded chain's JSON-RPC address (which answers while `aartha serve`
// runs).
func VerifyAuditCheckpoint(ctx context.Context, cfg *config.Config, cp *ledger.AuditCheckpoint, rpc string) (*ledger.Receipt, *ledger.Verification, error) {
	rc, err := cp.Receipt()
	if err != nil {
		return nil, nil, err
	}
	opts := VerifyOptions{RPCURL: rpc}
	switch {
	case rpc != "":
	case cfg.Backend == "multichain":
		opts.RPCURL, opts.ConfFile = cfg.MultiChainRPCURL, cfg.MultiChainConf
	case cfg.RPCURL != "":
		opts.RPCURL = cfg.RPCURL
	case cfg.DevChainRPCAddr != "":
		opts.RPCURL = "http://" + cfg.DevChainRPCAddr
	default:
		return rc, nil, fmt.Errorf("no chain to check audit checkpoint %d against: set BLOCKCHAIN_RPC_URL or give --rpc", cp.Seq)
	}
	v, err := Verify(ctx, rc, opts)
	return rc, v, err
}
