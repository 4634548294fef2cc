package ui

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"math/big"
	"strings"
)

// Charts are drawn here as inline SVG, so they need no script, no library
// and no request. Colours come from the stylesheet through class names;
// every bar has a <title> (a tooltip, read by screen readers) and every
// chart a <desc> that states its numbers in words.

type series struct {
	Name   string
	Class  string    // CSS class of its bars
	Values []float64 // one per label; negative means no data
}

type chart struct {
	ID      string
	Title   string
	Labels  []string
	Series  []series
	Stacked bool
	Max     float64 // fixed top of the scale; 0 takes the data's
	Format  func(float64) string
}

const (
	chartW, chartH         = 640, 220
	padL, padR, padT, padB = 64, 8, 12, 28
)

// barChart draws grouped or stacked bars with a y axis at 0, half and max.
func barChart(c chart) template.HTML {
	n := len(c.Labels)
	top := c.Max
	if top == 0 {
		for i := range n {
			sum := 0.0
			for _, s := range c.Series {
				v := math.Max(s.Values[i], 0)
				if c.Stacked {
					sum += v
				} else {
					sum = math.Max(sum, v)
				}
			}
			top = math.Max(top, sum)
		}
	}
	if top == 0 {
		top = 1
	}
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	slot := plotW / float64(n)
	y := func(v float64) float64 { return padT + plotH - v/top*plotH }

	var b strings.Builder
	id := html.EscapeString(c.ID)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMidYMid meet">`, chartW, chartH, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(c.Title), id, html.EscapeString(describe(c)))
	for _, frac := range []float64{0, 0.5, 1} {
		yy := y(top * frac)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, padL, chartW-padR, yy, yy)
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-6, yy+4, html.EscapeString(c.Format(top*frac)))
	}
	groups := len(c.Series)
	if c.Stacked {
		groups = 1
	}
	barW := slot * 0.7 / float64(groups)
	for i, label := range c.Labels {
		x0 := padL + float64(i)*slot + slot*0.15
		base := 0.0
		for si, s := range c.Series {
			v := s.Values[i]
			if v <= 0 {
				continue
			}
			x := x0
			if !c.Stacked {
				x += float64(si) * barW
			}
			y1, y2 := y(base+v), y(base)
			if c.Stacked {
				base += v
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s</title></rect>`,
				html.EscapeString(s.Class), x, y1, barW, math.Max(y2-y1, 1), html.EscapeString(label), html.EscapeString(s.Name), html.EscapeString(c.Format(v)))
		}
		if n <= 8 || i%2 == (n-1)%2 {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x0+slot*0.35, chartH-8, html.EscapeString(label))
		}
	}
	b.WriteString(`</svg>`)
	if len(c.Series) > 1 {
		b.WriteString(`<p class="legend">`)
		for _, s := range c.Series {
			fmt.Fprintf(&b, `<span class="key %s"></span>%s `, html.EscapeString(s.Class), html.EscapeString(s.Name))
		}
		b.WriteString(`</p>`)
	}
	return template.HTML(b.String()) // every interpolated string above is escaped
}

// describe states a chart's totals and latest values in words.
func describe(c chart) string {
	var parts []string
	for _, s := range c.Series {
		total, days, last := 0.0, 0, -1.0
		for _, v := range s.Values {
			if v >= 0 {
				total += v
				days++
				last = v
			}
		}
		if days == 0 {
			parts = append(parts, s.Name+": no data")
			continue
		}
		if c.Max == 100 { // a rate: the total means nothing
			parts = append(parts, fmt.Sprintf("%s: latest %s over %d days with data", s.Name, c.Format(last), days))
		} else {
			parts = append(parts, fmt.Sprintf("%s: %s in %d days", s.Name, c.Format(total), len(s.Values)))
		}
	}
	return strings.Join(parts, "; ")
}

// balanceGauge draws the signer's balance as a bar against the low-balance
// threshold, scaled so that the threshold sits at a fifth of the width.
func balanceGauge(bal, low *big.Int) template.HTML {
	const w, h = 400, 36
	b, l := weiToNative(bal), weiToNative(low)
	top := math.Max(b, 5*l)
	if top == 0 {
		top = 1
	}
	class := "s-ok"
	if bal.Cmp(low) < 0 {
		class = "s-bad"
	}
	bw := b / top * w
	lx := l / top * w
	desc := fmt.Sprintf("signer balance %s native units; warning below %s", formatNative(b), formatNative(l))
	return template.HTML(fmt.Sprintf(
		`<svg class="gauge" viewBox="0 0 %d %d" role="img" aria-label="%s"><rect class="track" x="0" y="6" width="%d" height="20"/><rect class="%s" x="0" y="6" width="%.1f" height="20"/><line class="threshold" x1="%.1f" x2="%.1f" y1="0" y2="%d"/><title>%s</title></svg>`,
		w, h, html.EscapeString(desc), w, class, bw, lx, lx, h, html.EscapeString(desc)))
}
