package evm_test

import (
	"context"
	"encoding/json"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/simchain"
)

// FuzzVerifyForgedReceipt is multichain's fuzzing of forged receipts for
// EVM receipts: whatever a forger puts in the fields the verifier passes to
// the chain — block number, log index, transaction and block hashes, the
// registry address, the chain id — VerifyReceipt answers with checks, never
// an error, and verifies only the genuine receipt.
func FuzzVerifyForgedReceipt(f *testing.F) {
	ctx := context.Background()
	chain, err := simchain.Start(ctx, simchain.Options{})
	require.NoError(f, err)
	f.Cleanup(func() { _ = chain.Stop() })

	rec := ledger.LoanRecord{Schema: ledger.SchemaLoan, LoanID: "FZ-EVM-1", Borrower: "Asha", Lender: "Aartha",
		Principal: "500000", Currency: "INR", InterestRateBps: 1200, TermMonths: 12, ApprovedAt: "2026-01-31T09:30:00Z"}
	salt := make([]byte, ledger.SaltSize)
	fp := ledger.NewFingerprint(rec, salt)
	opts := bind.NewKeyedTransactor(chain.SignerKey(), big.NewInt(simchain.ChainID))
	opts.Context = ctx
	registry := bind.NewBoundContract(chain.Registry(), abi.ABI{}, chain.Client(), chain.Client(), chain.Client())
	tx, err := registry.RawTransact(opts, evm.StoreLoanData(fp.LoanKey, fp.Commitment, common.Address{}, common.Address{}))
	require.NoError(f, err)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	mined, err := bind.WaitMined(wctx, chain.Client(), tx.Hash())
	require.NoError(f, err)
	require.Equal(f, types.ReceiptStatusSuccessful, mined.Status)
	events, err := evm.NewRegistry(chain.Client(), chain.Registry()).ReceiptEvents(mined)
	require.NoError(f, err)
	require.Len(f, events, 1)
	raw, err := json.Marshal(rec)
	require.NoError(f, err)
	genuine := &ledger.Receipt{
		Schema: ledger.SchemaReceipt, Chain: "eip155:1337", Contract: chain.Registry(), Mode: ledger.ModeDirect, Kind: ledger.KindApproved,
		LoanID: rec.LoanID, Record: raw, Salt: salt, Commitment: fp.Commitment, LoanKey: fp.LoanKey,
		TxHash: mined.TxHash, BlockNumber: mined.BlockNumber.Uint64(), BlockHash: mined.BlockHash, LogIndex: events[0].Log.Index,
	}
	v, err := evm.VerifyReceipt(ctx, chain.Client(), genuine)
	require.NoError(f, err)
	require.True(f, v.Verified, "%+v", v.Checks)

	f.Add(genuine.BlockNumber, uint64(genuine.LogIndex), genuine.TxHash[:], genuine.BlockHash[:], genuine.Contract[:], uint64(1337))
	f.Add(uint64(999999), uint64(0), genuine.TxHash[:], genuine.BlockHash[:], genuine.Contract[:], uint64(1337))
	f.Add(uint64(math.MaxUint64), uint64(math.MaxUint32)+1, genuine.TxHash[:], genuine.BlockHash[:], genuine.Contract[:], uint64(1337))
	f.Add(genuine.BlockNumber, uint64(genuine.LogIndex), genuine.TxHash[:], genuine.BlockHash[:], common.HexToAddress("0x42").Bytes(), uint64(1337))
	f.Add(genuine.BlockNumber, uint64(9), make([]byte, 32), genuine.BlockHash[:], genuine.Contract[:], uint64(1))
	f.Fuzz(func(t *testing.T, block, logIndex uint64, txHash, blockHash, contract []byte, chainID uint64) {
		r := *genuine
		r.BlockNumber, r.LogIndex = block, uint(logIndex)
		r.TxHash, r.BlockHash, r.Contract = common.BytesToHash(txHash), common.BytesToHash(blockHash), common.BytesToAddress(contract)
		r.Chain = "eip155:" + new(big.Int).SetUint64(chainID).String()
		v, err := evm.VerifyReceipt(ctx, chain.Client(), &r)
		if err != nil {
			t.Fatalf("a forged receipt made VerifyReceipt fail: %v", err)
		}
		same := r.BlockNumber == genuine.BlockNumber && r.LogIndex == genuine.LogIndex && r.TxHash == genuine.TxHash &&
			r.BlockHash == genuine.BlockHash && r.Contract == genuine.Contract && r.Chain == genuine.Chain
		if v.Verified != same {
			t.Fatalf("verified %v for a receipt that is genuine: %v (%+v)", v.Verified, same, v.Checks)
		}
	})
}
