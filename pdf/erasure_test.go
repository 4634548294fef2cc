package pdf_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/pdf"
)

// TestErasureCertificateStatesWhatWasErasedAndWhatRemains renders an
// erasure certificate and reads it back as a reader would (pdftotext): the
// erasure's facts, every kept commitment with its anchor, and the
// statement are on the page; two renderings with the same inputs are the
// same file.
func TestErasureCertificateStatesWhatWasErasedAndWhatRemains(t *testing.T) {
	t.Parallel()
	seq := uint64(41)
	c := &ledger.ErasureCertificate{
		Erasure: ledger.Erasure{LoanID: "L-erase-1", ErasedAt: time.Date(2026, 11, 30, 10, 15, 0, 0, time.UTC),
			ErasedBy: "dpo@aartha.example", Reason: "borrower request, ticket 4471"},
		Chain: "eip155:80002", ErasedFields: ledger.PersonalFields, ErasedSalts: []string{"approved", "repaid"},
		Statement: ledger.ErasureCertificateStatement,
		Commitments: []ledger.KeptCommitment{
			{Record: "approved", Mode: ledger.ModeDirect, Status: ledger.AnchorFinal,
				LoanKey: "0x" + strings.Repeat("1a", 32), Commitment: "0x" + strings.Repeat("2b", 32),
				TxHash: "0x" + strings.Repeat("3c", 32), BlockNumber: 1234567, BlockHash: "0x" + strings.Repeat("4d", 32)},
			{Record: "repaid", Mode: ledger.ModeBatch, Status: ledger.AnchorFinal,
				LoanKey: "0x" + strings.Repeat("1a", 32), Commitment: "0x" + strings.Repeat("5e", 32), Leaf: "0x" + strings.Repeat("6f", 32),
				BatchSeq: &seq, BatchRoot: "0x" + strings.Repeat("70", 32), TxHash: "0x" + strings.Repeat("81", 32), BlockNumber: 1234999, BlockHash: "0x" + strings.Repeat("92", 32)},
		},
	}
	issued := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var a, b bytes.Buffer
	require.NoError(t, pdf.WriteErasure(&a, c, issued))
	require.NoError(t, pdf.WriteErasure(&b, c, issued))
	require.Equal(t, a.Bytes(), b.Bytes(), "the same inputs give the same file")
	path := filepath.Join(t.TempDir(), "erasure.pdf")
	require.NoError(t, os.WriteFile(path, a.Bytes(), 0o600))

	text := run(t, "pdftotext", "-layout", "-enc", "UTF-8", path, "-")
	oneLine := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{
		"Personal data erasure certificate", "L-erase-1", "2026-11-30 10:15:00 UTC", "dpo@aartha.example",
		"borrower request, ticket 4471", "borrower, lender, borrower_address, lender_address",
		"of the approved and repaid record", "eip155:80002",
		"Approval record (direct mode, final)", "Repayment record (batch mode, final)",
		c.Commitments[0].Commitment, c.Commitments[0].TxHash, "1234567 " + c.Commitments[0].BlockHash,
		c.Commitments[1].Commitment, c.Commitments[1].Leaf, "#41 " + c.Commitments[1].BatchRoot, c.Commitments[1].TxHash,
		"Our copy can no longer reproduce the loan's records", "Issued 2026-12-01 08:00 UTC",
	} {
		require.Contains(t, oneLine, want)
	}

	require.Error(t, pdf.WriteErasure(&a, nil, issued))
}
