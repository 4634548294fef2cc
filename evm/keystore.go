package evm

import (
	"bufio"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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

// scryptFor is LightScrypt when light (tests only), else StrongScrypt.
func scryptFor(light bool) int {
	if light {
		return LightScrypt
	}
	return StrongScrypt
}

// NewKeystore generates a key into an encrypted keystore file at path and
// returns its address. light chooses weak, fast encryption, for tests.
func NewKeystore(path, passphrase string, light bool) (common.Address, error) {
	key, err := crypto.GenerateKey()
	if err != nil {
		return common.Address{}, fmt.Errorf("generate key: %w", err)
	}
	return WriteKeystore(path, key, passphrase, scryptFor(light))
}

// ImportKeystore encrypts the hex private key on the first line of r into
// a keystore file at path and returns its address. The key is never
// echoed in an error.
func ImportKeystore(path, passphrase string, r io.Reader, light bool) (common.Address, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return common.Address{}, fmt.Errorf("read key from standard input: %w", err)
	}
	key, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(line), "0x"))
	if err != nil {
		return common.Address{}, errors.New("standard input is not a hex secp256k1 private key")
	}
	return WriteKeystore(path, key, passphrase, scryptFor(light))
}
