package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	nethttp "net/http"
	"strings"

	ledger "github.com/aartha/ledger"
)

// DefaultMaxBodyBytes bounds request bodies unless configured otherwise.
const DefaultMaxBodyBytes = 64 << 10

// readJSONBody checks the content type, reads at most max bytes and
// decodes them strictly into dst (see decodeStrict).
func readJSONBody(r *nethttp.Request, max int64, dst any) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return newHTTPError(nethttp.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("Content-Type %q is not accepted: send the body as JSON with Content-Type: application/json", truncate(ct, 60)))
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return ledger.Errorf(ledger.EINVALID, "the request body could not be read: %v", err)
	}
	if int64(len(data)) > max {
		return newHTTPError(nethttp.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("the request body is larger than %d bytes", max))
	}
	return decodeStrict(data, dst)
}

// decodeStrict decodes one JSON object into dst: unknown fields, a wrong
// type for a field, trailing data, an empty body and everything scanJSON
// refuses are EINVALID errors whose message names the field and what it
// should be.
func decodeStrict(data []byte, dst any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return ledger.Errorf(ledger.EINVALID, "the request body is empty: send a JSON object")
	}
	if err := scanJSON(data, exactFields(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return ledger.Errorf(ledger.EINVALID, "the request body has data after its JSON object: send exactly one object")
	}
	return nil
}

// jsonError turns a decoding error into a message a person can act on.
func jsonError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return ledger.Errorf(ledger.EINVALID, "the request body is not valid JSON (at byte %d): %v", syntax.Offset, syntax)
	case errors.As(err, &typ) && typ.Field != "":
		return ledger.Errorf(ledger.EINVALID, "%s must be %s, not a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &typ):
		return ledger.Errorf(ledger.EINVALID, "the request body must be a JSON object, not a JSON %s", typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ledger.Errorf(ledger.EINVALID, "the request body is cut short: it is not complete JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return ledger.Errorf(ledger.EINVALID, "%s is not a field of this request: check its spelling against the API documentation (/api/openapi.json)",
			strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return ledger.Errorf(ledger.EINVALID, "the request body is not valid JSON: %v", err)
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string (decimal amounts are strings too, e.g. \"150000\")"
	case "int64", "int", "uint64":
		return "a whole number"
	case "bool":
		return "true or false"
	}
	return "a JSON " + k
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
