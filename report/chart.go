package report

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Charts are drawn by the server: inline SVG in the HTML form, rectangles
// in the PDF form, both from the same bar geometry. Pixel arithmetic uses
// floats; no amount of money goes through it.

// series is one stacked part of a bar chart.
type series struct {
	Name   string
	Color  [3]uint8
	Values []uint64
}

// bar is one drawn rectangle, in chart units (origin top left).
type bar struct {
	X, Y, W, H float64
	Color      [3]uint8
	Title      string
}

// chart is a stacked bar chart of one bar per label.
type chart struct {
	Title  string
	Labels []string
	Series []series
	Max    uint64
	Bars   []bar
	W, H   float64 // plot area
}

const (
	chartW = 680.0
	chartH = 160.0
)

// newChart lays out a stacked bar chart.
func newChart(title string, labels []string, ss ...series) *chart {
	c := &chart{Title: title, Labels: labels, Series: ss, W: chartW, H: chartH}
	for i := range labels {
		var sum uint64
		for _, s := range ss {
			sum += s.Values[i]
		}
		c.Max = max(c.Max, sum)
	}
	if c.Max == 0 || len(labels) == 0 {
		return c
	}
	slot := c.W / float64(len(labels))
	for i, label := range labels {
		y := c.H
		for _, s := range ss {
			v := s.Values[i]
			if v == 0 {
				continue
			}
			h := float64(v) / float64(c.Max) * c.H
			y -= h
			c.Bars = append(c.Bars, bar{X: float64(i)*slot + slot*0.15, Y: y, W: slot * 0.7, H: h, Color: s.Color,
				Title: fmt.Sprintf("%s %s: %d", label, s.Name, v)})
		}
	}
	return c
}

// ratioChart is one horizontal bar split between the parts.
func ratioChart(title string, ss ...series) *chart {
	c := &chart{Title: title, Series: ss, W: chartW, H: 24}
	var total uint64
	for _, s := range ss {
		total += s.Values[0]
	}
	c.Max = total
	if total == 0 {
		return c
	}
	x := 0.0
	for _, s := range ss {
		w := float64(s.Values[0]) / float64(total) * c.W
		if w > 0 {
			c.Bars = append(c.Bars, bar{X: x, Y: 0, W: w, H: c.H, Color: s.Color, Title: fmt.Sprintf("%s: %d", s.Name, s.Values[0])})
		}
		x += w
	}
	return c
}

func rgb(c [3]uint8) string { return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]) }

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// svg renders the chart as an inline SVG element. Labels are escaped.
func (c *chart) svg() template.HTML {
	const left, top, bottom = 60.0, 24.0, 30.0
	w, h := left+c.W+10, top+c.H+bottom
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="%s" viewBox="0 0 %s %s" width="%s" height="%s">`,
		esc(c.Title), num(w), num(h), num(w), num(h))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(c.Title))
	fmt.Fprintf(&b, `<text x="%s" y="14" font-size="12" font-weight="bold">%s</text>`, num(left), esc(c.Title))
	fmt.Fprintf(&b, `<g transform="translate(%s %s)">`, num(left), num(top))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%s" height="%s" fill="#fafafa" stroke="#ccc"/>`, num(c.W), num(c.H))
	if len(c.Labels) > 0 {
		fmt.Fprintf(&b, `<text x="-6" y="10" font-size="10" text-anchor="end">%d</text>`, c.Max)
		fmt.Fprintf(&b, `<text x="-6" y="%s" font-size="10" text-anchor="end">0</text>`, num(c.H))
	}
	for _, r := range c.Bars {
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
			num(r.X), num(r.Y), num(r.W), num(r.H), rgb(r.Color), esc(r.Title))
	}
	if n := len(c.Labels); n > 0 {
		slot := c.W / float64(n)
		for i, l := range c.Labels {
			if i%5 == 0 || i == n-1 {
				fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="10" text-anchor="middle">%s</text>`, num(float64(i)*slot+slot/2), num(c.H+14), esc(l))
			}
		}
	}
	x := 0.0
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="10" height="10" fill="%s"/><text x="%s" y="%s" font-size="10">%s</text>`,
			num(x), num(c.H+18), rgb(s.Color), num(x+14), num(c.H+27), esc(s.Name))
		x += 14 + float64(7*len(s.Name)) + 16
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String()) //nolint:gosec // built above from numbers and escaped text
}

var (
	green = [3]uint8{0x2e, 0x7d, 0x32}
	red   = [3]uint8{0xc6, 0x28, 0x28}
	blue  = [3]uint8{0x15, 0x65, 0xc0}
)

// charts are the report's charts, in order.
func (r *Report) charts() []*chart {
	labels := make([]string, len(r.Days))
	final, failed, gas := make([]uint64, len(r.Days)), make([]uint64, len(r.Days)), make([]uint64, len(r.Days))
	for i, d := range r.Days {
		labels[i] = d.Date[8:]
		final[i], failed[i], gas[i] = uint64(d.RecordsFinal), uint64(d.RecordsFailed), d.GasUsed
	}
	t := r.Transactions
	return []*chart{
		newChart("Records anchored per day", labels, series{"final", green, final}, series{"failed", red, failed}),
		ratioChart("Chain writes: succeeded and failed",
			series{"succeeded " + itoa(t.Succeeded), green, []uint64{uint64(t.Succeeded)}},
			series{"failed " + itoa(t.Failed), red, []uint64{uint64(t.Failed)}}),
		newChart("Gas used per day", labels, series{"gas", blue, gas}),
	}
}
