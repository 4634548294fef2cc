package ledger_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/gowebpki/jcs"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// The golden proof receipts of docs/receipt.md, one per shape a verifier
// meets: an EVM direct receipt, EVM batch receipts of a one-leaf and of a
// many-leaf batch, and a MultiChain receipt. Their records and salts are
// those of testdata/fingerprints.json where they can be; the chain fields
// (transactions, blocks) are made up, so the files check a verifier's
// offline part exactly and show the shape of the rest.
const receiptsDir = "testdata/receipts"

// goldenLoan is the loan of the first and fourth fingerprint vectors,
// approved and repaid.
func goldenLoan() *ledger.Loan {
	approved := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	repaid := time.Date(2028, 3, 1, 10, 0, 0, 0, time.UTC)
	return &ledger.Loan{
		ID: "LOAN-2026-0001", Borrower: "cust-10442", Lender: "aartha-capital",
		BorrowerAddress: "0x52908400098527886e0f7030069857d2e4169ee7",
		LenderAddress:   "0xde709f2102306220921060314715629080e2fb77",
		Principal:       150000000, Currency: "INR", InterestRateBps: 1450, TermMonths: 24,
		Status: ledger.LoanRepaid, ApprovedAt: &approved, RepaidAt: &repaid, AmountRepaid: 171750000,
		Salt:          mustHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
		RepaymentSalt: bytes.Repeat([]byte{0x11}, 32),
	}
}

