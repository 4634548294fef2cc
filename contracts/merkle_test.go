package contracts_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/contracts"
)

// record is one batch leaf's values, docs/fingerprint.md.
type record struct {
	key        [32]byte
	kind       uint8
	commitment [32]byte
}

// leaf is the StandardMerkleTree leaf of r, computed by the domain package
// the anchoring worker uses.
func (r record) leaf() [32]byte {
	return ledger.Leaf(r.key, ledger.Kind(r.kind), r.commitment)
}

// stdTree is the domain's Merkle tree of records: the very code that builds
// the batches the worker anchors, so these tests check it against the
// contract and against @openzeppelin/merkle-tree.
type stdTree struct{ *ledger.MerkleTree }

func buildStdTree(t testing.TB, records []record) stdTree {
	t.Helper()
	leaves := make([]common.Hash, len(records))
	for i, r := range records {
		leaves[i] = r.leaf()
	}
	tree, err := ledger.NewMerkleTree(leaves)
	require.NoError(t, err)
	return stdTree{tree}
}

func (tr stdTree) root() [32]byte { return tr.Root() }

// proof returns the siblings from r's leaf up to the root.
func (tr stdTree) proof(t testing.TB, r record) [][32]byte {
	t.Helper()
	p, err := tr.Proof(r.leaf())
	require.NoError(t, err, "record is not in the tree")
	out := [][32]byte{}
	for _, h := range p {
		out = append(out, h)
	}
	return out
}

// hashPair is keccak256 of two nodes in ascending order, for the
// hand-checked layout below.
func hashPair(a, b [32]byte) [32]byte {
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	return crypto.Keccak256Hash(a[:], b[:])
}

// sampleRecords returns n records alternating approved and repaid, as a batch
// of the anchor worker would hold them.
func sampleRecords(n int) []record {
	out := make([]record, n)
	for i := range out {
		kind := uint8(1 + i%2)
		id := fmt.Sprintf("LN-%06d", i/2)
		out[i] = record{key: loanKey(id), kind: kind, commitment: commitmentOf(fmt.Sprintf("%s kind %d", id, kind))}
	}
	return out
}

func TestMerkleTreeLayout(t *testing.T) {
	// Hand-checkable case of the layout rules: leaves a < b < c sit at the
	// end of the array in reverse order, so the root is H(H(a, b), c).
	rs := sampleRecords(3)
	leaves := [][32]byte{rs[0].leaf(), rs[1].leaf(), rs[2].leaf()}
	slices.SortFunc(leaves, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	tr := buildStdTree(t, rs)
	require.Equal(t, hashPair(hashPair(leaves[0], leaves[1]), leaves[2]), tr.root())

	one := buildStdTree(t, rs[:1])
	require.Equal(t, rs[0].leaf(), one.root())
	require.Empty(t, one.proof(t, rs[0]))
}

func TestVerifyLeaf(t *testing.T) {
	h := newHarness(t, nil)
	reg := h.reg

	for _, n := range []int{1, 2, 3, 8, 13} {
		t.Run(fmt.Sprintf("leaves=%d", n), func(t *testing.T) {
			rs := sampleRecords(n)
			tr := buildStdTree(t, rs)
			root := tr.root()
			r0 := rs[0]

			// Before the root is anchored, verification refuses to answer.
			_, err := call(h, reg.PackVerifyLeaf(root, r0.key, r0.kind, r0.commitment, tr.proof(t, r0)), reg.UnpackVerifyLeaf)
			require.Equal(t, root, requireRevert(t, err, "UnknownBatch").(*contracts.LoanRegistryUnknownBatch).Root)

			h.mustSend(h.anchorer, reg.PackAnchorBatch(root, uint32(n)))

			for _, r := range rs {
				require.Equal(t, r.leaf(), mustCall(h, reg.PackLeafHash(r.key, r.kind, r.commitment), reg.UnpackLeafHash))
				proof := tr.proof(t, r)
				require.True(t, mustCall(h, reg.PackVerifyLeaf(root, r.key, r.kind, r.commitment, proof), reg.UnpackVerifyLeaf))

				// Any change to the record fails the proof.
				other := 3 - r.kind
				require.False(t, mustCall(h, reg.PackVerifyLeaf(root, r.key, other, r.commitment, proof), reg.UnpackVerifyLeaf), "kind swapped")
				require.False(t, mustCall(h, reg.PackVerifyLeaf(root, r.key, r.kind, commitmentOf("forged"), proof), reg.UnpackVerifyLeaf), "commitment changed")
				require.False(t, mustCall(h, reg.PackVerifyLeaf(root, loanKey("LN-forged"), r.kind, r.commitment, proof), reg.UnpackVerifyLeaf), "key changed")
			}
			if n > 1 {
				// A proof of one record does not prove another.
				require.False(t, mustCall(h, reg.PackVerifyLeaf(root, r0.key, r0.kind, r0.commitment, tr.proof(t, rs[1])), reg.UnpackVerifyLeaf))
				// Nor does the bare leaf with an empty proof.
				require.False(t, mustCall(h, reg.PackVerifyLeaf(root, r0.key, r0.kind, r0.commitment, nil), reg.UnpackVerifyLeaf))
			}
			for _, bad := range []uint8{0, 3, 255} {
				_, err := call(h, reg.PackVerifyLeaf(root, r0.key, bad, r0.commitment, tr.proof(t, r0)), reg.UnpackVerifyLeaf)
				require.Equal(t, bad, requireRevert(t, err, "InvalidKind").(*contracts.LoanRegistryInvalidKind).Kind)
				_, err = call(h, reg.PackLeafHash(r0.key, bad, r0.commitment), reg.UnpackLeafHash)
				requireRevert(t, err, "InvalidKind")
			}
		})
	}
}

// jsTree is the output of scripts/merkle.js.
type jsTree struct {
	Root   common.Hash     `json:"root"`
	Tree   []common.Hash   `json:"tree"`
	Leaves []common.Hash   `json:"leaves"`
	Proofs [][]common.Hash `json:"proofs"`
}

// requireNode returns the path of node if it and the merkle-tree package are
// installed. On a developer's machine without them the test is skipped; in
// CI (CI=true) a missing dependency is a failure, never a silent skip.
func requireNode(t *testing.T) string {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format+" (required when CI=true)", args...)
		}
		t.Skipf(format+"; run npm ci in contracts/", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node not found: %v", err)
	}
	pkg := filepath.Join("node_modules", "@openzeppelin", "merkle-tree", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		missing("@openzeppelin/merkle-tree not installed: %v", err)
	}
	return node
}

