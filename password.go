package ledger

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
)

// commonPasswordsText is the words people most often build passwords on
// (from the public lists of leaked passwords), one per line, lower case.
//
//go:embed commonpasswords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(commonPasswordsText) {
		m[w] = true
	}
	return m
})

// keyboardRuns are sequences people walk along on a keyboard or count up.
var keyboardRuns = []string{
	"abcdefghijklmnopqrstuvwxyz", "01234567890", "09876543210",
	"qwertyuiopasdfghjklzxcvbnm", "qwertzuiop", "azertyuiop", "1qaz2wsx3edc4rfv5tgb6yhn7ujm",
	"zyxwvutsrqponmlkjihgfedcba",
}

// commonPassword says why password is one that guessers try first, or
// "": NIST SP 800-63B asks to refuse passwords found in lists of commonly
// used or compromised ones. It catches a common word dressed up with case,
// look-alike digits and symbols (P@ssw0rd!2024), a common word repeated,
// keyboard and counting runs (qwertyuiop12, 123456789012) and passwords of
// three or fewer distinct characters.
func commonPassword(password string) string {
	lower := strings.ToLower(password)
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	if len(distinct) <= 3 {
		return "it uses too few different characters"
	}
	if isRun(lower) {
		return "it is a keyboard or counting sequence"
	}
	core := deLeet(strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) }))
	words := commonPasswords()
	if core == "" || isRun(core) {
		return "it is a common pattern"
	}
	if words[core] {
		return "it is built on a very common password"
	}
	for n := 1; n <= len(core)/2; n++ {
		if len(core)%n == 0 && strings.Repeat(core[:n], len(core)/n) == core && (words[core[:n]] || n <= 3) {
			return "it repeats a common word"
		}
	}
	return ""
}

// isRun reports whether s, stripped of separators, lies along one of the
// keyboard runs (repeated as often as needed).
func isRun(s string) bool {
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
	if len(s) < 4 {
		return false
	}
	for _, run := range keyboardRuns {
		if strings.Contains(strings.Repeat(run, 1+len(s)/len(run)+1), s) {
			return true
		}
	}
	return false
}

// deLeet undoes the look-alike substitutions people use to dress up a word.
func deLeet(s string) string {
	return strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "@", "a", "$", "s", "!", "i").Replace(s)
}
