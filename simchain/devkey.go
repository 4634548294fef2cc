package simchain

import (
	"crypto/ecdsa"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// DevSeed is the public, fixed text the development signer's key is derived
// from: key = keccak256(DevSeed). Anyone can compute it. It exists so that
// the embedded chain, its funded account and its registry address are the
// same on every machine; never send real funds to DevAddress or use the key
// on any public network.
const DevSeed = "aartha development chain: public test key, never use outside development"

// DevKey returns the development signer's key, derived from DevSeed. It is
// public knowledge by design.
func DevKey() *ecdsa.PrivateKey {
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte(DevSeed)))
	if err != nil {
		panic("simchain: dev seed gives no valid key: " + err.Error()) // cannot happen for this seed
	}
	return key
}

// DevAddress is the development signer's address, funded at genesis. It is
// the registry's admin and anchorer.
func DevAddress() common.Address { return crypto.PubkeyToAddress(DevKey().PublicKey) }

// RegistryAddress is where the development signer's first transaction, the
// registry deployment, puts the LoanRegistry on a fresh embedded chain.
func RegistryAddress() common.Address { return crypto.CreateAddress(DevAddress(), 0) }
