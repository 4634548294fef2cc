package multichain

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// base58Alphabet is Bitcoin's base58 alphabet, which MultiChain uses.
const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// AddressParams are the chain parameters that shape a MultiChain address:
// address-pubkeyhash-version and address-checksum-value from the chain's
// params.dat (getblockchainparams reports both). Each chain draws its own.
type AddressParams struct {
	Version       []byte // 1 to 4 bytes, interleaved into the hash
	ChecksumValue uint32 // XORed into the double-SHA-256 checksum
}

// PublisherHash returns the 20-byte public key hash inside a MultiChain
// address (the value its pay-to-pubkey-hash scripts carry). It works without
// the chain's parameters: the version's length follows from the address's,
// and the checksum, which depends on a per-chain value, is not checked — the
// caller compares the hash it gets with one it expects. A string that is not
// base58 of 25 to 28 bytes is an EINVALID error.
func PublisherHash(address string) (common.Address, error) {
	raw, err := decodeBase58(address)
	if err != nil {
		return common.Address{}, err
	}
	versionLen := len(raw) - 4 - common.AddressLength
	if versionLen < 1 || versionLen > 4 {
		return common.Address{}, ledger.Errorf(ledger.EINVALID, "%q is not a MultiChain address: %d bytes", truncate(address, 60), len(raw))
	}
	payload := raw[:len(raw)-4]
	var hash common.Address
	step := common.AddressLength / versionLen
	j := 0
	for i := range payload {
		if versionPosition(i, step, versionLen) {
			continue
		}
		hash[j] = payload[i]
		j++
	}
	return hash, nil
}

// versionPosition reports whether byte i of an address payload is a version
// byte: the k-th version byte sits before the k-th run of step hash bytes.
func versionPosition(i, step, versionLen int) bool {
	return i%(step+1) == 0 && i/(step+1) < versionLen
}

// EncodeAddress renders a public key hash as a MultiChain address under the
// chain's parameters. Its error is EINVALID for a version of the wrong size.
func EncodeAddress(hash common.Address, p AddressParams) (string, error) {
	n := len(p.Version)
	if n < 1 || n > 4 {
		return "", ledger.Errorf(ledger.EINVALID, "address version has %d bytes, want 1 to 4", n)
	}
	step := common.AddressLength / n
	payload := make([]byte, 0, n+common.AddressLength+4)
	for i := 0; i < common.AddressLength; i++ {
		if i%step == 0 && i/step < n {
			payload = append(payload, p.Version[i/step])
		}
		payload = append(payload, hash[i])
	}
	first := sha256.Sum256(payload)
	second := sha256.Sum256(first[:])
	sum := binary.BigEndian.Uint32(second[:4]) ^ p.ChecksumValue
	payload = binary.BigEndian.AppendUint32(payload, sum)
	return encodeBase58(payload), nil
}

func decodeBase58(s string) ([]byte, error) {
	if s == "" || len(s) > 64 {
		return nil, ledger.Errorf(ledger.EINVALID, "%q is not a MultiChain address", truncate(s, 60))
	}
	n := new(big.Int)
	radix := big.NewInt(58)
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(base58Alphabet, s[i])
		if d < 0 {
			return nil, ledger.Errorf(ledger.EINVALID, "%q is not a MultiChain address: %q is not a base58 character", truncate(s, 60), s[i])
		}
		n.Mul(n, radix)
		n.Add(n, big.NewInt(int64(d)))
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}

func encodeBase58(b []byte) string {
	n := new(big.Int).SetBytes(b)
	radix := big.NewInt(58)
	mod := new(big.Int)
	var out []byte
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
