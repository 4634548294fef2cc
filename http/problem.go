package http

import (
	"encoding/json"
	"errors"
	"log/slog"
	nethttp "net/http"
	"strconv"
	"time"

	ledger "github.com/aartha/ledger"
)

// statusOf maps the application's error codes onto HTTP statuses: the one
// table that does so.
var statusOf = map[string]int{
	ledger.EINVALID:      nethttp.StatusBadRequest,
	ledger.ENOTFOUND:     nethttp.StatusNotFound,
	ledger.ECONFLICT:     nethttp.StatusConflict,
	ledger.EUNAUTHORIZED: nethttp.StatusUnauthorized,
	ledger.EFORBIDDEN:    nethttp.StatusForbidden,
	ledger.EUNAVAILABLE:  nethttp.StatusServiceUnavailable,
	ledger.EINTERNAL:     nethttp.StatusInternalServerError,
}

// Problem is an RFC 9457 problem details document. Code is the
// application's error code, for programs; Detail is for the person.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
}

// httpError is a failure that belongs to HTTP itself (a body too large, a
// wrong content type, a rate limit) rather than to the domain.
type httpError struct {
	status     int
	code       string
	msg        string
	retryAfter time.Duration
}

func (e *httpError) Error() string { return e.msg }

func newHTTPError(status int, code, msg string) *httpError {
	return &httpError{status: status, code: code, msg: msg}
}

// writeError answers with the problem document for err. Internal errors
// are logged with their cause and answered with a generic message, so
// internals never reach the caller.
func writeError(w nethttp.ResponseWriter, r *nethttp.Request, log *slog.Logger, err error) {
	var he *httpError
	p := Problem{Instance: r.URL.Path}
	if errors.As(err, &he) {
		p.Status, p.Code, p.Detail = he.status, he.code, he.msg
		if he.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((he.retryAfter+time.Second-1)/time.Second)))
		}
	} else {
		p.Code = ledger.ErrorCode(err)
		p.Status = statusOf[p.Code]
		p.Detail = ledger.ErrorMessage(err)
		if p.Status == 0 {
			p.Status = nethttp.StatusInternalServerError
		}
	}
	if p.Status >= 500 {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", p.Status, "err", err)
		noteFailure(w, err)
		if p.Code == ledger.EINTERNAL {
			p.Detail = "internal error: the failure was logged; try again, and report it if it persists"
		}
	}
	p.Title = nethttp.StatusText(p.Status)
	p.Type = "https://aartha.dev/problems/" + p.Code
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// StatusOf is the HTTP status the API answers an error with, from the one
// table above (500 for an error without a known code).
func StatusOf(err error) int {
	if s := statusOf[ledger.ErrorCode(err)]; s != 0 {
		return s
	}
	return nethttp.StatusInternalServerError
}
