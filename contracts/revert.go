package contracts

import (
	"bytes"
	"fmt"

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
