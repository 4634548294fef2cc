package reconcile_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evmchain"
	"github.com/aartha/ledger/reconcile"
	"github.com/aartha/ledger/simchain"
	"github.com/aartha/ledger/store"
)

// restorer is the store transaction's RestoreAnchor, used to seed anchors
// that are already on chain.
type restorer interface {
	RestoreAnchor(ctx context.Context, a *ledger.Anchor) error
}

// seedBatchAnchored creates n approved loans on db and anchors them on
// chain in batches of batchSize (one anchorBatch transaction each), writing
// loans, batches and final anchors as the worker would leave them.
func seedBatchAnchored(tb testing.TB, db *store.DB, chain *simchain.Chain, n, batchSize int) {
	tb.Helper()
	ctx := context.Background()
	client := chain.Client()
	key := chain.SignerKey()
	signer := types.LatestSignerForChainID(big.NewInt(simchain.ChainID))
	nonce, err := client.NonceAt(ctx, simchain.DevAddress(), nil)
	require.NoError(tb, err)
	now := time.Now().UTC().Truncate(time.Second)
	registry := evm.NewRegistry(client, chain.Registry())
	for start := 0; start < n; start += batchSize {
		count := min(batchSize, n-start)
		loans := make([]*ledger.Loan, count)
		anchors := make([]*ledger.Anchor, count)
		leaves := make([]common.Hash, count)
		for i := range loans {
			l, err := ledger.NewLoan{
				ID: fmt.Sprintf("BENCH-%07d", start+i), Borrower: "b-" + strconv.Itoa(start+i), Lender: "aartha",
				Principal: strconv.Itoa(100000 + start + i), Currency: "INR", InterestRateBps: 1200, TermMonths: 12,
			}.Validate(now)
			require.NoError(tb, err)
			salt, err := ledger.NewSalt(rand.Reader)
			require.NoError(tb, err)
			require.NoError(tb, l.Approve(now, salt))
			rec, err := l.ApprovalRecord()
			require.NoError(tb, err)
			loans[i], anchors[i] = l, ledger.NewAnchor(rec, salt, ledger.ModeBatch, now)
			leaves[i] = anchors[i].Leaf
		}
		tree, err := ledger.NewMerkleTree(leaves)
		require.NoError(tb, err)
		tx, err := types.SignNewTx(key, signer, &types.DynamicFeeTx{
			ChainID: big.NewInt(simchain.ChainID), Nonce: nonce, GasTipCap: big.NewInt(2e9), GasFeeCap: big.NewInt(100e9),
			Gas: 200_000, To: ptr(chain.Registry()), Data: evm.AnchorBatchData(tree.Root(), uint32(count)),
		})
		require.NoError(tb, err)
		nonce++
		require.NoError(tb, client.SendTransaction(ctx, tx))
		chain.Commit()
		rcpt, err := client.TransactionReceipt(ctx, tx.Hash())
		require.NoError(tb, err)
		require.Equal(tb, types.ReceiptStatusSuccessful, rcpt.Status)
		events, err := registry.ReceiptEvents(rcpt)
		require.NoError(tb, err)
		ev := events[0]
		final := now
		batch := &ledger.Batch{Root: tree.Root(), LeafCount: count, Status: ledger.AnchorFinal, Seq: ev.Batch.Seq,
			TxHash: tx.Hash(), BlockNumber: rcpt.BlockNumber.Uint64(), BlockHash: rcpt.BlockHash, LogIndex: ev.Log.Index,
			GasUsed: rcpt.GasUsed, CreatedAt: now, UpdatedAt: now, FinalAt: &final}
		err = db.InTx(ctx, func(tx ledger.Tx) error {
			if err := tx.CreateBatch(ctx, batch); err != nil {
				return err
			}
			for i, l := range loans {
				l.BlockchainStatus, l.BlockchainTxHash, l.BlockchainStoredAt = ledger.ChainConfirmed, batch.TxHash.Hex(), &final
				if err := tx.CreateLoan(ctx, l); err != nil {
					return err
				}
				a := anchors[i]
				if a.Proof, err = tree.Proof(a.Leaf); err != nil {
					return err
				}
				a.Status, a.BatchID, a.FinalAt = ledger.AnchorFinal, batch.ID, &final
				a.TxHash, a.BlockNumber, a.BlockHash, a.LogIndex = batch.TxHash, batch.BlockNumber, batch.BlockHash, batch.LogIndex
				if err := tx.(restorer).RestoreAnchor(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(tb, err)
	}
	chain.Commit()
	chain.Commit()
}

func ptr[T any](v T) *T { return &v }

func benchLoans() int {
	if s := os.Getenv("AARTHA_BENCH_LOANS"); s != "" {
		n, _ := strconv.Atoi(s)
		return n
	}
	return 100_000
}

// BenchmarkReconcileAllBatch is `aartha reconcile --all` over batch-anchored
// loans on the embedded chain (AARTHA_BENCH_LOANS, default 100,000, in
// batches of 1,000) with SQLite: event scan, full database scan, commitment
// recomputation and proof checks.
func BenchmarkReconcileAllBatch(b *testing.B) {
	ctx := context.Background()
	db, chain := benchSetup(b)
	n := benchLoans()
	seedBatchAnchored(b, db, chain, n, 1000)
	b.ResetTimer()
	for range b.N {
		idx, err := reconcile.Scan(ctx, embeddedChain(b, chain), 0)
		require.NoError(b, err)
		run, err := reconcile.Run(ctx, db, idx, reconcile.Options{})
		require.NoError(b, err)
		require.Equal(b, n, run.Counts.Match)
		require.True(b, run.OK())
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRebuildBatch deletes every anchor row and rebuilds them from the
// chain's BatchAnchored events and the export's leaf lists.
func BenchmarkRebuildBatch(b *testing.B) {
	ctx := context.Background()
	db, chain := benchSetup(b)
	n := benchLoans()
	seedBatchAnchored(b, db, chain, n, 1000)
	var log bytes.Buffer
	_, err := reconcile.Export(ctx, db, &log, 0, 0, false)
	require.NoError(b, err)
	leaves, err := reconcile.ReadLeaves(&log)
	require.NoError(b, err)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		_, err := db.SQLDB().ExecContext(ctx, "DELETE FROM anchors")
		require.NoError(b, err)
		b.StartTimer()
		idx, err := reconcile.Scan(ctx, embeddedChain(b, chain), 0)
		require.NoError(b, err)
		rep, err := reconcile.Rebuild(ctx, db, idx, reconcile.RebuildOptions{Confirmations: 2, Leaves: leaves})
		require.NoError(b, err)
		require.Len(b, rep.Missing, n)
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "anchors/s")
}

func benchSetup(b *testing.B) (*store.DB, *simchain.Chain) {
	ctx := context.Background()
	dir := b.TempDir()
	db, err := store.OpenSQLite(ctx, filepath.Join(dir, "aartha.db"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(b, err)
	chain, err := simchain.Start(ctx, simchain.Options{Manual: true})
	require.NoError(b, err)
	b.Cleanup(func() { _ = chain.Stop() })
	return db, chain
}

// embeddedChain is the embedded chain's registry behind the chain seam,
// read-only.
func embeddedChain(tb testing.TB, chain *simchain.Chain) *evmchain.Chain {
	c, err := evmchain.New(evmchain.Config{Client: chain.Client(), ChainID: big.NewInt(simchain.ChainID), Registry: chain.Registry()})
	require.NoError(tb, err)
	return c
}
