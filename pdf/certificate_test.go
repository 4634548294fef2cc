package pdf_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/pdf"
)

// poppler finds one of poppler-utils' programs (Debian's poppler-utils,
// which .ci/run installs): the tests read the PDF as a reader would. Under
// CI=true a missing program fails the test.
func poppler(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found: install Debian's poppler-utils; CI needs it to read the certificate", name)
	}
	t.Skipf("%s not found: install Debian's poppler-utils to run the certificate tests", name)
	return ""
}

func golden(t *testing.T, name string) (*ledger.Receipt, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "receipts", name))
	require.NoError(t, err)
	r, err := ledger.ParseReceipt(b)
	require.NoError(t, err)
	return r, b
}

func render(t *testing.T, c pdf.Certificate) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, pdf.Write(&buf, c))
	require.True(t, bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")))
	path := filepath.Join(t.TempDir(), "certificate.pdf")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(poppler(t, name), args...).CombinedOutput()
	require.NoError(t, err, "%s: %s", name, out)
	return string(out)
}

// TestCertificateCarriesTheReceipt renders the certificate of every golden
// receipt and reads it back as a reader would: the text (pdftotext) shows
// the terms, chain, transaction, explorer link, block time and commitment,
// and the receipt printed between the markers parses into exactly the
// receipt; the QR code, rasterised (pdftoppm) and decoded (gozxing), opens
// the verify page with that receipt; the attached file is the receipt.
func TestCertificateCarriesTheReceipt(t *testing.T) {
	t.Parallel()
	blockTime := time.Date(2026, 3, 1, 9, 31, 12, 0, time.UTC)
	for _, tc := range []struct {
		file  string
		terms []string
	}{
		{"evm-direct.json", []string{"Loan approval certificate", "cust-10442", "aartha-capital", "1,500,000.00 INR (150000000 minor units)", "1450 basis points a year (14.5%)", "24 months", "2026-03-01T09:30:00Z"}},
		{"evm-batch-one.json", []string{"Loan repayment certificate", "1,717,500.00 INR (171750000 minor units)", "2028-03-01T10:00:00Z", "batch #41"}},
		{"evm-batch-many.json", []string{"Loan approval certificate", "cust-20002", "300,000.00 INR", "batch #42", "Batch root"}},
		{"multichain-direct.json", []string{"Publisher (key hash)", "multichain:artha-chain", "Zoë", "0.001 KWD (1 minor units)"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			rc, raw := golden(t, tc.file)
			path := render(t, pdf.Certificate{Receipt: rc, VerifyURL: "https://aartha.example/verify",
				ExplorerURL: "https://polygonscan.example/", BlockTime: blockTime, Issued: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)})

			text := run(t, "pdftotext", "-layout", "-enc", "UTF-8", path, "-")
			for _, want := range append(tc.terms, rc.Chain, rc.TxHash.Hex(), rc.BlockHash.Hex(), rc.Commitment.Hex(),
				"https://polygonscan.example/tx/"+rc.TxHash.Hex(), "2026-03-01 09:31:12 UTC", "https://aartha.example/verify/offline.html") {
				require.Contains(t, text, want, tc.file)
			}

			// The paper alone suffices: the printed JSON is the receipt.
			start, end := strings.Index(text, pdf.BeginMarker), strings.Index(text, pdf.EndMarker)
			require.True(t, start >= 0 && end > start, "the markers are in the text")
			printed := strings.ReplaceAll(text[start+len(pdf.BeginMarker):end], "\f", "")
			got, err := ledger.ParseReceipt([]byte(printed))
			require.NoError(t, err, printed)
			_, err = got.CheckOffline()
			require.NoError(t, err)
			requireSameReceipt(t, rc, got)

			// The QR code opens the verify page with this receipt.
			img := filepath.Join(t.TempDir(), "page")
			run(t, "pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile", path, img)
			f, err := os.Open(img + ".png")
			require.NoError(t, err)
			defer f.Close()
			pic, err := png.Decode(f)
			require.NoError(t, err)
			bmp, err := gozxing.NewBinaryBitmapFromImage(pic)
			require.NoError(t, err)
			res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
			require.NoError(t, err, "the QR code decodes")
			u, err := url.Parse(res.GetText())
			require.NoError(t, err)
			require.Equal(t, "https://aartha.example/verify", u.Scheme+"://"+u.Host+u.Path)
			data, err := ledger.ReceiptFromToken(u.Query().Get(ledger.ReceiptLinkParam))
			require.NoError(t, err)
			fromQR, err := ledger.ParseReceipt(data)
			require.NoError(t, err)
			requireSameReceipt(t, rc, fromQR)

			// The attachment is the receipt file, byte for byte.
			dir := t.TempDir()
			run(t, "pdfdetach", "-saveall", "-o", dir, path)
			attached, err := os.ReadFile(filepath.Join(dir, "receipt-"+rc.LoanID+"-"+rc.Kind.String()+".json"))
			require.NoError(t, err)
			require.Equal(t, string(raw), string(attached))
		})
	}
}

func requireSameReceipt(t *testing.T, want, got *ledger.Receipt) {
	t.Helper()
	a, err := json.Marshal(want)
	require.NoError(t, err)
	b, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, string(a), string(b))
}

func TestCertificateRefusesAnInconsistentReceipt(t *testing.T) {
	t.Parallel()
	rc, _ := golden(t, "evm-direct.json")
	rc.Commitment[0] ^= 1
	err := pdf.Write(&bytes.Buffer{}, pdf.Certificate{Receipt: rc, VerifyURL: "https://aartha.example/verify"})
	require.ErrorContains(t, err, "commitment does not match")
	rc, _ = golden(t, "evm-direct.json")
	require.Error(t, pdf.Write(&bytes.Buffer{}, pdf.Certificate{Receipt: rc}), "the verify URL is required")
}
