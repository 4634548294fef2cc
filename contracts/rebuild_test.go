package contracts_test

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/contracts"
)

// rebuiltState is the registry as reconstructed from its logs alone.
type rebuiltState struct {
	loans   map[[32]byte]contracts.GetLoanOutput
	repaid  map[[32]byte][32]byte // loan key -> repayment commitment
	batches map[uint64]contracts.BatchBySeqOutput
}

// rebuild reads every LoanStored, LoanRepaid and BatchAnchored log of the
// registry and replays them. Times come from the headers of the blocks that
// hold the logs, as the contract's NatSpec says.
func rebuild(t *testing.T, h *harness) rebuiltState {
	t.Helper()
	reg := h.reg
	opts := &bind.FilterOpts{Context: h.ctx, Start: 0}
	times := map[common.Hash]uint64{}
	blockTime := func(hash common.Hash) uint64 {
		if ts, ok := times[hash]; ok {
			return ts
		}
		header, err := h.client.HeaderByHash(h.ctx, hash)
		require.NoError(t, err)
		times[hash] = header.Time
		return header.Time
	}
	s := rebuiltState{
		loans:   map[[32]byte]contracts.GetLoanOutput{},
		repaid:  map[[32]byte][32]byte{},
		batches: map[uint64]contracts.BatchBySeqOutput{},
	}

	stored, err := bind.FilterEvents(h.inst, opts, reg.UnpackLoanStoredEvent)
	require.NoError(t, err)
	for stored.Next() {
		ev := stored.Value()
		_, dup := s.loans[ev.LoanKey]
		require.False(t, dup, "two LoanStored logs for one key")
		s.loans[ev.LoanKey] = contracts.GetLoanOutput{
			Commitment: ev.Commitment, Borrower: ev.Borrower, Lender: ev.Lender, StoredAt: blockTime(ev.Raw.BlockHash),
		}
	}
	require.NoError(t, stored.Error())
	require.NoError(t, stored.Close())

	repaid, err := bind.FilterEvents(h.inst, opts, reg.UnpackLoanRepaidEvent)
	require.NoError(t, err)
	for repaid.Next() {
		ev := repaid.Value()
		loan, ok := s.loans[ev.LoanKey]
		require.True(t, ok, "LoanRepaid before LoanStored")
		require.Zero(t, loan.RepaidAt, "two LoanRepaid logs for one key")
		loan.RepaidAt = blockTime(ev.Raw.BlockHash)
		s.loans[ev.LoanKey] = loan
		s.repaid[ev.LoanKey] = ev.RepaymentCommitment
	}
	require.NoError(t, repaid.Error())
	require.NoError(t, repaid.Close())

	batches, err := bind.FilterEvents(h.inst, opts, reg.UnpackBatchAnchoredEvent)
	require.NoError(t, err)
	for batches.Next() {
		ev := batches.Value()
		// Logs come in chain order, so sequence numbers must count up by one.
		require.Equal(t, uint64(len(s.batches)+1), ev.Seq, "gap or reordering in batch sequence")
		s.batches[ev.Seq] = contracts.BatchBySeqOutput{
			Root: ev.Root, AnchoredAt: blockTime(ev.Raw.BlockHash), BlockNumber: ev.Raw.BlockNumber, LeafCount: ev.LeafCount,
		}
	}
	require.NoError(t, batches.Error())
	require.NoError(t, batches.Close())
	return s
}

