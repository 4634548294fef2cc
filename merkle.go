package ledger

import (
	"bytes"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// MerkleTree is a batch of leaves laid out exactly as OpenZeppelin's
// StandardMerkleTree (npm @openzeppelin/merkle-tree) lays them out, so the
// library, the contract's MerkleProof.verify and this type agree on every
// root and proof: leaves sorted ascending, stored at the end of a flat array
// in reverse order, node i with children 2i+1 and 2i+2, pairs hashed in
// sorted order. A MerkleTree is immutable and safe for concurrent reads.
type MerkleTree struct {
	nodes []common.Hash
	index map[common.Hash]int // leaf → position in nodes
}

// NewMerkleTree builds the tree of the given leaves (already leaf-hashed,
// see Leaf). It returns an EINVALID error for no leaves or a repeated leaf:
// a batch never anchors the same record twice.
func NewMerkleTree(leaves []common.Hash) (*MerkleTree, error) {
	n := len(leaves)
	if n == 0 {
		return nil, Errorf(EINVALID, "a Merkle tree needs at least one leaf")
	}
	sorted := slices.Clone(leaves)
	slices.SortFunc(sorted, func(a, b common.Hash) int { return bytes.Compare(a[:], b[:]) })
	t := &MerkleTree{nodes: make([]common.Hash, 2*n-1), index: make(map[common.Hash]int, n)}
	for i, leaf := range sorted {
		if i > 0 && sorted[i-1] == leaf {
			return nil, Errorf(EINVALID, "leaf %s appears twice in one batch", leaf.Hex())
		}
		pos := len(t.nodes) - 1 - i
		t.nodes[pos] = leaf
		t.index[leaf] = pos
	}
	for i := len(t.nodes) - 1 - n; i >= 0; i-- {
		t.nodes[i] = hashPair(t.nodes[2*i+1], t.nodes[2*i+2])
	}
	return t, nil
}

// Root is the tree's root, the value anchorBatch writes on chain.
func (t *MerkleTree) Root() common.Hash { return t.nodes[0] }

// Len is the number of leaves.
func (t *MerkleTree) Len() int { return len(t.index) }

// Proof returns the sibling hashes from leaf up to the root, or ENOTFOUND if
// the leaf is not in the tree.
func (t *MerkleTree) Proof(leaf common.Hash) ([]common.Hash, error) {
	i, ok := t.index[leaf]
	if !ok {
		return nil, Errorf(ENOTFOUND, "leaf %s is not in this batch", leaf.Hex())
	}
	var proof []common.Hash
	for i > 0 {
		sibling := i + 1
		if i%2 == 0 {
			sibling = i - 1
		}
		proof = append(proof, t.nodes[sibling])
		i = (i - 1) / 2
	}
	return proof, nil
}

// ProcessProof folds a proof into the root it implies for leaf, as
// OpenZeppelin's MerkleProof.processProof does.
func ProcessProof(leaf common.Hash, proof []common.Hash) common.Hash {
	return newKeccakHasher().processProof(leaf, proof)
}

// hashPair is keccak256 of the two nodes in ascending byte order.
func hashPair(a, b common.Hash) common.Hash {
	var buf [64]byte
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	copy(buf[:32], a[:])
	copy(buf[32:], b[:])
	return crypto.Keccak256Hash(buf[:])
}
