package ledger

import "testing"

func TestCommonPasswordsAreRefused(t *testing.T) {
	t.Parallel()
	for _, p := range []string{
		"password1234", "P@ssw0rd!2024", "Password123!", "qwertyuiop12", "123456789012", "aaaaaaaaaaaa",
		"abcabcabcabc", "iloveyou2026", "Welcome@2026", "letmeinletmein", "passwordpassword", "1qaz2wsx3edc",
		"zyxwvutsrqpo", "  admin1234!!", "Qwerty123456", "Aartha2026!!", "abababababab",
	} {
		if why := commonPassword(p); why == "" {
			t.Errorf("%q was accepted", p)
		}
		if _, err := HashPassword(p); ErrorCode(err) != EINVALID {
			t.Errorf("HashPassword(%q) = %v, want EINVALID", p, err)
		}
	}
	for _, p := range []string{
		"long-enough-password", "correct horse battery staple", "tangerine-otter-7-quilt", "fixture-password-42",
		"Mz8#qL2!vR9x", "ledger of unusual monkeys",
	} {
		if why := commonPassword(p); why != "" {
			t.Errorf("%q was refused: %s", p, why)
		}
	}
}
