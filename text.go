package ledger

import (
	"fmt"
	"unicode/utf8"
)

// CheckText returns an EINVALID error naming field unless s is text a
// person could have typed on one form: valid UTF-8 (so no lone surrogate
// either), no NUL, no control character other than tab, line feed and
// carriage return, and no bidirectional formatting character (U+202A–
// U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which would make a
// borrower's name display as something else (the "Trojan Source" trick).
// The message names the character's position, never the value, so it is
// safe for passwords too.
func CheckText(field, s string) error {
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		if problem := textProblem(r, size); problem != "" {
			return Errorf(EINVALID, "%s holds %s at byte %d: remove it and send plain text", field, problem, i)
		}
	}
	return nil
}

// textProblem says what is wrong with rune r of encoded size size, or "".
func textProblem(r rune, size int) string {
	switch {
	case r == utf8.RuneError && size <= 1:
		return "bytes that are not UTF-8 (or a lone surrogate)"
	case r == 0:
		return "a NUL character"
	case r == '\t' || r == '\n' || r == '\r':
		return ""
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return fmt.Sprintf("the control character U+%04X", r)
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return fmt.Sprintf("the bidirectional formatting character U+%04X", r)
	}
	return ""
}
