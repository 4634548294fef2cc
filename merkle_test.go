package ledger_test

import (
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

func testLeaves(n int) []common.Hash {
	leaves := make([]common.Hash, n)
	for i := range leaves {
		key := ledger.LoanKey(fmt.Sprintf("LOAN-%d", i))
		leaves[i] = ledger.Leaf(key, ledger.KindApproved, crypto.Keccak256Hash([]byte{byte(i), byte(i >> 8)}))
	}
	return leaves
}

func TestMerkleProofsLeadToRoot(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 33, 100} {
		leaves := testLeaves(n)
		tree, err := ledger.NewMerkleTree(leaves)
		require.NoError(t, err)
		require.Equal(t, n, tree.Len())
		for _, leaf := range leaves {
			proof, err := tree.Proof(leaf)
			require.NoError(t, err)
			require.Equal(t, tree.Root(), ledger.ProcessProof(leaf, proof), "n=%d", n)
		}
		if n == 1 {
			require.Equal(t, leaves[0], tree.Root(), "a one-leaf tree's root is the leaf")
		}
	}
}

func TestMerkleTreeIgnoresInputOrder(t *testing.T) {
	leaves := testLeaves(9)
	a, err := ledger.NewMerkleTree(leaves)
	require.NoError(t, err)
	reversed := make([]common.Hash, len(leaves))
	for i, l := range leaves {
		reversed[len(leaves)-1-i] = l
	}
	b, err := ledger.NewMerkleTree(reversed)
	require.NoError(t, err)
	require.Equal(t, a.Root(), b.Root())
}

func TestMerkleTreeRejects(t *testing.T) {
	_, err := ledger.NewMerkleTree(nil)
	require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err))
	leaves := testLeaves(3)
	_, err = ledger.NewMerkleTree(append(leaves, leaves[1]))
	require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err))

	tree, err := ledger.NewMerkleTree(leaves)
	require.NoError(t, err)
	_, err = tree.Proof(common.Hash{1})
	require.Equal(t, ledger.ENOTFOUND, ledger.ErrorCode(err))
	proof, err := tree.Proof(leaves[0])
	require.NoError(t, err)
	require.NotEqual(t, tree.Root(), ledger.ProcessProof(leaves[1], proof), "a proof is bound to its leaf")
}
