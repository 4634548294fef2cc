package ledger

import (
	"encoding/json"
	"unicode/utf8"
)

// The flat-object scanner as it was before keccak.go's change (one string
// allocation per value, a heap slice of fields), for the "scanner" variant
// of BenchmarkReceiptCheckOfflineParsers: scanFlatObject's code of commit
// bbaa3ec, renamed.

// scanFlatObjectBefore reads a JSON object whose values are strings or numbers.
func scanFlatObjectBefore(data []byte) (flatObject, error) {
	invalid := func(format string, args ...any) error {
		return Errorf(EINVALID, "record is not valid: "+format, args...)
	}
	if !utf8.Valid(data) {
		return nil, invalid("it is not UTF-8")
	}
	s := scannerBefore{data: data}
	if s.skip(); !s.eat('{') {
		return nil, invalid("expected a JSON object")
	}
	out := make(flatObject, 0, 11)
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

// scannerBefore walks JSON text that is valid UTF-8.
type scannerBefore struct {
	data []byte
	i    int
}

func (s *scannerBefore) skip() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scannerBefore) peek() byte {
	if s.i < len(s.data) {
		return s.data[s.i]
	}
	return 0
}

func (s *scannerBefore) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// key reads a JSON string, as string does, returning a record key's name
// without allocating.
func (s *scannerBefore) key() (string, bool) {
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
func (s *scannerBefore) string() (string, bool) {
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
				return string(s.data[start : s.i-1]), true
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
func (s *scannerBefore) number() (string, bool) {
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
	return string(s.data[start:s.i]), true
}

// digits reads one or more digits.
func (s *scannerBefore) digits() bool {
	start := s.i
	for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}