// batchLoan is the i-th loan of the many-leaf batch.
func batchLoan(i int) *ledger.Loan {
	approved := time.Date(2026, 4, 2, 8, 0, i, 0, time.UTC)
	return &ledger.Loan{
		ID: fmt.Sprintf("LOAN-2026-%04d", 100+i), Borrower: fmt.Sprintf("cust-%d", 20000+i), Lender: "aartha-capital",
		Principal: int64(10000000 * (i + 1)), Currency: "INR", InterestRateBps: 1200 + int64(i), TermMonths: 12,
		Status: ledger.LoanApproved, ApprovedAt: &approved,
		Salt: bytes.Repeat([]byte{byte(0x20 + i)}, 32),
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// fakeHash is a made-up chain value (transaction or block hash).
func fakeHash(label string) common.Hash {
	return crypto.Keccak256Hash([]byte("golden receipt " + label))
}

// finalAnchor is the anchor of loan's record of kind once final.
func finalAnchor(t *testing.T, loan *ledger.Loan, kind ledger.Kind, mode string) *ledger.Anchor {
	t.Helper()
	var rec ledger.Record
	var salt []byte
	var err error
	if kind == ledger.KindApproved {
		rec, err = loan.ApprovalRecord()
		salt = loan.Salt
	} else {
		rec, err = loan.RepaymentRecord()
		salt = loan.RepaymentSalt
	}
	require.NoError(t, err)
	a := ledger.NewAnchor(rec, salt, mode, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	a.Status = ledger.AnchorFinal
	return a
}

// goldenReceipts builds each golden receipt with the service's own code
// (ledger.NewReceipt), keyed by file name.
func goldenReceipts(t *testing.T) map[string]*ledger.Receipt {
	t.Helper()
	registry := common.HexToAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3")
	out := map[string]*ledger.Receipt{}
	receipt := func(loan *ledger.Loan, a *ledger.Anchor, b *ledger.Batch, chain string, contract common.Address) *ledger.Receipt {
		r, err := ledger.NewReceipt(loan, a, b, chain, contract)
		require.NoError(t, err)
		return r
	}

	// EVM, direct mode: the approval, a storeLoan transaction.
	loan := goldenLoan()
	a := finalAnchor(t, loan, ledger.KindApproved, ledger.ModeDirect)
	a.TxHash, a.BlockNumber, a.BlockHash, a.LogIndex = fakeHash("direct tx"), 61250341, fakeHash("direct block"), 3
	out["evm-direct.json"] = receipt(loan, a, nil, "eip155:137", registry)

	// EVM, batch mode, a batch of one leaf: the repayment alone. Its leaf
	// is the root and its proof is empty.
	a = finalAnchor(t, loan, ledger.KindRepaid, ledger.ModeBatch)
	one := &ledger.Batch{ID: 7, Root: a.Leaf, LeafCount: 1, Status: ledger.AnchorFinal, Seq: 41,
		TxHash: fakeHash("one-leaf tx"), BlockNumber: 77418206, BlockHash: fakeHash("one-leaf block"), LogIndex: 0}
	a.BatchID, a.Proof = one.ID, nil
	a.TxHash, a.BlockNumber, a.BlockHash, a.LogIndex = one.TxHash, one.BlockNumber, one.BlockHash, one.LogIndex
	out["evm-batch-one.json"] = receipt(loan, a, one, "eip155:137", registry)

	// EVM, batch mode, a batch of five approvals; the receipt of the third.
	var anchors []*ledger.Anchor
	var leaves []common.Hash
	for i := range 5 {
		a := finalAnchor(t, batchLoan(i), ledger.KindApproved, ledger.ModeBatch)
		anchors, leaves = append(anchors, a), append(leaves, a.Leaf)
	}
	tree, err := ledger.NewMerkleTree(leaves)
	require.NoError(t, err)
	many := &ledger.Batch{ID: 8, Root: tree.Root(), LeafCount: 5, Status: ledger.AnchorFinal, Seq: 42,
		TxHash: fakeHash("many-leaf tx"), BlockNumber: 77418390, BlockHash: fakeHash("many-leaf block"), LogIndex: 5}
	a = anchors[2]
	a.BatchID = many.ID
	a.Proof, err = tree.Proof(a.Leaf)
	require.NoError(t, err)
	a.TxHash, a.BlockNumber, a.BlockHash, a.LogIndex = many.TxHash, many.BlockNumber, many.BlockHash, many.LogIndex
	out["evm-batch-many.json"] = receipt(batchLoan(2), a, many, "eip155:137", registry)

	// MultiChain, direct mode: the approval of the third fingerprint vector
	// (text that needs escaping), an item in a stream. contract is the
	// publisher's public key hash, log_index the output holding the item.
	approved := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mcLoan := &ledger.Loan{
		ID: "a", Borrower: "Zoë \"Z\" Ñúñez\\back\tslash\u0001", Lender: "श्री लेंडर € 😀",
		Principal: 1, Currency: "KWD", InterestRateBps: 100000, TermMonths: 600,
		Status: ledger.LoanApproved, ApprovedAt: &approved, Salt: bytes.Repeat([]byte{0x5a}, 32),
	}
	a = finalAnchor(t, mcLoan, ledger.KindApproved, ledger.ModeDirect)
	a.TxHash, a.BlockNumber, a.BlockHash, a.LogIndex = fakeHash("multichain txid"), 1840, fakeHash("multichain block"), 0
	out["multichain-direct.json"] = receipt(mcLoan, a, nil, "multichain:artha-chain",
		common.HexToAddress("0x1c5f3b8e6d0a4f2b9e7c1d3a5b7f9e0c2d4a6b8e"))
	return out
}

// batchMembers is the many-leaf batch as [loan_key, kind, commitment]
// triples, the values @openzeppelin/merkle-tree builds the tree from
// (contracts/ checks the receipt against that library with them).
func batchMembers(t *testing.T) [][3]any {
	t.Helper()
	var out [][3]any
	for i := range 5 {
		a := finalAnchor(t, batchLoan(i), ledger.KindApproved, ledger.ModeBatch)
		out = append(out, [3]any{a.LoanKey.Hex(), int(a.Kind), a.Commitment.Hex()})
	}
	return out
}

// TestGoldenReceipts pins the receipt format: the service's receipts of the
// golden cases are byte for byte the committed files. Regenerate them only
// for a new receipt schema: go test . -run TestGoldenReceipts -update.
func TestGoldenReceipts(t *testing.T) {
	t.Parallel()
	got := map[string][]byte{}
	for name, r := range goldenReceipts(t) {
		b, err := json.MarshalIndent(r, "", "  ")
		require.NoError(t, err)
		got[name] = append(b, '\n')
	}
	members, err := json.MarshalIndent(batchMembers(t), "", "  ")
	require.NoError(t, err)
	got["evm-batch-many.members.json"] = append(members, '\n')
	if *update {
		require.NoError(t, os.MkdirAll(receiptsDir, 0o755))
		for name, b := range got {
			require.NoError(t, os.WriteFile(filepath.Join(receiptsDir, name), b, 0o644))
		}
	}
	for name, b := range got {
		want, err := os.ReadFile(filepath.Join(receiptsDir, name))
		require.NoError(t, err, "run go test . -run TestGoldenReceipts -update")
		require.Equal(t, string(want), string(b), name)
	}
	// Each passes the service's own offline check.
	for name := range goldenReceipts(t) {
		b, err := os.ReadFile(filepath.Join(receiptsDir, name))
		require.NoError(t, err)
		r, err := ledger.ParseReceipt(b)
		require.NoError(t, err, name)
		_, err = r.CheckOffline()
		require.NoError(t, err, name)
	}
}

var (
	hash32RE  = regexp.MustCompile(`^0x[0-9a-f]{64}$`)
	addressRE = regexp.MustCompile(`^0x[0-9a-f]{40}$`)
	chainRE   = regexp.MustCompile(`^(eip155:[1-9][0-9]*|multichain:[^\s]+)$`)
)

// TestGoldenReceiptsFollowTheSpec checks every committed receipt against
// the rules of docs/receipt.md and docs/fingerprint.md as a third party
// would implement them — a general RFC 8785 library, keccak256, the ABI
// encoding and the sorted-pair fold written out here — without the
// package's own receipt, fingerprint or Merkle code.
func TestGoldenReceiptsFollowTheSpec(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(receiptsDir, "*.json"))
	require.NoError(t, err)
	var shapes []string
	for _, path := range files {
		if strings.HasSuffix(path, ".members.json") {
			continue
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		shapes = append(shapes, checkReceiptBySpec(t, filepath.Base(path), b))
	}
	slices.Sort(shapes)
	require.Equal(t, []string{"eip155 batch 1 leaf", "eip155 batch many leaves", "eip155 direct", "multichain direct"}, shapes,
		"the golden receipts cover each shape of docs/receipt.md")
}

// checkReceiptBySpec checks one receipt and returns its shape.
func checkReceiptBySpec(t *testing.T, name string, b []byte) string {
	t.Helper()
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &fields), name)
	str := func(key string) string {
		var s string
		require.NoError(t, json.Unmarshal(fields[key], &s), "%s: %s is a string", name, key)
		return s
	}
	num := func(key string) uint64 {
		var n uint64
		require.NoError(t, json.Unmarshal(fields[key], &n), "%s: %s is a non-negative integer", name, key)
		return n
	}
	hash := func(key string) []byte {
		s := str(key)
		require.Regexp(t, hash32RE, s, "%s: %s", name, key)
		return mustHex(s[2:])
	}

	base := []string{"schema", "chain", "contract", "mode", "kind", "loan_id", "record", "salt",
		"commitment", "loan_key", "tx_hash", "block_number", "block_hash", "log_index"}
	want := slices.Clone(base)
	mode := str("mode")
	if mode == "batch" {
		want = append(want, "leaf", "root", "proof", "batch_seq")
	} else {
		require.Equal(t, "direct", mode, name)
	}
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	require.ElementsMatch(t, want, keys, "%s: exactly the fields of a %s receipt", name, mode)

	require.Equal(t, "aartha.receipt/v1", str("schema"), name)
	require.Regexp(t, chainRE, str("chain"), name)
	require.Regexp(t, addressRE, str("contract"), name)
	hash("tx_hash")
	hash("block_hash")
	num("block_number")
	num("log_index")

	// The record: its schema says its kind; its canonical bytes, with the
	// salt, give the commitment; its loan id gives the loan key.
	var record struct {
		Schema string `json:"schema"`
		LoanID string `json:"loan_id"`
	}
	require.NoError(t, json.Unmarshal(fields["record"], &record), name)
	kind := num("kind")
	require.Equal(t, map[string]uint64{"aartha.loan/v1": 1, "aartha.repayment/v1": 2}[record.Schema], kind, "%s: kind", name)
	require.Equal(t, record.LoanID, str("loan_id"), name)
	canonical, err := jcs.Transform(fields["record"])
	require.NoError(t, err, name)
	salt := hash("salt")
	commitment := crypto.Keccak256(salt, canonical)
	require.Equal(t, commitment, hash("commitment"), "%s: commitment = keccak256(salt ‖ JCS(record))", name)
	loanKey := crypto.Keccak256([]byte(record.LoanID))
	require.Equal(t, loanKey, hash("loan_key"), "%s: loan_key = keccak256(loan_id)", name)

	chain := strings.SplitN(str("chain"), ":", 2)[0]
	if mode == "direct" {
		return chain + " direct"
	}

	// Batch: the leaf, then the proof folded up to the root.
	encoded := make([]byte, 96)
	copy(encoded[0:32], loanKey)
	encoded[63] = byte(kind)
	copy(encoded[64:], commitment)
	leaf := crypto.Keccak256(crypto.Keccak256(encoded))
	require.Equal(t, leaf, hash("leaf"), "%s: leaf", name)
	var proof []string
	require.NoError(t, json.Unmarshal(fields["proof"], &proof), "%s: proof is an array of hashes", name)
	require.NotNil(t, proof, "%s: proof is an array, never null", name)
	node := leaf
	for _, p := range proof {
		require.Regexp(t, hash32RE, p, name)
		sibling := mustHex(p[2:])
		if bytes.Compare(node, sibling) < 0 {
			node = crypto.Keccak256(node, sibling)
		} else {
			node = crypto.Keccak256(sibling, node)
		}
	}
	require.Equal(t, node, hash("root"), "%s: the proof leads from the leaf to the root", name)
	require.NotZero(t, num("batch_seq"), "%s: batch_seq starts at 1", name)
	if len(proof) == 0 {
		return chain + " batch 1 leaf"
	}
	return chain + " batch many leaves"
}
