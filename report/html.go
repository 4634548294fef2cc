package report

import (
	"embed"
	"html/template"
	"io"
	"time"
)

//go:embed templates/report.html
var templateFS embed.FS

var page = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"stamp": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"add":   func(a, b int) int { return a + b },
	"rate": func(p *string) string {
		if p == nil {
			return "n/a (nothing processed)"
		}
		return *p + " %"
	},
}).ParseFS(templateFS, "templates/report.html"))

// WriteHTML writes the report as one self-contained HTML page (no scripts,
// no external resources) with its charts as inline SVG.
func (r *Report) WriteHTML(w io.Writer) error {
	var charts []template.HTML
	for _, c := range r.charts() {
		charts = append(charts, c.svg())
	}
	return page.Execute(w, struct {
		R      *Report
		Charts []template.HTML
	}{r, charts})
}
