package reconcile

import "testing"

func TestWithArticle(t *testing.T) {
	t.Parallel()
	for word, want := range map[string]string{
		"approved": "an approved",
		"repaid":   "a repaid",
		"Unknown":  "an Unknown",
		"batch":    "a batch",
		"":         "a ",
	} {
		if got := withArticle(word); got != want {
			t.Errorf("withArticle(%q) = %q, want %q", word, got, want)
		}
	}
}