func runMerkleJS(t *testing.T, node string, rs []record) jsTree {
	t.Helper()
	values := make([][]any, len(rs))
	for i, r := range rs {
		values[i] = []any{hexutil.Encode(r.key[:]), r.kind, hexutil.Encode(r.commitment[:])}
	}
	in, err := json.Marshal(values)
	require.NoError(t, err)
	cmd := exec.Command(node, filepath.Join("scripts", "merkle.js"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoErrorf(t, err, "merkle.js: %s", stderr.String())
	var tree jsTree
	require.NoError(t, json.Unmarshal(out, &tree))
	return tree
}

func TestMerkleMatchesOpenZeppelin(t *testing.T) {
	node := requireNode(t)
	h := newHarness(t, nil)
	reg := h.reg

	for _, n := range []int{1, 2, 5, 16, 33} {
		rs := sampleRecords(n)
		js := runMerkleJS(t, node, rs)
		tr := buildStdTree(t, rs)

		require.Equal(t, common.Hash(tr.root()), js.Root, "root, %d leaves", n)
		require.Len(t, js.Tree, 2*n-1)

		h.mustSend(h.anchorer, reg.PackAnchorBatch(js.Root, uint32(n)))
		for i, r := range rs {
			require.Equal(t, common.Hash(r.leaf()), js.Leaves[i])
			goProof := tr.proof(t, r)
			jsProof := make([][32]byte, len(js.Proofs[i]))
			for j, p := range js.Proofs[i] {
				jsProof[j] = p
			}
			require.Equal(t, goProof, jsProof, "proof of leaf %d of %d", i, n)
			// The contract accepts the library's proof for the library's root.
			require.True(t, mustCall(h, reg.PackVerifyLeaf(js.Root, r.key, r.kind, r.commitment, jsProof), reg.UnpackVerifyLeaf))
		}
	}
	require.Equal(t, uint64(5), mustCall(h, reg.PackBatchCount(), reg.UnpackBatchCount))
}

// TestGoldenReceiptsMatchOpenZeppelin checks the golden batch receipts of
// docs/receipt.md with the library a third-party verifier would use: the
// tree @openzeppelin/merkle-tree builds from the batch's members has the
// receipt's root, and the library's proof of the receipt's leaf is the
// receipt's proof — "proof": [] for the batch of one leaf.
func TestGoldenReceiptsMatchOpenZeppelin(t *testing.T) {
	node := requireNode(t)
	type receipt struct {
		Kind       uint8         `json:"kind"`
		LoanKey    common.Hash   `json:"loan_key"`
		Commitment common.Hash   `json:"commitment"`
		Leaf       common.Hash   `json:"leaf"`
		Root       common.Hash   `json:"root"`
		Proof      []common.Hash `json:"proof"`
	}
	read := func(name string, v any) {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "receipts", name))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, v), name)
	}
	asRecord := func(key common.Hash, kind uint8, commitment common.Hash) record {
		return record{key: key, kind: kind, commitment: commitment}
	}

	var one receipt
	read("evm-batch-one.json", &one)
	js := runMerkleJS(t, node, []record{asRecord(one.LoanKey, one.Kind, one.Commitment)})
	require.Equal(t, one.Root, js.Root)
	require.Equal(t, one.Leaf, js.Leaves[0])
	require.NotNil(t, one.Proof, `a one-leaf batch receipt carries "proof": []`)
	require.Empty(t, js.Proofs[0])

	var many receipt
	read("evm-batch-many.json", &many)
	var members [][3]any
	read("evm-batch-many.members.json", &members)
	var rs []record
	at := -1
	for i, m := range members {
		key, commitment := common.HexToHash(m[0].(string)), common.HexToHash(m[2].(string))
		rs = append(rs, asRecord(key, uint8(m[1].(float64)), commitment))
		if key == many.LoanKey && commitment == many.Commitment {
			at = i
		}
	}
	require.NotEqual(t, -1, at, "the receipt's record is a member of its batch")
	js = runMerkleJS(t, node, rs)
	require.Equal(t, many.Root, js.Root)
	require.Equal(t, many.Leaf, js.Leaves[at])
	require.Equal(t, many.Proof, js.Proofs[at])
}
