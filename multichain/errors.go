package multichain

import (
	"errors"
	"fmt"

	ledger "github.com/aartha/ledger"
)

// JSON-RPC error codes a MultiChain 2.3 node answers with (its rpcprotocol.h
// numbering; the ones this package acts on were seen on a real node).
const (
	CodeMisc               = -1     // misc failure; also wrong parameter count (the message is the method's help)
	CodeWalletError        = -4     // wallet failure (older nodes: key not in the wallet)
	CodeInvalidAddress     = -5     // an address not of this chain; older nodes: no such transaction
	CodeInvalidParameter   = -8     // bad data, bad parameter
	CodeInWarmup           = -28    // node still loading
	CodeMethodNotFound     = -32601 // unknown method (sent with HTTP 404)
	CodeParseError         = -32700 // the request was not JSON
	CodeNotAllowed         = -701   // operation not allowed
	CodeNotSubscribed      = -703   // read of a stream the node is not subscribed to
	CodeNoPermission       = -704   // the address lacks a permission (e.g. <stream>.write)
	CodeDuplicateName      = -705   // a stream, asset or entity of that name already exists
	CodeUnconfirmedEntity  = -706   // the stream's creation is not yet confirmed
	CodeEntityNotFound     = -708   // no stream (or other entity) of that name
	CodeWalletAddrNotFound = -709   // the from-address's private key is not in the node's wallet
	CodeTxNotFound         = -710   // no such transaction, or not an item of this stream
	CodeBlockOutOfRange    = -711   // a block height past the chain's head
	CodeInvalidVout        = -712   // no such output of the transaction
)

// RPCError is an error answer from the node: any JSON-RPC error, whatever
// HTTP status carried it (MultiChain uses 500 for all of them but unknown
// methods, which get 404). Its Unwrap gives the matching *ledger.Error, so
// ledger.ErrorCode works on it; errors.Is matches the Err* values below by
// code.
type RPCError struct {
	Method  string
	Code    int
	Message string
}

// Error implements error.
func (e *RPCError) Error() string {
	msg := e.Message
	if e.Code == CodeMisc && len(msg) > 200 {
		msg = truncate(msg, 200) // wrong argument count: the message is the whole help text
	}
	if e.Method == "" {
		return fmt.Sprintf("multichain: %s (code %d)", msg, e.Code)
	}
	return fmt.Sprintf("multichain %s: %s (code %d)", e.Method, msg, e.Code)
}

// Is reports whether target is an *RPCError of the same code, so that
// errors.Is(err, multichain.ErrNotSubscribed) works whatever the method.
func (e *RPCError) Is(target error) bool {
	t, ok := target.(*RPCError)
	return ok && t.Method == "" && t.Code == e.Code
}

// Unwrap returns the domain error the node's answer amounts to.
func (e *RPCError) Unwrap() error {
	return &ledger.Error{Code: domainCode(e.Code), Message: e.Error()}
}

// Permanent reports whether repeating the same call cannot help: a missing
// permission, a missing stream, bad data, a bad call, an address of another
// chain or a publisher whose key is not in the node's wallet (-709) stay so
// until someone changes the chain, the node or the configuration. A node that is warming up, an item not yet
// found and a stream not yet subscribed are worth retrying.
func (e *RPCError) Permanent() bool {
	switch e.Code {
	case CodeNoPermission, CodeEntityNotFound, CodeInvalidParameter, CodeMisc,
		CodeMethodNotFound, CodeParseError, CodeNotAllowed, CodeDuplicateName,
		CodeWalletAddrNotFound, CodeInvalidAddress, CodeWalletError, CodeInvalidVout:
		return true
	}
	return false
}

// Errors to match with errors.Is against what the client returns.
var (
	ErrNotSubscribed  = &RPCError{Code: CodeNotSubscribed, Message: "not subscribed to this stream"}
	ErrNoPermission   = &RPCError{Code: CodeNoPermission, Message: "the address lacks a permission"}
	ErrStreamNotFound = &RPCError{Code: CodeEntityNotFound, Message: "stream not found"}
	ErrItemNotFound   = &RPCError{Code: CodeTxNotFound, Message: "item not found in this stream"}
	ErrBadData        = &RPCError{Code: CodeInvalidParameter, Message: "invalid parameter or data"}
	ErrAlreadyExists  = &RPCError{Code: CodeDuplicateName, Message: "name already exists"}
	ErrMethodNotFound = &RPCError{Code: CodeMethodNotFound, Message: "method not found"}
	// ErrTxUnknown is getrawtransaction's answer for an unknown txid: -710
	// "No information available about transaction" on MultiChain 2.3.3 (the
	// same code as ErrItemNotFound; RawTransaction also turns an older
	// node's -5 into it).
	ErrTxUnknown       = &RPCError{Code: CodeTxNotFound, Message: "no information about the transaction"}
	ErrNotInWallet     = &RPCError{Code: CodeWalletAddrNotFound, Message: "private key for from-address is not found in this wallet"}
	ErrBlockOutOfRange = &RPCError{Code: CodeBlockOutOfRange, Message: "block height out of range"}
	ErrInvalidVout     = &RPCError{Code: CodeInvalidVout, Message: "invalid vout"}
)

