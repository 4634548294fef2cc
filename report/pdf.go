package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// A minimal PDF 1.4 writer: A4 pages of text in the three standard fonts
// every reader has (Helvetica, Helvetica-Bold, Courier; no embedding) and
// filled rectangles. Streams are not compressed, so the text can be found
// with grep and the structure checked by the tests. Text is printable
// ASCII; other characters are replaced.

const (
	pageW, pageH = 595.0, 842.0 // A4 in points
	margin       = 40.0
)

// pdf fonts by resource name.
const (
	fontRegular = "F1"
	fontBold    = "F2"
	fontMono    = "F3"
)

type pdfDoc struct {
	title string
	date  string // D:YYYYMMDDHHmmSSZ
	pages []*bytes.Buffer
}

func (d *pdfDoc) newPage() *bytes.Buffer {
	b := new(bytes.Buffer)
	d.pages = append(d.pages, b)
	return b
}

// pdfEscape escapes the delimiters of a PDF string literal.
var pdfEscape = strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace

// pdfText is s as printable ASCII.
func pdfText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '—' || r == '–':
			b.WriteByte('-')
		case r == '≥':
			b.WriteString(">=")
		case r < 32 || r > 126:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func pf(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func textOp(b *bytes.Buffer, x, y, size float64, font, s string) {
	fmt.Fprintf(b, "BT 0 g /%s %s Tf %s %s Td (%s) Tj ET\n", font, pf(size), pf(x), pf(y), pdfEscape(pdfText(s)))
}

func rectOp(b *bytes.Buffer, x, y, w, h float64, c [3]uint8) {
	fmt.Fprintf(b, "%s %s %s rg %s %s %s %s re f\n",
		pf(float64(c[0])/255), pf(float64(c[1])/255), pf(float64(c[2])/255), pf(x), pf(y), pf(w), pf(h))
}

func strokeRectOp(b *bytes.Buffer, x, y, w, h float64) {
	fmt.Fprintf(b, "0.8 0.8 0.8 RG 0.5 w %s %s %s %s re S\n", pf(x), pf(y), pf(w), pf(h))
}

// writeTo writes the document: objects 1 catalog, 2 page tree, 3-5 fonts,
// 6 info, then a page and its content stream per page; the cross-reference
// table gives each object's byte offset.
func (d *pdfDoc) writeTo(w io.Writer) error {
	var out bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	const firstPage = 7
	kids := make([]string, len(d.pages))
	for i := range d.pages {
		kids[i] = fmt.Sprintf("%d 0 R", firstPage+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(d.pages)))
	for _, f := range []string{"Helvetica", "Helvetica-Bold", "Courier"} {
		obj("<< /Type /Font /Subtype /Type1 /BaseFont /" + f + " /Encoding /WinAnsiEncoding >>")
	}
	obj(fmt.Sprintf("<< /Title (%s) /Producer (aartha report) /CreationDate (%s) >>", pdfEscape(pdfText(d.title)), d.date))
	for i, p := range d.pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> /Contents %d 0 R >>",
			pf(pageW), pf(pageH), firstPage+2*i+1))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", p.Len(), p.String()))
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	_, err := w.Write(out.Bytes())
	return err
}

// pdfLayout places lines top to bottom, starting new pages as needed.
type pdfLayout struct {
	doc  *pdfDoc
	page *bytes.Buffer
	y    float64
}

func (l *pdfLayout) need(h float64) {
	if l.page == nil || l.y-h < margin {
		l.page = l.doc.newPage()
		l.y = pageH - margin
		textOp(l.page, margin, 20, 8, fontRegular, fmt.Sprintf("%s - page %d", l.doc.title, len(l.doc.pages)))
	}
}

func (l *pdfLayout) line(font string, size float64, s string) {
	l.need(size + 4)
	l.y -= size + 4
	textOp(l.page, margin, l.y, size, font, s)
}

func (l *pdfLayout) gap(h float64) { l.y -= h }

// table writes rows in Courier with columns padded to their widest cell;
// numbers are right-aligned if alignNumbers.
func (l *pdfLayout) table(header []string, rows [][]string, alignNumbers bool) {
	widths := make([]int, len(header))
	for _, row := range append([][]string{header}, rows...) {
		for i, c := range row {
			widths[i] = max(widths[i], len(pdfText(c)))
		}
	}
	format := func(row []string) string {
		var b strings.Builder
		for i, c := range row {
			c = pdfText(c)
			pad := strings.Repeat(" ", widths[i]-len(c))
			if alignNumbers && i > 0 && isNumber(c) {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			b.WriteString("  ")
		}
		return strings.TrimRight(b.String(), " ")
	}
	l.line(fontMono, 8, format(header))
	l.line(fontMono, 8, strings.Repeat("-", len(format(header))))
	for _, row := range rows {
		l.line(fontMono, 8, format(row))
	}
}

func isNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.") == ""
}

// chart draws c scaled to the page width.
func (l *pdfLayout) chart(c *chart) {
	scale := (pageW - 2*margin - 40) / c.W
	h := c.H * scale
	l.need(h + 24 + 14)
	l.line(fontBold, 10, c.Title)
	x0, top := margin+40, l.y-4
	strokeRectOp(l.page, x0, top-h, c.W*scale, h)
	if len(c.Labels) > 0 {
		textOp(l.page, margin, top-8, 7, fontRegular, strconv.FormatUint(c.Max, 10))
		textOp(l.page, margin, top-h, 7, fontRegular, "0")
	}
	for _, b := range c.Bars {
		rectOp(l.page, x0+b.X*scale, top-(b.Y+b.H)*scale, b.W*scale, b.H*scale, b.Color)
	}
	if n := len(c.Labels); n > 0 {
		slot := c.W * scale / float64(n)
		for i, lab := range c.Labels {
			if i%5 == 0 || i == n-1 {
				textOp(l.page, x0+float64(i)*slot+slot/2-4, top-h-9, 7, fontRegular, lab)
			}
		}
	}
	x := x0
	for _, s := range c.Series {
		rectOp(l.page, x, top-h-20, 7, 7, s.Color)
		textOp(l.page, x+10, top-h-19, 7, fontRegular, s.Name)
		x += 10 + float64(4*len(s.Name)) + 14
	}
	l.y = top - h - 24
}

