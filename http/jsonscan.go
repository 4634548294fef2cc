package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	ledger "github.com/aartha/ledger"
)

// scanJSON walks a request body before it is decoded and refuses what
// encoding/json would quietly accept but a proxy, a log reader or an
// audit tool might read differently:
//   - a key twice in one object (encoding/json keeps the last one, many
//     readers the first);
//   - two keys in one object that differ only in case ("Principal" beside
//     "principal": encoding/json matches field names case-insensitively);
//   - at the top level, a key that is a field of the request only when
//     case is ignored (fields, when not nil, holds the exact names);
//   - text that ledger.CheckText refuses, in any key or string value, and
//     escapes that decode to a lone UTF-16 surrogate (encoding/json turns
//     those into U+FFFD without a word).
//
// Errors are EINVALID and name the field by its path (record.borrower,
// proof[2]). Syntax errors are left to the decoder that follows, so its
// messages stay as they were.
func scanJSON(data []byte, fields map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	s := jsonScan{data: data, dec: dec, fields: fields}
	if err := s.value("", 0); err != nil && ledger.ErrorCode(err) == ledger.EINVALID {
		return err
	}
	return nil
}

// maxJSONDepth bounds nesting; no request of the API nests deeper than 3.
const maxJSONDepth = 32

type jsonScan struct {
	data   []byte
	dec    *json.Decoder
	fields map[string]bool
}

// errSyntax stops the scan on malformed JSON; the decoder reports it.
var errSyntax = errors.New("syntax")

// token reads the next token and, for a string, checks its raw literal
// for invalid UTF-8 and lone surrogate escapes and its text with
// ledger.CheckText under the name field.
func (s *jsonScan) token(field string) (json.Token, error) {
	start := s.dec.InputOffset()
	tok, err := s.dec.Token()
	if err != nil {
		return nil, errSyntax
	}
	str, ok := tok.(string)
	if !ok {
		return tok, nil
	}
	raw := s.data[start:s.dec.InputOffset()]
	if i := bytes.IndexByte(raw, '"'); i >= 0 {
		raw = raw[i:]
	}
	if !utf8.Valid(raw) {
		return nil, ledger.Errorf(ledger.EINVALID, "%s holds bytes that are not UTF-8: send UTF-8 text", field)
	}
	if loneSurrogate(raw) {
		return nil, ledger.Errorf(ledger.EINVALID, "%s holds a lone UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair): send valid Unicode text", field)
	}
	return tok, ledger.CheckText(field, str)
}

// value scans one JSON value named path.
func (s *jsonScan) value(path string, depth int) error {
	name := path
	if name == "" {
		name = "the request body"
	}
	if depth > maxJSONDepth {
		return ledger.Errorf(ledger.EINVALID, "the request body nests deeper than %d levels", maxJSONDepth)
	}
	tok, err := s.token(name)
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return s.object(path, depth)
	case json.Delim('['):
		for i := 0; s.dec.More(); i++ {
			if err := s.value(path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
		if _, err := s.dec.Token(); err != nil {
			return errSyntax
		}
	}
	return nil
}

// object scans the members of an object whose '{' was read.
func (s *jsonScan) object(path string, depth int) error {
	seen := map[string]string{} // folded key -> key as sent
	for s.dec.More() {
		where := "a key of the request body"
		if path != "" {
			where = "a key of " + path
		}
		tok, err := s.token(where)
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return errSyntax
		}
		full := key
		if path != "" {
			full = path + "." + key
		}
		fk := foldKey(key)
		if prev, dup := seen[fk]; dup {
			if prev == key {
				return ledger.Errorf(ledger.EINVALID, "%s appears twice in the request body: send each field once", quoteKey(full))
			}
			return ledger.Errorf(ledger.EINVALID, "%s and %s differ only in case: send each field once, spelled as documented (/api/openapi.json)", quoteKey(prev), quoteKey(key))
		}
		seen[fk] = key
		if path == "" && s.fields != nil && !s.fields[key] {
			for f := range s.fields {
				if foldKey(f) == fk {
					return ledger.Errorf(ledger.EINVALID, "%s is not a field of this request, %s is: field names are case-sensitive", quoteKey(key), f)
				}
			}
		}
		if err := s.value(full, depth+1); err != nil {
			return err
		}
	}
	if _, err := s.dec.Token(); err != nil {
		return errSyntax
	}
	return nil
}

// foldKey maps every key that strings.EqualFold (and so encoding/json's
// field matching) takes for equal onto the same string: each rune becomes
// the smallest rune of its simple case-folding orbit.
func foldKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		b.WriteRune(min)
	}
	return b.String()
}

// quoteKey quotes a key for a message, short and with anything odd escaped.
func quoteKey(k string) string { return strconv.QuoteToASCII(truncate(k, 60)) }

// loneSurrogate reports whether the raw JSON string literal lit has a
// \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one, or a
// \uDC00-\uDFFF escape not preceded by one.
func loneSurrogate(lit []byte) bool {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(lit) || lit[i] != '\\' || lit[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(lit[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		r, ok := hex4(i)
		if !ok {
			i++ // a one-character escape such as \" or \\
			continue
		}
		switch {
		case r >= 0xd800 && r <= 0xdbff:
			lo, ok := hex4(i + 6)
			if !ok || lo < 0xdc00 || lo > 0xdfff {
				return true
			}
			i += 11
		case r >= 0xdc00 && r <= 0xdfff:
			return true
		default:
			i += 5
		}
	}
	return false
}

// exactFields returns the JSON names of the fields of the struct dst
// points to, or nil when dst is not a pointer to a plain struct (one with
// its own UnmarshalJSON checks its keys itself).
func exactFields(dst any) map[string]bool {
	if _, ok := dst.(json.Unmarshaler); ok {
		return nil
	}
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	out := map[string]bool{}
	for _, f := range reflect.VisibleFields(t.Elem()) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out[name] = true
	}
	return out
}
