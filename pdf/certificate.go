// Package pdf renders the printable receipt certificate: a PDF a borrower
// can keep on paper that carries everything needed to check the loan
// record without us — its terms as anchored, where and when they were
// anchored, a QR code that opens the public verify page with the receipt,
// and the receipt's JSON printed in full (and attached as a file).
//
// It uses github.com/go-pdf/fpdf (codeberg.org/go-pdf/fpdf) with the
// standard PDF fonts, which every reader has and nothing needs embedding,
// and rsc.io/qr for the QR code, drawn as vector squares.
//
// Limits: the standard fonts cover Latin-1 (Windows-1252), so the terms
// show other scripts as "?"; the printed JSON writes every character
// outside ASCII as a JSON \u escape, which is the same receipt (the same
// strings, so the same canonical bytes and commitment), and the attached
// file is the receipt byte for byte.
package pdf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"codeberg.org/go-pdf/fpdf"
	"rsc.io/qr"

	ledger "github.com/aartha/ledger"
)

// Certificate is what a certificate shows.
type Certificate struct {
	Receipt *ledger.Receipt
	// VerifyURL is the public verify page, e.g.
	// https://aartha.example/verify; the QR code opens it with the receipt
	// (VerifyURL?r=<ledger.ReceiptToken>). Required.
	VerifyURL string
	// ExplorerURL is the block explorer's base; the transaction links to
	// ExplorerURL/tx/<hash>. Empty: no link.
	ExplorerURL string
	// BlockTime is the time of the block holding the transaction, as the
	// chain says; zero when unknown (then it is left out).
	BlockTime time.Time
	// Issued is when the certificate was made: printed, and the PDF's
	// creation date (so that the same inputs give the same file).
	Issued time.Time
}

// BeginMarker and EndMarker enclose the printed receipt JSON, so that it
// can be cut out of the page's text (or typed back in from paper).
const (
	BeginMarker = "----- BEGIN AARTHA RECEIPT -----"
	EndMarker   = "----- END AARTHA RECEIPT -----"
)

