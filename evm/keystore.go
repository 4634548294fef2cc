package evm

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
)

// Scrypt strengths for keystore files. StrongScrypt is go-ethereum's
// standard (about a second and 256 MB to decrypt); LightScrypt is for tests.
const (
	StrongScrypt = keystore.StandardScryptN
	LightScrypt  = keystore.LightScryptN
)

// WriteKeystore encrypts key with passphrase into a new go-ethereum keystore
// (Web3 Secret Storage v3) file at path, readable by geth, clef and wallets.
// It refuses to overwrite an existing file and writes with mode 0600.
func WriteKeystore(path string, key *ecdsa.PrivateKey, passphrase string, scryptN int) (common.Address, error) {
	if passphrase == "" {
		return common.Address{}, errors.New("write keystore: the passphrase is empty")
	}
	addr := crypto.PubkeyToAddress(key.PublicKey)
	id, err := uuid.NewRandom()
	if err != nil {
		return common.Address{}, fmt.Errorf("write keystore: %w", err)
	}
	blob, err := keystore.EncryptKey(&keystore.Key{Id: id, Address: addr, PrivateKey: key}, passphrase, scryptN, keystore.StandardScryptP)
	if err != nil {
		return common.Address{}, fmt.Errorf("write keystore: encrypt: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return common.Address{}, fmt.Errorf("write keystore: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return common.Address{}, fmt.Errorf("write keystore: %w", err)
	}
	if _, err := f.Write(blob); err != nil {
		f.Close()
		return common.Address{}, fmt.Errorf("write keystore %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return common.Address{}, fmt.Errorf("write keystore %s: %w", path, err)
	}
	return addr, nil
}

// LoadKeystore decrypts the keystore file at path into a signer. A wrong
// passphrase is reported as such; neither the passphrase nor the key ever
// appears in an error.
func LoadKeystore(path, passphrase string) (*KeySigner, error) {
	blob, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read keystore: %w", err)
	}
	key, err := keystore.DecryptKey(blob, passphrase)
	switch {
	case errors.Is(err, keystore.ErrDecrypt):
		return nil, fmt.Errorf("keystore %s: wrong passphrase", path)
	case err != nil:
		return nil, fmt.Errorf("keystore %s is not a valid keystore file: %w", path, err)
	}
	return NewKeySigner(key.PrivateKey)
}

// KeystoreAddress reads the account address a keystore file declares,
// without decrypting it.
func KeystoreAddress(path string) (common.Address, error) {
	blob, err := os.ReadFile(path)
	if err != nil {
		return common.Address{}, fmt.Errorf("read keystore: %w", err)
	}
	var v struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal(blob, &v); err != nil || !common.IsHexAddress(v.Address) {
		return common.Address{}, fmt.Errorf("keystore %s has no account address", path)
	}
	return common.HexToAddress(v.Address), nil
}
