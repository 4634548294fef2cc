package reconcile

import "strings"

// withArticle puts the indefinite article the word takes in front of it:
// "an approved", "a repaid". It goes by the first letter (a vowel takes
// "an"), which is right for every word the findings use.
func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}
