package evm

import (
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/aartha/ledger/contracts"
)

func crypto256(s string) []byte { return crypto.Keccak256([]byte(s)) }

// RevertData returns the revert data carried by an error from eth_call or
// eth_estimateGas, if the node sent any.
func RevertData(err error) ([]byte, bool) { return contracts.RevertData(err) }

// IsRevert reports whether err is the node saying the call reverted (with or
// without data), as opposed to failing for another reason.
func IsRevert(err error) bool { return contracts.IsRevert(err) }

// DecodeRevertData turns revert data into a readable reason (see
// contracts.DecodeRevertData).
func DecodeRevertData(data []byte) string { return contracts.DecodeRevertData(data) }

// RevertReason returns the readable reason of a revert error, or "" if err
// is not a revert.
func RevertReason(err error) string { return contracts.RevertReason(err) }

// FormatRevert renders a LoanRegistry custom error as Name(field=value, ...).
func FormatRevert(r *contracts.Revert) string { return contracts.FormatRevert(r) }