func TestRebuildFromLogs(t *testing.T) {
	h := newHarness(t, nil)
	reg := h.reg

	// A mixed history: loans with and without addresses, some repaid, batches
	// in between, a second anchorer, a pause, several writes per block.
	type write struct {
		from account
		data []byte
	}
	var keys [][32]byte
	var plan [][]write // one inner slice per block
	h.mustSend(h.admin, reg.PackGrantRole(anchorerRole, h.stranger.addr))
	for i := range 12 {
		key := loanKey(fmt.Sprintf("LN-rebuild-%02d", i))
		keys = append(keys, key)
		borrower, lender := addressOf(fmt.Sprintf("b%d", i%3)), addressOf(fmt.Sprintf("l%d", i))
		if i%4 == 3 {
			lender = common.Address{}
		}
		signer := h.anchorer
		if i%5 == 4 {
			signer = h.stranger
		}
		block := []write{{signer, reg.PackStoreLoan(key, commitmentOf(fmt.Sprintf("a%d", i)), borrower, lender)}}
		if i%3 == 0 {
			block = append(block, write{h.anchorer, reg.PackAnchorBatch(commitmentOf(fmt.Sprintf("root %d", i)), uint32(i+1))})
		}
		plan = append(plan, block)
	}
	for i := 0; i < len(keys); i += 2 {
		plan = append(plan, []write{{h.anchorer, reg.PackMarkRepaid(keys[i], commitmentOf(fmt.Sprintf("r%d", i)))}})
	}

	for i, block := range plan {
		if i == 7 {
			h.mustSend(h.admin, reg.PackPause())
			h.mustSend(h.admin, reg.PackUnpause())
		}
		// Send the block's writes with consecutive nonces, then mine them
		// together.
		nonces := map[common.Address]uint64{}
		var hashes []common.Hash
		for _, w := range block {
			opts := bind.NewKeyedTransactor(w.from.key, simChainID)
			opts.Context = h.ctx
			if n, ok := nonces[w.from.addr]; ok {
				opts.Nonce = new(big.Int).SetUint64(n)
			}
			tx, err := bind.Transact(h.inst, opts, w.data)
			require.NoError(t, err)
			nonces[w.from.addr] = tx.Nonce() + 1
			hashes = append(hashes, tx.Hash())
		}
		for _, r := range h.mine(hashes...) {
			require.Equal(t, types.ReceiptStatusSuccessful, r.Status)
		}
	}

	s := rebuild(t, h)

	// Every loan rebuilt from logs is exactly what the contract reports.
	require.Len(t, s.loans, len(keys))
	for _, key := range keys {
		got, ok := s.loans[key]
		require.True(t, ok)
		require.Equal(t, mustCall(h, reg.PackGetLoan(key), reg.UnpackGetLoan), got)
	}
	require.Len(t, s.repaid, (len(keys)+1)/2)
	for i := 0; i < len(keys); i += 2 {
		require.Equal(t, commitmentOf(fmt.Sprintf("r%d", i)), s.repaid[keys[i]])
	}

	// Every batch too, and the sequence has no gap up to batchCount.
	count := mustCall(h, reg.PackBatchCount(), reg.UnpackBatchCount)
	require.Equal(t, uint64(4), count)
	require.Len(t, s.batches, int(count))
	for seq := uint64(1); seq <= count; seq++ {
		want := mustCall(h, reg.PackBatchBySeq(seq), reg.UnpackBatchBySeq)
		require.Equal(t, want, s.batches[seq])
		byRoot := mustCall(h, reg.PackGetBatch(want.Root), reg.UnpackGetBatch)
		require.Equal(t, seq, byRoot.Seq)
	}

	// Indexed topics let a reader ask for one borrower's loans or one batch
	// number without scanning everything.
	it, err := bind.FilterEvents(h.inst, &bind.FilterOpts{Context: h.ctx}, reg.UnpackLoanStoredEvent, nil, []any{addressOf("b1")})
	require.NoError(t, err)
	var forB1 int
	for it.Next() {
		require.Equal(t, addressOf("b1"), it.Value().Borrower)
		forB1++
	}
	require.NoError(t, it.Error())
	require.Equal(t, 4, forB1)

	bit, err := bind.FilterEvents(h.inst, &bind.FilterOpts{Context: h.ctx}, reg.UnpackBatchAnchoredEvent, nil, []any{uint64(3)})
	require.NoError(t, err)
	require.True(t, bit.Next())
	require.Equal(t, s.batches[3].Root, bit.Value().Root)
	require.False(t, bit.Next())
	require.NoError(t, bit.Error())

	rit, err := bind.FilterEvents(h.inst, &bind.FilterOpts{Context: h.ctx}, reg.UnpackLoanRepaidEvent, []any{keys[4]})
	require.NoError(t, err)
	require.True(t, rit.Next())
	require.Equal(t, commitmentOf("r4"), rit.Value().RepaymentCommitment)
	require.False(t, rit.Next())
}
