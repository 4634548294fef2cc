package ledger

import (
	"errors"
	"fmt"
)

// Application error codes. Every adapter maps its own failures onto these,
// and the HTTP layer maps these onto status codes in one table.
const (
	EINVALID      = "invalid"      // the caller's input breaks a rule
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	ECONFLICT     = "conflict"     // the request clashes with current state
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // credentials lack the needed role
	EUNAVAILABLE  = "unavailable"  // a dependency is down; retry later
	EINTERNAL     = "internal"     // a bug or an unexpected failure
)

// Error is an application error: a code for machines and a message for the
// person who has to act on it. Messages never contain secrets.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of the first *Error in err's chain,
// or a generic message for other errors so internals never leak to callers.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "internal error"
}
