// Package chaintest is the conformance suite of ledger.Chain: every
// backend (the embedded chain, geth --dev, the MultiChain fake node and a
// real MultiChain node) must pass the same tests, so that the worker,
// reconcile, rebuild and receipt verification work alike on each.
package chaintest

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// Harness is one chain under test.
type Harness struct {
	// Chain is opened for sending; it must mine by itself (a block period,
	// or mining on each write) so that sends reach finality.
	Chain ledger.Chain
	// DropBlocks, if set, takes the blocks from block from to the head off
	// the chain with the writes in them, as a reorg that forgets them does.
	// Chains that cannot be made to (a real node) leave it nil, and the
	// dropped-write test does not run on them.
	DropBlocks func(t *testing.T, from uint64)
	// Timeout bounds each send; default one minute.
	Timeout time.Duration
}

// Run runs the suite against the chain open returns, one open per test.
func Run(t *testing.T, open func(t *testing.T) *Harness) {
	t.Run("AnchorDirect", func(t *testing.T) { testAnchorDirect(t, open(t)) })
	t.Run("AnchorBatch", func(t *testing.T) { testAnchorBatch(t, open(t)) })
	t.Run("ReadBack", func(t *testing.T) { testReadBack(t, open(t)) })
	t.Run("VerifyReceipt", func(t *testing.T) { testVerifyReceipt(t, open(t)) })
	t.Run("SurviveDroppedWrite", func(t *testing.T) {
		h := open(t)
		if h.DropBlocks == nil {
			t.Log("this chain cannot be made to drop a write: nothing to check")
			return
		}
		testDroppedWrite(t, h)
	})
}

// uniqueID is a loan id no other run of the suite on a shared chain uses.
func uniqueID(t *testing.T) string {
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return fmt.Sprintf("CT-%x", b)
}

// send drives req to finality and returns every update, checking that
// they end in a final one placed in a block.
func send(t *testing.T, h *Harness, req ledger.SendRequest) []ledger.SendUpdate {
	t.Helper()
	timeout := h.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var updates []ledger.SendUpdate
	err := h.Chain.Send(ctx, req, func(u ledger.SendUpdate) error {
		updates = append(updates, u)
		return nil
	})
	require.NoError(t, err, "send %s", req.Key)
	require.NotEmpty(t, updates)
	last := updates[len(updates)-1]
	require.Equal(t, ledger.AnchorFinal, last.Status, "the last step of %s", req.Key)
	require.True(t, last.InBlock(), "a final write is in a block")
	require.NotZero(t, last.TxHash)
	return updates
}

func final(updates []ledger.SendUpdate) ledger.SendUpdate { return updates[len(updates)-1] }

// record is an approval (or repayment) record of a new loan with its salt.
type record struct {
	loan *ledger.Loan
	fp   ledger.Fingerprint
	req  ledger.SendRequest
}

func approval(t *testing.T) record {
	t.Helper()
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	salt := make([]byte, ledger.SaltSize)
	_, err := rand.Read(salt)
	require.NoError(t, err)
	loan := &ledger.Loan{ID: uniqueID(t), Borrower: "b", Lender: "l", Principal: 150_000, Currency: "EUR",
		InterestRateBps: 700, TermMonths: 12, Status: ledger.LoanApproved, ApprovedAt: &at, Salt: salt}
	rec, err := loan.ApprovalRecord()
	require.NoError(t, err)
	fp := ledger.NewFingerprint(rec, salt)
	return record{loan: loan, fp: fp, req: ledger.SendRequest{Key: "anchor:" + loan.ID, Record: &ledger.RecordWrite{
		LoanID: loan.ID, Kind: ledger.KindApproved, LoanKey: fp.LoanKey, Commitment: fp.Commitment,
	}}}
}

