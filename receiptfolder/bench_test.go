package receiptfolder

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/simchain"
)

var benchReceipts = flag.Int("receipts", 2000, "BenchmarkVerifyFolder: how many receipts the folder holds")

// anchoredFolder anchors n approval records on chain in batches of
// batchSize (one anchorBatch transaction each, as the worker sends them)
// and writes the receipt of each to a folder, returning the files.
func anchoredFolder(tb testing.TB, chain *simchain.Chain, n, batchSize int) []string {
	tb.Helper()
	ctx := context.Background()
	client := chain.Client()
	signer := types.LatestSignerForChainID(big.NewInt(simchain.ChainID))
	nonce, err := client.NonceAt(ctx, simchain.DevAddress(), nil)
	require.NoError(tb, err)
	registry := evm.NewRegistry(client, chain.Registry())
	contract := chain.Registry()
	dir := tb.TempDir()
	var files []string
	for start := 0; start < n; start += batchSize {
		count := min(batchSize, n-start)
		recs := make([]ledger.LoanRecord, count)
		salts := make([][]byte, count)
		fps := make([]ledger.Fingerprint, count)
		leaves := make([]common.Hash, count)
		for i := range recs {
			recs[i] = ledger.LoanRecord{Schema: ledger.SchemaLoan, LoanID: fmt.Sprintf("FOLDER-%07d", start+i),
				Borrower: "b", Lender: "aartha", Principal: fmt.Sprint(100000 + start + i), Currency: "INR",
				InterestRateBps: 1200, TermMonths: 12, ApprovedAt: "2026-12-04T00:00:00Z"}
			salts[i], err = ledger.NewSalt(rand.Reader)
			require.NoError(tb, err)
			fps[i] = ledger.NewFingerprint(recs[i], salts[i])
			leaves[i] = fps[i].Leaf
		}
		tree, err := ledger.NewMerkleTree(leaves)
		require.NoError(tb, err)
		tx, err := types.SignNewTx(chain.SignerKey(), signer, &types.DynamicFeeTx{
			ChainID: big.NewInt(simchain.ChainID), Nonce: nonce, GasTipCap: big.NewInt(2e9), GasFeeCap: big.NewInt(100e9),
			Gas: 200_000, To: &contract, Data: evm.AnchorBatchData(tree.Root(), uint32(count)),
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
		root, seq := tree.Root(), events[0].Batch.Seq
		for i := range recs {
			raw, err := json.Marshal(recs[i])
			require.NoError(tb, err)
			proof, err := tree.Proof(leaves[i])
			require.NoError(tb, err)
			leaf := leaves[i]
			r := ledger.Receipt{Schema: ledger.SchemaReceipt, Chain: fmt.Sprintf("eip155:%d", simchain.ChainID),
				Contract: contract, Mode: ledger.ModeBatch, Kind: ledger.KindApproved, LoanID: recs[i].LoanID, Record: raw,
				Salt: salts[i], Commitment: fps[i].Commitment, LoanKey: fps[i].LoanKey, TxHash: tx.Hash(),
				BlockNumber: rcpt.BlockNumber.Uint64(), BlockHash: rcpt.BlockHash, LogIndex: events[0].Log.Index,
				Leaf: &leaf, Root: &root, Proof: proof, BatchSeq: &seq}
			b, err := json.Marshal(r)
			require.NoError(tb, err)
			path := filepath.Join(dir, recs[i].LoanID+".json")
			require.NoError(tb, os.WriteFile(path, b, 0o600))
			files = append(files, path)
		}
	}
	chain.Commit()
	return files
}

// startChain starts an in-memory embedded chain answering JSON-RPC on a
// loopback port, mining only when told.
func startChain(tb testing.TB) *simchain.Chain {
	tb.Helper()
	chain, err := simchain.Start(context.Background(), simchain.Options{RPCAddr: "127.0.0.1:0", Manual: true})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = chain.Stop() })
	return chain
}

// BenchmarkVerifyFolder measures `aartha verify FOLDER` without its
// terminal: a folder of -receipts batch receipts (batches of 1,000 leaves,
// as the worker anchors them) checked against the embedded chain over
// JSON-RPC on loopback, as the command dials it: each receipt's own call
// sent by itself (8 at once, as before) and in JSON-RPC batches.
//
//	go test ./receiptfolder -run '^$' -bench VerifyFolder -benchtime 1x -args -receipts=100000
func BenchmarkVerifyFolder(b *testing.B) {
	chain := startChain(b)
	files := anchoredFolder(b, chain, *benchReceipts, 1000)
	client, err := evm.Dial(context.Background(), chain.RPCURL(), "", evm.ClientOptions{})
	require.NoError(b, err)
	b.Cleanup(client.Close)
	batch, err := rpc.DialContext(context.Background(), chain.RPCURL())
	require.NoError(b, err)
	b.Cleanup(batch.Close)
	for _, v := range []struct {
		name string
		opts Options
	}{{"one-by-one", Options{}}, {"batched", Options{Batch: batch}}} {
		b.Run(v.name, func(b *testing.B) {
			var took time.Duration
			for b.Loop() {
				res, err := Verify(context.Background(), client, files, v.opts)
				require.NoError(b, err)
				require.Zero(b, res.Failed(), res.Failures)
				took += res.Took
			}
			b.ReportMetric(float64(len(files)*b.N)/took.Seconds(), "receipts/s")
		})
	}
}
