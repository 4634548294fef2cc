package contracts

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
)

// Revert is a custom error raised by the LoanRegistry contract, decoded from
// the revert data of a failed call or gas estimate.
type Revert struct {
	// Name is the Solidity error's name, e.g. "LoanAlreadyStored".
	Name string
	// Value is the decoded error, e.g. *LoanRegistryLoanAlreadyStored.
	Value any
}

// Error implements error.
func (r *Revert) Error() string {
	return fmt.Sprintf("LoanRegistry reverted with %s%+v", r.Name, r.Value)
}

// DecodeRevert decodes revert data returned by the LoanRegistry contract. It
// returns false if the data is not one of the contract's custom errors (for
// example an out-of-gas failure, which carries no data).
func DecodeRevert(data []byte) (*Revert, bool) {
	if len(data) < 4 {
		return nil, false
	}
	registry := NewLoanRegistry()
	for name, e := range registry.abi.Errors {
		if !bytes.Equal(data[:4], e.ID[:4]) {
			continue
		}
		v, err := registry.UnpackError(data)
		if err != nil {
			return nil, false
		}
		return &Revert{Name: name, Value: v}, true
	}
	return nil, false
}

// AsRevert extracts the LoanRegistry custom error from an error returned by
// eth_call or eth_estimateGas through ethclient (and so by the bind/v2
// helpers, which estimate gas before sending). It returns false if err
// carries no revert data that DecodeRevert understands. Nodes other than
// geth may not return revert data in a form ethclient recognises.
func AsRevert(err error) (*Revert, bool) {
	if err == nil {
		return nil, false
	}
	data, ok := ethclient.RevertErrorData(err)
	if !ok {
		return nil, false
	}
	return DecodeRevert(data)
}

// RevertData returns the revert data carried by an error from eth_call or
// eth_estimateGas, if the node sent any.
func RevertData(err error) ([]byte, bool) {
	if err == nil {
		return nil, false
	}
	return ethclient.RevertErrorData(err)
}

// IsRevert reports whether err is the node saying the call reverted (with or
// without data), as opposed to failing for another reason.
func IsRevert(err error) bool {
	if err == nil {
		return false
	}
	if _, ok := RevertData(err); ok {
		return true
	}
	return strings.Contains(err.Error(), "execution reverted")
}

// DecodeRevertData turns revert data into a readable reason: a LoanRegistry
// custom error with its arguments, e.g. `LoanAlreadyStored(loanKey=0x12…)`,
// a Solidity Error(string) message or Panic(uint256) code, or the raw data
// in hex when it is none of those. Empty data is "reverted without a
// reason".
func DecodeRevertData(data []byte) string {
	if len(data) == 0 {
		return "reverted without a reason"
	}
	if rev, ok := DecodeRevert(data); ok {
		return FormatRevert(rev)
	}
	if msg, err := abi.UnpackRevert(data); err == nil {
		return msg
	}
	return fmt.Sprintf("reverted with unknown data 0x%x", data)
}

// RevertReason returns the readable reason of a revert error from eth_call
// or eth_estimateGas (see DecodeRevertData), or "" if err is not a revert.
func RevertReason(err error) string {
	if data, ok := RevertData(err); ok {
		return DecodeRevertData(data)
	}
	if IsRevert(err) {
		return "reverted without a reason"
	}
	return ""
}

// FormatRevert renders a LoanRegistry custom error as Name(field=value, ...)
// with hashes and addresses in hex.
func FormatRevert(r *Revert) string {
	v := reflect.ValueOf(r.Value)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	var b strings.Builder
	b.WriteString(r.Name)
	b.WriteByte('(')
	if v.Kind() == reflect.Struct {
		for i := 0; i < v.NumField(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			name := v.Type().Field(i).Name
			b.WriteString(strings.ToLower(name[:1]) + name[1:])
			b.WriteByte('=')
			switch f := v.Field(i).Interface().(type) {
			case [32]byte:
				b.WriteString(common.Hash(f).Hex())
			case common.Address:
				b.WriteString(f.Hex())
			default:
				fmt.Fprintf(&b, "%v", f)
			}
		}
	}
	b.WriteByte(')')
	return b.String()
}
