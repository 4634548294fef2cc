package ledger

import (
	"bytes"
	"hash"
	"io"

	"github.com/ethereum/go-ethereum/common"
	"golang.org/x/crypto/sha3"
)

// keccakHasher computes the keccak256 hashes of one offline receipt check
// (loan key, commitment, leaf and every proof step) with one sponge and
// scratch space of its own, so that the check allocates neither a sponge
// per hash nor a heap copy of each input. It is golang.org/x/crypto/sha3's
// legacy Keccak-256, the same function as go-ethereum's crypto.Keccak256
// (TestKeccakHasherMatchesGoEthereum) and on amd64 about a fifth faster per
// permutation (BENCHMARKS.md), which is most of a check. Not safe for
// concurrent use.
type keccakHasher struct {
	sponge keccakSponge
	block  [96]byte // an ABI-encoded leaf, or a sorted pair of nodes
	id     [64]byte // a loan id's bytes, if it fits
	out    common.Hash
}

// keccakSponge is what sha3.NewLegacyKeccak256 returns: a hash that can
// also be read, which writes the digest without allocating.
type keccakSponge interface {
	hash.Hash
	io.Reader
}

func newKeccakHasher() *keccakHasher {
	return &keccakHasher{sponge: sha3.NewLegacyKeccak256().(keccakSponge)}
}

// sum is keccak256 of the concatenation of a and b.
func (k *keccakHasher) sum(a, b []byte) common.Hash {
	k.sponge.Reset()
	_, _ = k.sponge.Write(a)
	_, _ = k.sponge.Write(b)
	_, _ = k.sponge.Read(k.out[:])
	return k.out
}

// fingerprint is NewFingerprint on this hasher.
func (k *keccakHasher) fingerprint(r Record, salt []byte) Fingerprint {
	fp := Fingerprint{Kind: r.Kind(), Canonical: CanonicalBytes(r)}
	fp.LoanKey = k.sum(append(k.id[:0], r.ID()...), nil)
	fp.Commitment = k.sum(salt, fp.Canonical)
	fp.Leaf = k.leaf(fp.LoanKey, fp.Kind, fp.Commitment)
	return fp
}

// leaf is Leaf on this hasher.
func (k *keccakHasher) leaf(loanKey common.Hash, kind Kind, commitment common.Hash) common.Hash {
	k.block = [96]byte{}
	copy(k.block[:32], loanKey[:])
	k.block[63] = byte(kind)
	copy(k.block[64:], commitment[:])
	inner := k.sum(k.block[:], nil)
	copy(k.block[:32], inner[:])
	return k.sum(k.block[:32], nil)
}

// processProof is ProcessProof on this hasher.
func (k *keccakHasher) processProof(leaf common.Hash, proof []common.Hash) common.Hash {
	node := leaf
	for i := range proof {
		a, b := node[:], proof[i][:]
		if bytes.Compare(a, b) > 0 {
			a, b = b, a
		}
		copy(k.block[:32], a)
		copy(k.block[32:64], b)
		node = k.sum(k.block[:64], nil)
	}
	return node
}