// testAnchorDirect anchors an approval and its repayment; sending the
// approval again under its key finds the first write.
func testAnchorDirect(t *testing.T, h *Harness) {
	r := approval(t)
	first := final(send(t, h, r.req))
	again := final(send(t, h, r.req))
	require.Equal(t, first.TxHash, again.TxHash, "a second send under the same key finds the first write")
	require.Equal(t, first.BlockHash, again.BlockHash)

	repaid := r.req
	repaid.Key = "anchor:" + r.loan.ID + ":repaid"
	repaid.Record = &ledger.RecordWrite{LoanID: r.loan.ID, Kind: ledger.KindRepaid, LoanKey: r.fp.LoanKey, Commitment: common.Hash{7}}
	u := final(send(t, h, repaid))
	require.NotEqual(t, first.TxHash, u.TxHash)
}

// testAnchorBatch anchors a root; its sequence number is the chain's and
// a second send of it finds the first.
func testAnchorBatch(t *testing.T, h *Harness) {
	root := ledger.LoanKey(uniqueID(t))
	req := ledger.SendRequest{Key: "batch:" + root.Hex()[:18], Batch: &ledger.BatchWrite{Root: root, LeafCount: 3}}
	first := final(send(t, h, req))
	require.NotZero(t, first.BatchSeq, "batch sequence numbers start at 1")
	again := final(send(t, h, req))
	require.Equal(t, first.TxHash, again.TxHash)
	require.Equal(t, first.BatchSeq, again.BatchSeq)
}

// scan reads every write of the chain from block from on.
func scan(t *testing.T, h *Harness, from uint64) (uint64, []ledger.ScannedWrite) {
	t.Helper()
	var writes []ledger.ScannedWrite
	head, err := h.Chain.ScanWrites(context.Background(), from, func(w ledger.ScannedWrite) error {
		writes = append(writes, w)
		return nil
	})
	require.NoError(t, err)
	return head, writes
}

// testReadBack finds a direct write and a batch write where their sends
// said they are, with what they carry.
func testReadBack(t *testing.T, h *Harness) {
	r := approval(t)
	direct := final(send(t, h, r.req))
	root := ledger.LoanKey(uniqueID(t))
	batch := final(send(t, h, ledger.SendRequest{Key: "batch:" + root.Hex()[:18], Batch: &ledger.BatchWrite{Root: root, LeafCount: 2}}))

	head, writes := scan(t, h, 0)
	require.GreaterOrEqual(t, head, max(direct.BlockNumber, batch.BlockNumber))
	var foundRecord, foundBatch int
	for _, w := range writes {
		switch {
		case w.Record != nil && w.Record.Key == ledger.RecordKey{LoanKey: r.fp.LoanKey, Kind: ledger.KindApproved}:
			foundRecord++
			require.Equal(t, r.fp.Commitment, w.Record.Commitment)
			require.Equal(t, direct.TxHash, w.TxHash)
			require.Equal(t, direct.BlockNumber, w.BlockNumber)
			require.Equal(t, direct.BlockHash, w.BlockHash)
			require.Equal(t, direct.LogIndex, w.LogIndex)
			require.False(t, w.Foreign)
		case w.Batch != nil && w.Batch.Root == root:
			foundBatch++
			require.Equal(t, batch.BatchSeq, w.Batch.Seq)
			require.EqualValues(t, 2, w.Batch.LeafCount)
			require.Equal(t, batch.TxHash, w.TxHash)
		}
	}
	require.Equal(t, 1, foundRecord, "the record is on chain once")
	require.Equal(t, 1, foundBatch, "the root is on chain once")

	_, later := scan(t, h, head+1)
	require.Empty(t, later, "nothing past the head")
}

