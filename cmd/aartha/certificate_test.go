package main

import (
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/pdf"
)

// popplerTool finds a program of Debian's poppler-utils (installed by
// .ci/run); without it the test skips, and under CI=true fails.
func (p *page) popplerTool(name string) string {
	p.t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		p.t.Fatalf("%s not found: install Debian's poppler-utils; CI needs it to read the certificate", name)
	}
	p.t.Skipf("%s not found: install Debian's poppler-utils to read the certificate", name)
	return ""
}

// checkCertificates downloads the certificate of a real receipt from the
// API and from the admin UI, reads its text and QR code as a person
// would, and follows the QR code in the browser to the verify page, which
// verifies the receipt against the chain.
func (p *page) checkCertificates(c *apiClient, receipt []byte) {
	t := p.t
	t.Helper()
	rc, err := ledger.ParseReceipt(receipt)
	require.NoError(t, err)
	path := "/api/admin/loans/" + rc.LoanID + "/blockchain/receipt?record=" + rc.Kind.String()
	code, body := c.raw("GET", path+"&format=xml")
	require.Equal(t, http.StatusBadRequest, code, string(body))
	require.Contains(t, string(body), "use json or pdf")
	code, doc := c.raw("GET", path+"&format=pdf")
	require.Equal(t, http.StatusOK, code, string(doc))
	require.True(t, strings.HasPrefix(string(doc), "%PDF-"))
	file := filepath.Join(t.TempDir(), "certificate.pdf")
	require.NoError(t, os.WriteFile(file, doc, 0o600))

	text, err := exec.Command(p.popplerTool("pdftotext"), "-layout", file, "-").CombinedOutput()
	require.NoError(t, err, "%s", text)
	for _, want := range []string{rc.LoanID, rc.TxHash.Hex(), rc.Commitment.Hex(), "1,500.00 INR (150000 minor units)", pdf.BeginMarker} {
		require.Contains(t, string(text), want)
	}
	require.Regexp(t, regexp.MustCompile(`Block time\s+`+time.Now().UTC().Format("2006-01-02")), string(text), "the block time comes from the chain")

	img := filepath.Join(t.TempDir(), "page")
	out, err := exec.Command(p.popplerTool("pdftoppm"), "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile", file, img).CombinedOutput()
	require.NoError(t, err, "%s", out)
	f, err := os.Open(img + ".png")
	require.NoError(t, err)
	defer f.Close()
	pic, err := png.Decode(f)
	require.NoError(t, err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(pic)
	require.NoError(t, err)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	require.NoError(t, err, "the QR code decodes")
	require.True(t, strings.HasPrefix(res.GetText(), c.base+"/verify?r="), res.GetText())
	p.do()
	_, err = chromedpNavigate(p, res.GetText())
	require.NoError(t, err)
	require.Equal(t, "✔ Verified", p.text("#verdict-h"), "the QR code opens a verified receipt")
	require.Contains(t, p.text("#loan-id"), rc.LoanID)
	p.shot("verify-from-qr")

	// The admin UI's download: log in through the form, then the link.
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(c.base + "/admin/login")
	require.NoError(t, err)
	loginPage := readAll(t, resp)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(loginPage)
	require.NotNil(t, csrf)
	resp, err = hc.PostForm(c.base+"/admin/login", url.Values{"csrf": {csrf[1]}, "email": {testAdminEmail}, "password": {testAdminPassword}, "next": {"/admin/loans/" + rc.LoanID}})
	require.NoError(t, err)
	loanPage := readAll(t, resp)
	require.Contains(t, loanPage, `id="certificate-`+rc.Kind.String()+`"`, "the loan page links the certificate")
	resp, err = hc.Get(c.base + "/admin/loans/" + rc.LoanID + "/receipt?record=" + rc.Kind.String() + "&format=pdf")
	require.NoError(t, err)
	ui := readAll(t, resp)
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Disposition"), "certificate-"+rc.LoanID)
	require.True(t, strings.HasPrefix(ui, "%PDF-"))
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func chromedpNavigate(p *page, u string) (*network.Response, error) {
	return chromedp.RunResponse(p.ctx, chromedp.Navigate(u))
}