// Write renders the certificate as a PDF to w. It fails if the receipt
// does not check out offline (a certificate never vouches for an
// inconsistent receipt), if VerifyURL is empty, or if writing fails.
func Write(w io.Writer, c Certificate) error {
	rc := c.Receipt
	if rc == nil || c.VerifyURL == "" {
		return fmt.Errorf("certificate: a receipt and the verify page's URL are required")
	}
	if _, err := rc.CheckOffline(); err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	token, err := ledger.ReceiptToken(rc)
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	link := c.VerifyURL + "?" + ledger.ReceiptLinkParam + "=" + token
	code, err := qr.Encode(link, qr.L)
	if err != nil {
		return fmt.Errorf("certificate: the verify link does not fit a QR code (%d bytes): %w", len(link), err)
	}
	pretty, err := json.MarshalIndent(rc, "", "  ")
	if err != nil {
		return fmt.Errorf("certificate: encode receipt: %w", err)
	}
	record, err := ledger.ParseRecord(rc.Record)
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}

	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCreationDate(c.Issued)
	doc.SetModificationDate(c.Issued)
	doc.SetCatalogSort(true)
	doc.SetTitle("Loan record certificate "+rc.LoanID, true)
	doc.SetCreator("Aartha ledger", true)
	doc.SetProducer("Aartha ledger", true)
	doc.SetMargins(15, 15, 15)
	doc.SetAutoPageBreak(true, 15)
	tr := doc.UnicodeTranslatorFromDescriptor("") // cp1252
	doc.SetAttachments([]fpdf.Attachment{{Content: append(pretty, '\n'), Filename: receiptFileName(rc), Description: "the proof receipt"}})

	// Page 1: what was anchored, where, and how to check it.
	doc.AddPage()
	const qrSize = 62.0
	qrX, qrY := 210-15-qrSize, 15.0
	drawQR(doc, code, qrX, qrY, qrSize)
	doc.LinkString(qrX, qrY, qrSize, qrSize, link)
	doc.SetFont("Helvetica", "", 7.5)
	doc.SetXY(qrX, qrY+qrSize+1)
	doc.MultiCell(qrSize, 3.4, tr("Scan to check this receipt on "+c.VerifyURL+" - or check it without us: see page 2."), "", "C", false)

	textW := qrX - 15 - 6
	doc.SetXY(15, 15)
	doc.SetFont("Helvetica", "B", 18)
	title := "Loan approval certificate"
	if rc.Kind == ledger.KindRepaid {
		title = "Loan repayment certificate"
	}
	doc.MultiCell(textW, 8, title, "", "L", false)
	doc.SetFont("Helvetica", "", 10)
	doc.SetTextColor(80, 90, 100)
	doc.MultiCell(textW, 5, tr("The "+rc.Kind.String()+" record of loan "+rc.LoanID+", anchored as a tamper-evident fingerprint on a blockchain by Aartha ledger. Anyone can check it against the chain, without trusting Aartha."), "", "L", false)
	doc.SetTextColor(0, 0, 0)
	doc.Ln(3)

	section(doc, "The record, as anchored")
	for _, t := range terms(record) {
		row(doc, tr, textW, t[0], t[1], "")
	}
	doc.Ln(2)
	if doc.GetY() < qrY+qrSize+12 {
		doc.SetY(qrY + qrSize + 12)
	}
	section(doc, "Where and when")
	full := 210 - 30.0
	row(doc, tr, full, "Chain", rc.Chain, "")
	what := "Registry contract"
	if strings.HasPrefix(rc.Chain, "multichain:") {
		what = "Publisher (key hash)"
	}
	row(doc, tr, full, what, strings.ToLower(rc.Contract.Hex()), "")
	mode := rc.Mode
	if rc.BatchSeq != nil {
		mode += ", batch #" + strconv.FormatUint(*rc.BatchSeq, 10)
	}
	row(doc, tr, full, "Mode", mode, "")
	explorer := ""
	if c.ExplorerURL != "" {
		explorer = strings.TrimRight(c.ExplorerURL, "/") + "/tx/" + rc.TxHash.Hex()
	}
	row(doc, tr, full, "Transaction", rc.TxHash.Hex(), explorer)
	if explorer != "" {
		rowSized(doc, tr, full, "Explorer", explorer, explorer, 7) // one line for a 66-digit hash
	}
	row(doc, tr, full, "Block", strconv.FormatUint(rc.BlockNumber, 10)+"  "+rc.BlockHash.Hex(), "")
	if !c.BlockTime.IsZero() {
		row(doc, tr, full, "Block time", c.BlockTime.UTC().Format("2006-01-02 15:04:05 UTC"), "")
	}
	row(doc, tr, full, "Commitment", rc.Commitment.Hex(), "")
	row(doc, tr, full, "Loan key", rc.LoanKey.Hex(), "")
	if rc.Root != nil {
		row(doc, tr, full, "Batch root", rc.Root.Hex(), "")
	}
	doc.Ln(2)
	section(doc, "What this proves")
	doc.SetFont("Helvetica", "", 9)
	doc.MultiCell(full, 4.4, tr("The commitment is keccak256 of a secret salt and the record's canonical JSON (RFC 8785); the chain holds it"+
		map[bool]string{true: " under the batch root, with the proof printed on page 2", false: ""}[rc.Mode == ledger.ModeBatch]+
		". Change one character of the record and the commitment no longer matches, so the terms above are exactly those anchored in the block above. "+
		"The salt in the receipt keeps the record private on the public chain: keep this certificate as you would the loan papers."), "", "L", false)
	doc.Ln(2)
	section(doc, "How to check it")
	doc.SetFont("Helvetica", "", 9)
	for _, s := range []string{
		"1. Scan the QR code: the public verify page checks the receipt against the chain and shows every check.",
		"2. Without Aartha: open the offline verifier (" + c.VerifyURL + "/offline.html, one HTML file that runs in your browser), paste the receipt from page 2 and give it any JSON-RPC URL of the chain.",
		"3. From a terminal: aartha verify receipt.json --rpc <URL of the chain>. The receipt is also attached to this PDF as " + receiptFileName(rc) + ".",
	} {
		doc.MultiCell(full, 4.4, tr(s), "", "L", false)
	}
	doc.Ln(2)
	doc.SetFont("Helvetica", "", 7.5)
	doc.SetTextColor(80, 90, 100)
	doc.MultiCell(full, 3.6, tr("Issued "+c.Issued.UTC().Format("2006-01-02 15:04 UTC")+". Receipt format aartha.receipt/v1."), "", "L", false)
	doc.SetTextColor(0, 0, 0)

	// Page 2: the receipt in full, so that the paper alone suffices.
	doc.AddPage()
	section(doc, "The proof receipt")
	doc.SetFont("Helvetica", "", 9)
	doc.MultiCell(full, 4.4, "Everything between the two marker lines is the receipt (JSON; characters outside ASCII are written as \\u escapes, which is the same receipt). Type or copy it into a file to check it.", "", "L", false)
	doc.Ln(2)
	doc.SetFont("Courier", "", 7.5)
	doc.MultiCell(full, 3.3, BeginMarker, "", "L", false)
	for _, line := range strings.Split(asciiJSON(string(pretty)), "\n") {
		doc.MultiCell(full, 3.3, line, "", "L", false)
	}
	doc.MultiCell(full, 3.3, EndMarker, "", "L", false)

	if err := doc.Output(w); err != nil {
		return fmt.Errorf("certificate: write PDF: %w", err)
	}
	return nil
}

