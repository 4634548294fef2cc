package pdf

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	ledger "github.com/aartha/ledger"
)

// WriteErasure renders an erasure certificate (docs/privacy.md) as a PDF to
// w: what was erased, when, by whom and why, the commitments that remain
// on chain with their anchors, and the statement that our copy can no
// longer reproduce the loan's records. issued is printed and is the PDF's
// creation date, so the same inputs give the same file.
func WriteErasure(w io.Writer, c *ledger.ErasureCertificate, issued time.Time) error {
	if c == nil || c.LoanID == "" {
		return fmt.Errorf("erasure certificate: an erasure is required")
	}
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCreationDate(issued)
	doc.SetModificationDate(issued)
	doc.SetCatalogSort(true)
	doc.SetTitle("Erasure certificate "+c.LoanID, true)
	doc.SetCreator("Aartha ledger", true)
	doc.SetProducer("Aartha ledger", true)
	doc.SetMargins(15, 15, 15)
	doc.SetAutoPageBreak(true, 15)
	tr := doc.UnicodeTranslatorFromDescriptor("") // cp1252
	const full = 210 - 30.0

	doc.AddPage()
	doc.SetFont("Helvetica", "B", 18)
	doc.MultiCell(full, 8, "Personal data erasure certificate", "", "L", false)
	doc.SetFont("Helvetica", "", 10)
	doc.SetTextColor(80, 90, 100)
	doc.MultiCell(full, 5, tr("The personal data of loan "+c.LoanID+" was erased from Aartha ledger's database. "+
		"This certificate states what was erased and what remains."), "", "L", false)
	doc.SetTextColor(0, 0, 0)
	doc.Ln(3)

	section(doc, "The erasure")
	row(doc, tr, full, "Loan", c.LoanID, "")
	row(doc, tr, full, "Erased at", c.ErasedAt.UTC().Format("2006-01-02 15:04:05 UTC"), "")
	row(doc, tr, full, "Erased by", c.ErasedBy, "")
	row(doc, tr, full, "Reason", c.Reason, "")
	row(doc, tr, full, "Fields erased", strings.Join(c.ErasedFields, ", "), "")
	salts := "none (the loan had no record)"
	if len(c.ErasedSalts) > 0 {
		salts = "of the " + strings.Join(c.ErasedSalts, " and ") + " record"
	}
	row(doc, tr, full, "Salts deleted", salts, "")
	row(doc, tr, full, "Data key", "deleted (the loan's encrypted fields in every backup are unreadable)", "")
	doc.Ln(2)

	section(doc, "Commitments that remain on chain")
	if c.Chain != "" {
		row(doc, tr, full, "Chain", c.Chain, "")
	}
	if len(c.Commitments) == 0 {
		doc.SetFont("Helvetica", "", 9)
		doc.MultiCell(full, 4.4, "None: the loan's records were never anchored.", "", "L", false)
	}
	for _, k := range c.Commitments {
		doc.SetFont("Helvetica", "B", 10)
		doc.MultiCell(full, 5.5, tr(recordTitle(k.Record)+" record ("+k.Mode+" mode, "+string(k.Status)+")"), "", "L", false)
		row(doc, tr, full, "Commitment", k.Commitment, "")
		row(doc, tr, full, "Loan key", k.LoanKey, "")
		if k.Leaf != "" {
			row(doc, tr, full, "Leaf", k.Leaf, "")
		}
		if k.BatchRoot != "" {
			batch := k.BatchRoot
			if k.BatchSeq != nil {
				batch = "#" + strconv.FormatUint(*k.BatchSeq, 10) + "  " + batch
			}
			row(doc, tr, full, "Batch root", batch, "")
		}
		if k.TxHash != "" {
			row(doc, tr, full, "Transaction", k.TxHash, "")
		}
		if k.BlockNumber != 0 {
			row(doc, tr, full, "Block", strconv.FormatUint(k.BlockNumber, 10)+"  "+k.BlockHash, "")
		}
		doc.Ln(1.5)
	}
	doc.Ln(1)

	section(doc, "What this means")
	doc.SetFont("Helvetica", "", 9)
	doc.MultiCell(full, 4.4, tr(c.Statement), "", "L", false)
	doc.Ln(2)
	doc.SetFont("Helvetica", "", 7.5)
	doc.SetTextColor(80, 90, 100)
	doc.MultiCell(full, 3.6, tr("Issued "+issued.UTC().Format("2006-01-02 15:04 UTC")+". The erasure is recorded in the audit trail as loan.erase."), "", "L", false)
	doc.SetTextColor(0, 0, 0)

	if err := doc.Output(w); err != nil {
		return fmt.Errorf("erasure certificate: write PDF: %w", err)
	}
	return nil
}

func recordTitle(kind string) string {
	switch kind {
	case ledger.KindApproved.String():
		return "Approval"
	case ledger.KindRepaid.String():
		return "Repayment"
	}
	return kind
}
