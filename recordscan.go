package ledger

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// A hand-written scanner for the one shape a record has: a flat JSON
// object of string and number values. It is as strict as the
// encoding/json token reader it replaced (valid UTF-8, JSON syntax,
// duplicate keys, nesting and trailing data refused; see
// TestScanFlatObjectMatchesDecoder) and about five times faster, which is
// most of an offline receipt check (BENCHMARKS.md).

// flatValue is one key and its value: a string, or a number's text.
type flatValue struct {
	key, text string
	number    bool
}

// flatObject is an object's fields in document order.
type flatObject []flatValue

// str is the string value of key.
func (o flatObject) str(key string) (string, bool) {
	for _, f := range o {
		if f.key == key {
			return f.text, !f.number
		}
	}
	return "", false
}

// recordField is a destination of take: a key and where its string or
// integer value goes (exactly one of str and num is set). A struct rather
// than an interface, so that listing a record's fields allocates nothing.
type recordField struct {
	key string
	str *string
	num *int64
}

func strField(key string, dst *string) recordField { return recordField{key: key, str: dst} }
func intField(key string, dst *int64) recordField  { return recordField{key: key, num: dst} }

// take moves the values into dst, insisting on exactly dst's keys, strings
// for strField and plain integers (no sign on zero, no leading zeros, no
// fraction or exponent, at most 15 digits) for intField.
func (o flatObject) take(dst ...recordField) error {
	for _, f := range o {
		known := false
		for _, d := range dst {
			known = known || d.key == f.key
		}
		if !known {
			return Errorf(EINVALID, "record has unexpected key %q", truncate(f.key, 60))
		}
	}
	// Every key is known and none is repeated, so equal counts mean
	// every key of dst is present.
	if len(o) != len(dst) {
		for _, d := range dst {
			if _, ok := o.index(d.key); !ok {
				return Errorf(EINVALID, "record lacks key %q", d.key)
			}
		}
	}
	for _, d := range dst {
		i, _ := o.index(d.key)
		v := o[i]
		switch {
		case d.str != nil:
			if v.number {
				return Errorf(EINVALID, "record key %q must be a string", d.key)
			}
			*d.str = v.text
		default:
			if !v.number || !isPlainInteger(v.text) {
				return Errorf(EINVALID, "record key %q must be a plain integer", d.key)
			}
			*d.num, _ = strconv.ParseInt(v.text, 10, 64)
		}
	}
	return nil
}

func (o flatObject) index(key string) (int, bool) {
	for i, f := range o {
		if f.key == key {
			return i, true
		}
	}
	return 0, false
}

// isPlainInteger matches ^(0|-?[1-9][0-9]{0,14})$.
func isPlainInteger(s string) bool {
	if s == "0" {
		return true
	}
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 15 || s[0] < '1' || s[0] > '9' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// scanFlatObject reads a JSON object whose values are strings or numbers,
// appending its fields to out (ParseRecord passes room on its stack).
func scanFlatObject(data []byte, out flatObject) (flatObject, error) {
	invalid := func(format string, args ...any) error {
		return Errorf(EINVALID, "record is not valid: "+format, args...)
	}
	if !utf8.Valid(data) {
		return nil, invalid("it is not UTF-8")
	}
	// The values are substrings of one copy of the text: one allocation
	// instead of one per value.
	s := scanner{data: data, text: string(data)}
	if s.skip(); !s.eat('{') {
		return nil, invalid("expected a JSON object")
	}
	if s.skip(); !s.eat('}') {
		for {
			s.skip()
			key, ok := s.key()
			if !ok {
				return nil, invalid("expected a key in double quotes at byte %d", s.i)
			}
			if _, dup := out.index(key); dup {
				return nil, invalid("key %q appears twice", truncate(key, 60))
			}
			if s.skip(); !s.eat(':') {
				return nil, invalid("expected ':' after key %q", truncate(key, 60))
			}
			s.skip()
			v := flatValue{key: key}
			switch c := s.peek(); {
			case c == '"':
				if v.text, ok = s.string(); !ok {
					return nil, invalid("the value of %q is not a valid JSON string", truncate(key, 60))
				}
			case c == '-' || (c >= '0' && c <= '9'):
				if v.text, ok = s.number(); !ok {
					return nil, invalid("the value of %q is not a valid JSON number", truncate(key, 60))
				}
				v.number = true
			default:
				return nil, invalid("%q must be a string or an integer", truncate(key, 60))
			}
			out = append(out, v)
			s.skip()
			if s.eat(',') {
				continue
			}
			if s.eat('}') {
				break
			}
			return nil, invalid("expected ',' or '}' at byte %d", s.i)
		}
	}
	if s.skip(); s.i != len(data) {
		return nil, invalid("unexpected data after the object")
	}
	return out, nil
}

// scanner walks JSON text that is valid UTF-8.
type scanner struct {
	data []byte
	text string // data as a string, for values without escapes
	i    int
}

func (s *scanner) skip() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.i < len(s.data) {
		return s.data[s.i]
	}
	return 0
}

func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// recordKeys are the keys of both record schemas: key returns these
// strings instead of allocating a copy.
var recordKeys = [...]string{"schema", "loan_id", "borrower", "lender", "borrower_address", "lender_address",
	"principal", "currency", "interest_rate_bps", "term_months", "approved_at", "amount_repaid", "repaid_at"}

// key reads a JSON string, as string does, returning a record key's name
// without allocating.
func (s *scanner) key() (string, bool) {
	start := s.i
	if s.eat('"') {
		for _, k := range recordKeys {
			end := s.i + len(k)
			if end < len(s.data) && s.data[end] == '"' && string(s.data[s.i:end]) == k {
				s.i = end + 1
				return k, true
			}
		}
	}
	s.i = start
	return s.string()
}

// string reads a JSON string. Without escapes its bytes are the value; a
// string with escapes is decoded by encoding/json, so that escapes (lone
// surrogates included) mean exactly what they meant before.
func (s *scanner) string() (string, bool) {
	if !s.eat('"') {
		return "", false
	}
	start, escaped := s.i, false
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			if !escaped {
				return s.text[start : s.i-1], true
			}
			var out string
			if err := json.Unmarshal(s.data[start-1:s.i], &out); err != nil {
				return "", false
			}
			return out, true
		case c == '\\':
			escaped = true
			s.i += 2 // the escape's first character is never '"' that ends the string
		case c < 0x20:
			return "", false
		default:
			s.i++
		}
	}
	return "", false
}

// number reads a number of JSON's grammar and returns its text.
func (s *scanner) number() (string, bool) {
	start := s.i
	s.eat('-')
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return "", false
	}
	if s.eat('.') && !s.digits() {
		return "", false
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !s.digits() {
			return "", false
		}
	}
	return s.text[start:s.i], true
}

// digits reads one or more digits.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}
