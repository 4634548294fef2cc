package ledger

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "Ada Lovelace", "Zoë Ørsted-Nakamura", "अर्थ", "line one\nline two\r\n\ttab", "emoji 🙂", "a\u200db"} {
		if err := CheckText("borrower", ok); err != nil {
			t.Errorf("CheckText(%q) = %v, want nil", ok, err)
		}
	}
	for in, want := range map[string]string{
		"a\x00b":         "a NUL character at byte 1",
		"a\xc0\xafb":     "not UTF-8",
		"\xed\xa0\x80":   "lone surrogate",
		"x\x1b[31m":      "control character U+001B",
		"x\u0085":        "control character U+0085",
		"x\x7f":          "control character U+007F",
		"evil\u202Etxt":  "bidirectional formatting character U+202E",
		"a\u2066b\u2069": "bidirectional formatting character U+2066",
		"\u200fab":       "U+200F",
	} {
		err := CheckText("borrower", in)
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "borrower holds") || !strings.Contains(ErrorMessage(err), want) {
			t.Errorf("CheckText(%q) = %v, want EINVALID naming borrower and %q", in, err, want)
		}
		if strings.Contains(ErrorMessage(err), in) {
			t.Errorf("CheckText(%q): the message repeats the value", in)
		}
	}
}
