package ledger

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// fastCanonicalJSON is canonicalJSON for the documents the ledger writes
// (objects of plain strings, numbers, booleans and nulls, nested), without
// decoding into maps: it copies strings and numbers through as written and
// sorts object members by key. It reports ok=false, and the caller takes
// the reference path (decode, re-encode), for anything whose canonical
// form it cannot be sure to produce byte for byte: a string with an escape
// or a character encoding/json would escape, a duplicate key, a malformed
// document, or data after the first value.
func fastCanonicalJSON(doc []byte) (string, bool) {
	p := canonParser{in: doc, out: make([]byte, 0, len(doc))}
	p.skipSpace()
	if !p.value(0) {
		return "", false
	}
	p.skipSpace()
	if p.pos != len(p.in) {
		return "", false
	}
	return string(p.out), true
}

type canonParser struct {
	in  []byte
	pos int
	out []byte
}

// maxCanonDepth bounds nesting on the fast path.
const maxCanonDepth = 32

func (p *canonParser) skipSpace() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *canonParser) value(depth int) bool {
	if p.pos >= len(p.in) || depth > maxCanonDepth {
		return false
	}
	switch c := p.in[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, ok := p.str()
		p.out = append(p.out, s...)
		return ok
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(p.in[p.pos:], []byte(lit)) {
				p.pos += len(lit)
				p.out = append(p.out, lit...)
				return true
			}
		}
		return false
	}
}

// str reads a string that needs no escaping and returns it with its quotes.
func (p *canonParser) str() ([]byte, bool) {
	start := p.pos
	p.pos++
	for p.pos < len(p.in) {
		c := p.in[p.pos]
		switch {
		case c == '"':
			p.pos++
			return p.in[start:p.pos], true
		case c == '\\' || c < 0x20:
			return nil, false
		case c < utf8.RuneSelf:
			p.pos++
		default:
			r, n := utf8.DecodeRune(p.in[p.pos:])
			if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
				return nil, false
			}
			p.pos += n
		}
	}
	return nil, false
}

// number copies a number in JSON's grammar as written.
func (p *canonParser) number() bool {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.in) && p.in[p.pos] >= '0' && p.in[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.in[p.pos] == '-' {
		p.pos++
	}
	if p.pos < len(p.in) && p.in[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return false
	}
	if p.pos < len(p.in) && p.in[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return false
		}
	}
	if p.pos < len(p.in) && (p.in[p.pos] == 'e' || p.in[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.in) && (p.in[p.pos] == '+' || p.in[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return false
		}
	}
	p.out = append(p.out, p.in[start:p.pos]...)
	return true
}

func (p *canonParser) array(depth int) bool {
	p.pos++
	p.out = append(p.out, '[')
	p.skipSpace()
	if p.pos < len(p.in) && p.in[p.pos] == ']' {
		p.pos++
		p.out = append(p.out, ']')
		return true
	}
	for {
		p.skipSpace()
		if !p.value(depth + 1) {
			return false
		}
		p.skipSpace()
		if p.pos >= len(p.in) {
			return false
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
			p.out = append(p.out, ',')
		case ']':
			p.pos++
			p.out = append(p.out, ']')
			return true
		default:
			return false
		}
	}
}

type canonMember struct {
	key        []byte // without quotes: no escapes, so as decoded
	start, end int    // the canonical value in the object's scratch
}

func (p *canonParser) object(depth int) bool {
	p.pos++
	p.skipSpace()
	if p.pos < len(p.in) && p.in[p.pos] == '}' {
		p.pos++
		p.out = append(p.out, '{', '}')
		return true
	}
	// Values are written after base in order of appearance, then moved
	// into key order.
	base := len(p.out)
	var members []canonMember
	for {
		p.skipSpace()
		if p.pos >= len(p.in) || p.in[p.pos] != '"' {
			return false
		}
		k, ok := p.str()
		if !ok {
			return false
		}
		p.skipSpace()
		if p.pos >= len(p.in) || p.in[p.pos] != ':' {
			return false
		}
		p.pos++
		p.skipSpace()
		start := len(p.out)
		if !p.value(depth + 1) {
			return false
		}
		members = append(members, canonMember{key: k[1 : len(k)-1], start: start - base, end: len(p.out) - base})
		p.skipSpace()
		if p.pos >= len(p.in) {
			return false
		}
		if p.in[p.pos] == '}' {
			p.pos++
			break
		}
		if p.in[p.pos] != ',' {
			return false
		}
		p.pos++
	}
	slices.SortFunc(members, func(a, b canonMember) int { return bytes.Compare(a.key, b.key) })
	vals := slices.Clone(p.out[base:])
	p.out = append(p.out[:base], '{')
	for i, m := range members {
		if i > 0 {
			if bytes.Equal(members[i-1].key, m.key) {
				return false // a duplicate key: the reference path keeps the last
			}
			p.out = append(p.out, ',')
		}
		p.out = append(p.out, '"')
		p.out = append(p.out, m.key...)
		p.out = append(p.out, '"', ':')
		p.out = append(p.out, vals[m.start:m.end]...)
	}
	p.out = append(p.out, '}')
	return true
}