func receiptFileName(rc *ledger.Receipt) string {
	return "receipt-" + rc.LoanID + "-" + rc.Kind.String() + ".json"
}

func section(doc *fpdf.Fpdf, title string) {
	doc.SetFont("Helvetica", "B", 11)
	doc.CellFormat(0, 6, title, "B", 1, "L", false, 0, "")
	doc.Ln(1)
}

// row prints "label  value", the value wrapped to the width left; a link
// makes the value clickable.
func row(doc *fpdf.Fpdf, tr func(string) string, width float64, label, value, link string) {
	rowSized(doc, tr, width, label, value, link, 9)
}

// rowSized is row with the value in the given font size.
func rowSized(doc *fpdf.Fpdf, tr func(string) string, width float64, label, value, link string, size float64) {
	const labelW = 34.0
	x, y := doc.GetX(), doc.GetY()
	doc.SetFont("Helvetica", "B", 9)
	doc.CellFormat(labelW, 4.6, tr(label), "", 0, "L", false, 0, "")
	doc.SetFont("Helvetica", "", size)
	if link != "" {
		doc.SetTextColor(11, 92, 173)
	}
	doc.MultiCell(width-labelW, 4.6, tr(value), "", "L", false)
	if link != "" {
		doc.SetTextColor(0, 0, 0)
		doc.LinkString(x+labelW, y, width-labelW, doc.GetY()-y, link)
	}
	doc.SetX(x)
}

// drawQR draws the code as black squares with a quiet zone of four
// modules inside size.
func drawQR(doc *fpdf.Fpdf, code *qr.Code, x, y, size float64) {
	module := size / float64(code.Size+8)
	doc.SetFillColor(0, 0, 0)
	for row := 0; row < code.Size; row++ {
		for col := 0; col < code.Size; {
			if !code.Black(col, row) {
				col++
				continue
			}
			start := col
			for col < code.Size && code.Black(col, row) {
				col++
			}
			// A run of black modules as one rectangle, a hair taller so
			// rows leave no hairline gaps when rasterised.
			doc.Rect(x+float64(start+4)*module, y+float64(row+4)*module, float64(col-start)*module, module*1.02, "F")
		}
	}
}

// terms are the record's fields as a person reads them.
func terms(rec ledger.Record) [][2]string {
	switch x := rec.(type) {
	case ledger.LoanRecord:
		t := [][2]string{{"Loan", x.LoanID}, {"Borrower", x.Borrower}, {"Lender", x.Lender}}
		if x.BorrowerAddress != "" {
			t = append(t, [2]string{"Borrower address", x.BorrowerAddress})
		}
		if x.LenderAddress != "" {
			t = append(t, [2]string{"Lender address", x.LenderAddress})
		}
		return append(t,
			[2]string{"Principal", money(x.Principal, x.Currency)},
			[2]string{"Interest", fmt.Sprintf("%d basis points a year (%s%%)", x.InterestRateBps, strconv.FormatFloat(float64(x.InterestRateBps)/100, 'f', -1, 64))},
			[2]string{"Term", fmt.Sprintf("%d months", x.TermMonths)},
			[2]string{"Approved at", x.ApprovedAt})
	case ledger.RepaymentRecord:
		return [][2]string{{"Loan", x.LoanID}, {"Amount repaid", money(x.AmountRepaid, x.Currency)}, {"Repaid at", x.RepaidAt}}
	}
	return nil
}

// money writes a decimal count of minor units in the currency's major
// unit, with the minor units alongside: "1,500.00 INR (150000 minor units)".
func money(minor, currency string) string {
	exp, ok := ledger.CurrencyExponent(currency)
	if !ok || minor == "" {
		return minor + " minor units of " + currency
	}
	digits := minor
	for len(digits) <= exp {
		digits = "0" + digits
	}
	whole, frac := digits[:len(digits)-exp], digits[len(digits)-exp:]
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if exp > 0 {
		b.WriteString("." + frac)
	}
	return b.String() + " " + currency + " (" + minor + " minor units)"
}

// asciiJSON writes every character outside printable ASCII as a JSON
// escape. JSON text has such characters only inside strings, where the
// escape denotes the same character.
func asciiJSON(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch {
		case r == '\n' || (r >= 0x20 && r < 0x7f):
			b.WriteRune(r)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
