package ui

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

// parseTemplates builds one template set per page: the shared layout
// (templates/layout.html) plus the page's own file, which defines
// "content".
func (u *UI) parseTemplates() error {
	layout, err := template.New("layout").Funcs(u.templateFuncs()).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return fmt.Errorf("ui: parse layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return fmt.Errorf("ui: list templates: %w", err)
	}
	u.pages = map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return fmt.Errorf("ui: parse %s: %w", f, err)
		}
		u.pages[name] = t
	}
	return nil
}
