package http

import (
	"mime"
	nethttp "net/http"
	"net/url"
	"sort"

	ledger "github.com/aartha/ledger"
)

// CheckRequestText refuses a request whose query parameters or
// URL-encoded form fields hold text ledger.CheckText refuses (NUL, bytes
// that are not UTF-8, control or bidirectional formatting characters),
// with an EINVALID error that names the parameter. Path values are checked
// by the handlers that read them (ledger.ValidateLoanID). JSON bodies are checked
// as they are decoded (decodeStrict). It parses a form body, so handlers
// read the fields it checked. The API calls it for every request, the
// admin UI for every page and form.
func CheckRequestText(r *nethttp.Request) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return ledger.Errorf(ledger.EINVALID, "the query string is not valid URL encoding: %s", truncate(err.Error(), 120))
	}
	if err := checkValues("query parameter", q); err != nil {
		return err
	}
	if r.Method != nethttp.MethodPost && r.Method != nethttp.MethodPut && r.Method != nethttp.MethodPatch {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return ledger.Errorf(ledger.EINVALID, "the form is not valid URL encoding: %s", truncate(err.Error(), 120))
	}
	return checkValues("form field", r.PostForm)
}

// checkValues checks names and values in a stable order, so the same
// request always names the same field.
func checkValues(kind string, v url.Values) error {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := ledger.CheckText("a "+kind+" name", k); err != nil {
			return err
		}
		for _, s := range v[k] {
			if err := ledger.CheckText(k, s); err != nil {
				return err
			}
		}
	}
	return nil
}
