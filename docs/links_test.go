package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// linkRE finds inline Markdown links and images: [text](target) with an
// optional "title".
var linkRE = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestDocsLinksResolve checks every relative link of README.md and
// docs/*.md: the file (or folder) it names exists, and a #fragment names a
// heading of the Markdown file it points into. Links to other sites are
// not followed.
func TestDocsLinksResolve(t *testing.T) {
	t.Parallel()
	pages, err := filepath.Glob("*.md")
	require.NoError(t, err)
	pages = append(pages, filepath.Join("..", "README.md"))
	require.Greater(t, len(pages), 1)
	checked := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		require.NoError(t, err)
		for _, link := range links(string(text)) {
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			checked++
			target, fragment, _ := strings.Cut(link, "#")
			path := page
			if target != "" {
				path = filepath.Join(filepath.Dir(page), filepath.FromSlash(target))
				_, err := os.Stat(path)
				require.NoError(t, err, "%s: link %q: no such file", page, link)
			}
			if fragment == "" {
				continue
			}
			require.True(t, strings.HasSuffix(path, ".md"), "%s: link %q: a #fragment can be checked only in Markdown", page, link)
			body, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Contains(t, anchors(string(body)), fragment, "%s: link %q: %s has no such heading", page, link, path)
		}
	}
	require.NotZero(t, checked)
}

// links returns the link targets of a Markdown text outside code blocks
// and code spans.
func links(text string) []string {
	var out []string
	for _, line := range prose(text) {
		line = regexp.MustCompile("`[^`]*`").ReplaceAllString(line, "")
		for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
			out = append(out, strings.Trim(m[1], "<>"))
		}
	}
	return out
}

// prose returns the lines of text outside fenced code blocks.
func prose(text string) []string {
	var out []string
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			out = append(out, line)
		}
	}
	return out
}

// anchors returns the fragment ids GitHub gives the headings of a Markdown
// text: lower case, formatting and punctuation dropped, spaces as hyphens,
// "-1", "-2", ... after repeats.
func anchors(text string) []string {
	seen := map[string]int{}
	var out []string
	for _, line := range prose(text) {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		title = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(title, "$1")
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case unicode.IsLetter(r), unicode.IsNumber(r), unicode.IsMark(r), r == '_', r == '-':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		id := b.String()
		if n := seen[id]; n > 0 {
			out = append(out, id+"-"+strconv.Itoa(n))
		} else {
			out = append(out, id)
		}
		seen[id]++
	}
	return out
}
