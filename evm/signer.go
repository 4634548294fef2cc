package evm

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// KeySigner signs transactions with a raw secp256k1 key held in memory. It
// never prints the key: String, GoString and Format show only the address.
// It is safe for concurrent use.
type KeySigner struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

// NewKeySigner returns a signer for key. It fails for a nil key.
func NewKeySigner(key *ecdsa.PrivateKey) (*KeySigner, error) {
	if key == nil {
		return nil, errors.New("new signer: no key")
	}
	return &KeySigner{key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}, nil
}

// Address is the account the signer signs for.
func (s *KeySigner) Address() common.Address { return s.addr }

// SignTx signs tx for chainID with the latest signer rules (EIP-1559 and
// later transaction types).
func (s *KeySigner) SignTx(tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(chainID), s.key)
	if err != nil {
		return nil, fmt.Errorf("sign transaction for %s: %w", s.addr, err)
	}
	return signed, nil
}

// String shows the signer's address, never its key.
func (s *KeySigner) String() string { return "KeySigner(" + s.addr.Hex() + ")" }

// GoString is String, so %#v does not print the key either.
func (s *KeySigner) GoString() string { return s.String() }

// Format prints String for every verb, so %+v cannot reach the key.
func (s *KeySigner) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }
