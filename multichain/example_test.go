package multichain_test

import (
	"context"
	"fmt"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/multichain/multichaintest"
)

// exampleT satisfies multichaintest.Start's cleanup needs outside a test.
type exampleT struct{ cleanups []func() }

func (e *exampleT) Cleanup(f func()) { e.cleanups = append(e.cleanups, f) }

// Example anchors an approval record directly and verifies its receipt.
func Example() {
	t := &exampleT{}
	defer func() {
		for _, f := range t.cleanups {
			f()
		}
	}()
	node := multichaintest.Start(t, multichaintest.Options{})
	ctx := context.Background()

	client, err := multichain.NewClient(multichain.ClientConfig{URL: node.URL, User: node.User, Password: node.Password})
	if err != nil {
		panic(err)
	}
	a, err := multichain.New(client, multichain.Options{Stream: "loans", ChainName: "testchain", From: node.Address()})
	if err != nil {
		panic(err)
	}
	if _, err := a.Init(ctx); err != nil {
		panic(err)
	}

	rec := ledger.LoanRecord{Schema: ledger.SchemaLoan, LoanID: "LOAN-1", Borrower: "Asha", Lender: "Aartha",
		Principal: "500000", Currency: "INR", InterestRateBps: 1200, TermMonths: 12, ApprovedAt: "2026-01-31T09:30:00Z"}
	salt := make([]byte, ledger.SaltSize)
	fp := ledger.NewFingerprint(rec, salt)
	item, existed, err := a.PublishRecord(ctx, multichain.RecordRequest{LoanID: rec.LoanID, Kind: rec.Kind(), Commitment: fp.Commitment})
	if err != nil {
		panic(err)
	}
	fmt.Println("published:", !existed, "confirmations:", item.Confirmations)

	node.Mine()
	item, _ = a.Item(ctx, item.TxID)
	receipt := &ledger.Receipt{
		Schema: ledger.SchemaReceipt, Chain: a.Chain(), Contract: a.Publisher(), Mode: ledger.ModeDirect,
		Kind: rec.Kind(), LoanID: rec.LoanID, Record: []byte(ledger.CanonicalBytes(rec)), Salt: salt,
		Commitment: fp.Commitment, LoanKey: fp.LoanKey, TxHash: item.TxID, BlockNumber: item.BlockHeight,
		BlockHash: item.BlockHash, LogIndex: uint(item.Vout),
	}
	v, err := multichain.Verify(ctx, client, receipt, multichain.VerifyOptions{Stream: a.Stream()})
	if err != nil {
		panic(err)
	}
	fmt.Println("chain:", receipt.Chain, "verified:", v.Verified, "confirmations:", v.Confirmations)
	// Output:
	// published: true confirmations: 0
	// chain: multichain:testchain verified: true confirmations: 1
}