// WritePDF writes the report as a PDF document: the summary, the charts as
// vector bars and the tables, with no external program.
func (r *Report) WritePDF(w io.Writer) error {
	doc := &pdfDoc{title: "Aartha compliance report " + r.Month, date: "D:" + r.GeneratedAt.UTC().Format("20060102150405") + "Z"}
	l := &pdfLayout{doc: doc}
	l.line(fontBold, 16, doc.title)
	l.line(fontRegular, 9, fmt.Sprintf("Period %s to %s (UTC, end excluded). Generated %s.", stamp(r.From), stamp(r.Until), stamp(r.GeneratedAt)))
	l.gap(6)

	l.line(fontBold, 12, "Summary")
	var rows [][]string
	for _, kv := range r.summary() {
		rows = append(rows, []string{kv[0], kv[1]})
	}
	l.table([]string{"key", "value"}, rows, false)
	l.gap(8)

	for _, c := range r.charts() {
		l.chart(c)
		l.gap(6)
	}

	section := func(title string, header []string, rows [][]string) {
		l.gap(6)
		l.line(fontBold, 12, title)
		if len(rows) == 0 {
			l.line(fontRegular, 9, "None.")
			return
		}
		l.table(header, rows, true)
	}
	rows = nil
	for _, v := range r.Loans.Volumes {
		rows = append(rows, []string{v.Currency, v.ApprovedPrincipal, v.RepaidAmount})
	}
	section("Loan volumes", []string{"currency", "principal approved", "amount repaid"}, rows)
	rows = nil
	for _, m := range r.Anchors.ByMode {
		rows = append(rows, []string{m.Mode, itoa(m.Final), itoa(m.FinalApprovals), itoa(m.FinalRepayments), itoa(m.Failed)})
	}
	section("Records anchored", []string{"mode", "final", "approvals", "repayments", "failed"}, rows)
	fiatHead, fd, fb := "", "", ""
	if f := r.Fees.Fiat; f != nil {
		fiatHead, fd, fb = "fees "+f.Currency, f.Direct, f.Batch
	}
	section("Chain writes, gas and fees", []string{"mode", "succeeded", "failed", "gas used", "fees wei", "fees " + r.Fees.NativeSymbol, fiatHead}, [][]string{
		{"direct", itoa(r.Transactions.Direct.Succeeded), itoa(r.Transactions.Direct.Failed), utoa(r.Fees.Direct.GasUsed), r.Fees.Direct.FeesWei, r.Fees.Direct.FeesNative, fd},
		{"batch", itoa(r.Transactions.Batch.Succeeded), itoa(r.Transactions.Batch.Failed), utoa(r.Fees.Batch.GasUsed), r.Fees.Batch.FeesWei, r.Fees.Batch.FeesNative, fb},
	})
	rows = nil
	for _, run := range r.Integrity.Reconcile.ProblemRuns {
		rows = append(rows, []string{"#" + strconv.FormatInt(run.ID, 10), run.Scope, stamp(run.StartedAt), itoa(run.Counts.Mismatch), itoa(run.Counts.Missing), itoa(run.Counts.Unknown)})
	}
	section("Reconciliation runs with problems", []string{"run", "scope", "started", "mismatch", "missing", "unknown"}, rows)
	section("Security-relevant audit events", []string{"action", "count"}, countRows(r.Security.Counts))
	rows = nil
	for _, e := range r.Security.Events {
		rows = append(rows, []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format("2006-01-02 15:04:05"), e.Action, e.Actor, e.EntityID, truncate(e.Detail, 40)})
	}
	if len(rows) > 0 {
		l.table([]string{"id", "time", "action", "actor", "entity", "detail"}, rows, true)
	}
	l.line(fontRegular, 8, "Sign-ins are written to the service log, not to the audit trail, and are not in this report.")
	section("Audit activity", []string{"action", "rows"}, countRows(r.Security.AuditActions))
	rows = nil
	for _, c := range r.Privacy.ByActor {
		rows = append(rows, []string{c.Actor, itoa(c.Count)})
	}
	section(fmt.Sprintf("Personal data erased: %d loans", r.Privacy.Erasures), []string{"erased by", "loans"}, rows)
	if erased := r.erasedRows(func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }); len(erased) > 0 {
		for _, e := range erased {
			e[3] = truncate(e[3], 50)
		}
		l.table([]string{"loan", "erased at", "by", "reason"}, erased, false)
	}
	l.line(fontRegular, 8, fmt.Sprintf("Legal holds set %d, lifted %d in the month; %d loans under legal hold when generated.",
		r.Privacy.HoldsSet, r.Privacy.HoldsLifted, r.Privacy.HeldNow))
	rows = nil
	for _, d := range r.Days {
		rows = append(rows, []string{d.Date, itoa(d.RecordsFinal), itoa(d.RecordsFailed), itoa(d.WritesSucceeded), itoa(d.WritesFailed), utoa(d.GasUsed), d.FeesWei})
	}
	section("Days", []string{"date", "final", "failed", "writes ok", "writes failed", "gas", "fees wei"}, rows)
	return doc.writeTo(w)
}