func domainCode(code int) string {
	switch code {
	case CodeNoPermission, CodeWalletAddrNotFound:
		return ledger.EFORBIDDEN
	case CodeEntityNotFound, CodeTxNotFound, CodeInvalidAddress:
		return ledger.ENOTFOUND
	case CodeInvalidParameter, CodeBlockOutOfRange, CodeInvalidVout:
		return ledger.EINVALID
	case CodeNotSubscribed, CodeDuplicateName, CodeUnconfirmedEntity, CodeNotAllowed:
		return ledger.ECONFLICT
	case CodeInWarmup:
		return ledger.EUNAVAILABLE
	}
	return ledger.EINTERNAL
}

// AuthError is the node refusing the credentials (HTTP 401 with an empty
// body) or the caller's address (HTTP 403, rpcallowip). It names the node by
// host only and never carries the password.
type AuthError struct {
	Host   string
	Status int
}

// Error implements error.
func (e *AuthError) Error() string {
	if e.Status == 403 {
		return fmt.Sprintf("multichain node at %s refused this client's address (HTTP 403): check rpcallowip in multichain.conf", e.Host)
	}
	return fmt.Sprintf("multichain node at %s refused the credentials (HTTP 401): check rpcuser/rpcpassword (MULTICHAIN_CONF or the URL)", e.Host)
}

// Unwrap gives the domain error: the node is unusable until configuration
// changes, which for our callers means unavailable.
func (e *AuthError) Unwrap() error {
	return &ledger.Error{Code: ledger.EUNAVAILABLE, Message: e.Error()}
}

// Permanent implements the worker's retry contract: wrong credentials do not
// fix themselves.
func (e *AuthError) Permanent() bool { return true }

// TransportError is a failure to get any answer from the node: connection
// refused or reset (as when the node crashed), timeout, or an HTTP answer
// that is not MultiChain's JSON. It is worth retrying.
type TransportError struct {
	Host   string
	Method string
	Status int // 0 when no HTTP answer came
	Err    error
}

// Error implements error.
func (e *TransportError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("multichain node at %s: %s: unexpected HTTP %d: %v", e.Host, e.Method, e.Status, e.Err)
	}
	return fmt.Sprintf("multichain node at %s: %s: %v", e.Host, e.Method, e.Err)
}

// Timeout reports whether the node did not answer within the call's time
// (ClientConfig.CallTimeout).
func (e *TransportError) Timeout() bool { return errors.Is(e.Err, errCallTimeout) }

// errCallTimeout is the cause of a call that ran out of its time.
var errCallTimeout = errors.New("call timed out")

// Unwrap returns the cause and the domain error (unavailable).
func (e *TransportError) Unwrap() []error {
	return []error{e.Err, &ledger.Error{Code: ledger.EUNAVAILABLE, Message: e.Error()}}
}

// ConflictError is a record whose key already holds an item of the same kind
// with a different payload: publishing would make a second, contradicting
// anchor, so the adapter refuses (the EVM registry reverts in that case).
type ConflictError struct {
	Key      string
	Existing *Item
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("stream key %q already holds a different item of this kind (txid %s)", e.Key, TxIDString(e.Existing.TxID))
}

// Unwrap gives the domain error (conflict).
func (e *ConflictError) Unwrap() error {
	return &ledger.Error{Code: ledger.ECONFLICT, Message: e.Error()}
}

// Permanent implements the worker's retry contract.
func (e *ConflictError) Permanent() bool { return true }

// permanentError marks a wrapped error as not worth retrying.
type permanentError struct{ error }

func (e permanentError) Unwrap() error   { return e.error }
func (e permanentError) Permanent() bool { return true }

// IsPermanent reports whether err says that retrying cannot help (the same
// test as worker.Permanent).
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}