// testVerifyReceipt verifies the receipts of a direct write and of a
// one-leaf batch, and refuses one whose salt was changed.
func testVerifyReceipt(t *testing.T, h *Harness) {
	ctx := context.Background()
	r := approval(t)
	u := final(send(t, h, r.req))
	anchor := &ledger.Anchor{LoanID: r.loan.ID, Kind: ledger.KindApproved, Mode: ledger.ModeDirect, Status: ledger.AnchorFinal,
		LoanKey: r.fp.LoanKey, Commitment: r.fp.Commitment, Leaf: r.fp.Leaf,
		TxHash: u.TxHash, BlockNumber: u.BlockNumber, BlockHash: u.BlockHash, LogIndex: u.LogIndex}
	receipt, err := ledger.NewReceipt(r.loan, anchor, nil, h.Chain.Network(), h.Chain.Contract())
	require.NoError(t, err)
	v, err := h.Chain.VerifyReceipt(ctx, receipt)
	require.NoError(t, err)
	require.True(t, v.Verified, "%+v", v.Checks)

	forged := *receipt
	forged.Salt = append([]byte(nil), receipt.Salt...)
	forged.Salt[0] ^= 1
	v, err = h.Chain.VerifyReceipt(ctx, &forged)
	require.NoError(t, err)
	require.False(t, v.Verified, "a receipt with another salt proves nothing")

	b := approval(t)
	tree, err := ledger.NewMerkleTree([]common.Hash{b.fp.Leaf})
	require.NoError(t, err)
	bu := final(send(t, h, ledger.SendRequest{Key: "batch:" + b.loan.ID, Batch: &ledger.BatchWrite{Root: tree.Root(), LeafCount: 1}}))
	batch := &ledger.Batch{ID: 1, Root: tree.Root(), LeafCount: 1, Seq: bu.BatchSeq, Status: ledger.AnchorFinal,
		TxHash: bu.TxHash, BlockNumber: bu.BlockNumber, BlockHash: bu.BlockHash, LogIndex: bu.LogIndex}
	banchor := &ledger.Anchor{LoanID: b.loan.ID, Kind: ledger.KindApproved, Mode: ledger.ModeBatch, Status: ledger.AnchorFinal,
		LoanKey: b.fp.LoanKey, Commitment: b.fp.Commitment, Leaf: b.fp.Leaf, BatchID: 1, Proof: []common.Hash{},
		TxHash: bu.TxHash, BlockNumber: bu.BlockNumber, BlockHash: bu.BlockHash, LogIndex: bu.LogIndex}
	breceipt, err := ledger.NewReceipt(b.loan, banchor, batch, h.Chain.Network(), h.Chain.Contract())
	require.NoError(t, err)
	v, err = h.Chain.VerifyReceipt(ctx, breceipt)
	require.NoError(t, err)
	require.True(t, v.Verified, "%+v", v.Checks)
}

// testDroppedWrite takes a final write off the chain: the watcher finds it
// lost, sending its key again puts it back, and the chain holds it once.
func testDroppedWrite(t *testing.T, h *Harness) {
	ctx := context.Background()
	r := approval(t)
	first := final(send(t, h, r.req))
	h.DropBlocks(t, first.BlockNumber)

	// A chain judges a block only once it has grown past it again.
	var reason string
	require.Eventually(t, func() bool {
		lost, why, _, err := h.Chain.Recheck(ctx, r.req.Key, ledger.Placement{TxHash: first.TxHash, BlockNumber: first.BlockNumber, BlockHash: first.BlockHash})
		require.NoError(t, err)
		reason = why
		return lost
	}, time.Minute, 20*time.Millisecond, "the write left the chain")
	require.NotEmpty(t, reason)

	back := final(send(t, h, r.req))
	require.NotEqual(t, first.BlockHash, back.BlockHash, "final again, in another block")
	lost, _, _, err := h.Chain.Recheck(ctx, r.req.Key, ledger.Placement{TxHash: back.TxHash, BlockNumber: back.BlockNumber, BlockHash: back.BlockHash})
	require.NoError(t, err)
	require.False(t, lost)

	_, writes := scan(t, h, 0)
	n := 0
	for _, w := range writes {
		if w.Record != nil && w.Record.Key.LoanKey == r.fp.LoanKey && w.BlockHash != (common.Hash{}) {
			n++
			require.Equal(t, back.TxHash, w.TxHash)
		}
	}
	require.Equal(t, 1, n, "the record is on chain once")
}
