package ui

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	ledger "github.com/aartha/ledger"
)

// VerifyPath is where the public verify page is served, outside Prefix:
// it needs no login.
const VerifyPath = "/verify"

// OfflinePath is where the one-file offline verifier is served.
const OfflinePath = VerifyPath + "/offline.html"

// maxVerifyForm bounds a POST to the verify page: one receipt (pasted or
// uploaded) and the form's own overhead.
const maxVerifyForm = 2*ledger.MaxReceiptBytes + 4<<10

// publicPage is the verify page: the form, and once a receipt was given,
// its record, every check made against the chain and the verdict.
type publicPage struct {
	base
	Input    string // the pasted receipt, to fill the form again
	R        *ledger.Receipt
	Terms    []term
	V        *ledger.Verification
	Failed   []failure
	Problem  string // the receipt could not be checked at all
	Offline  bool   // the offline verifier is served
	OwnChain bool   // the receipt names the chain this server reads
}

// term is one line of a record as a person reads it.
type term struct{ Label, Value string }

// failure is a failed check and what it means.
type failure struct {
	ledger.Check
	Meaning string
}

// VerifyPage returns the public verify page's handler, for GET and POST
// VerifyPath and GET OfflinePath (when Config.OfflinePage is set). Anyone
// may paste or upload a receipt (or follow a link carrying one, as the
// printed certificate's QR code does) and see it checked against the chain
// this server reads, with the same code as POST /api/verify. Checks are
// rate limited per IP under the API's verify key, so the page is no way
// around that limit. It keeps no session and sets no cookie.
func (u *UI) VerifyPage() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET "+VerifyPath, u.verifyForm)
	m.HandleFunc("POST "+VerifyPath, u.verifyPosted)
	if u.cfg.OfflinePage != nil {
		m.HandleFunc("GET "+OfflinePath, u.offlinePage)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		m.ServeHTTP(w, r)
	})
}

func (u *UI) newPublicPage() publicPage {
	p := publicPage{base: u.base(nil, "Verify a loan receipt", "verify"), Offline: u.cfg.OfflinePage != nil}
	p.Public = true
	return p
}

// verifyForm shows the empty form, or checks the receipt a link carries
// (?r=, see ledger.ReceiptToken).
func (u *UI) verifyForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get(ledger.ReceiptLinkParam)
	if token == "" {
		u.render(w, http.StatusOK, "verify", u.newPublicPage())
		return
	}
	if !u.allowVerify(w, r) {
		return
	}
	data, err := ledger.ReceiptFromToken(token)
	if err != nil {
		u.verifyFailed(w, "", err)
		return
	}
	u.check(w, r, data)
}

// verifyPosted checks a pasted or uploaded receipt; an uploaded file wins
// over the text box.
func (u *UI) verifyPosted(w http.ResponseWriter, r *http.Request) {
	if !u.allowVerify(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyForm)
	data, err := postedReceipt(r)
	if err != nil {
		u.verifyFailed(w, "", err)
		return
	}
	u.check(w, r, data)
}

func postedReceipt(r *http.Request) ([]byte, error) {
	tooBig := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ledger.Errorf(ledger.EINVALID, "the form is larger than %d bytes: a receipt is a few kilobytes", maxVerifyForm)
		}
		return ledger.Errorf(ledger.EINVALID, "the form could not be read: %v", err)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(maxVerifyForm); err != nil {
			return nil, tooBig(err)
		}
		if f, _, err := r.FormFile("file"); err == nil {
			defer f.Close()
			data, err := io.ReadAll(io.LimitReader(f, ledger.MaxReceiptBytes+1))
			if err != nil {
				return nil, tooBig(err)
			}
			if len(data) > ledger.MaxReceiptBytes {
				return nil, ledger.Errorf(ledger.EINVALID, "the file is larger than %d bytes: it is not a receipt", ledger.MaxReceiptBytes)
			}
			if len(strings.TrimSpace(string(data))) > 0 {
				return data, nil
			}
		}
	} else if err := r.ParseForm(); err != nil {
		return nil, tooBig(err)
	}
	text := strings.TrimSpace(r.PostFormValue("receipt"))
	if text == "" {
		return nil, ledger.Errorf(ledger.EINVALID, "no receipt was given: paste the receipt's JSON into the box or choose its file")
	}
	return []byte(text), nil
}

// check parses the receipt strictly and checks it against the chain.
func (u *UI) check(w http.ResponseWriter, r *http.Request, data []byte) {
	input := string(data)
	if !utf8.Valid(data) {
		u.verifyFailed(w, "", ledger.Errorf(ledger.EINVALID, "the receipt is not UTF-8 text: it is not a receipt file"))
		return
	}
	if len(data) > ledger.MaxReceiptBytes {
		u.verifyFailed(w, "", ledger.Errorf(ledger.EINVALID, "the receipt is larger than %d bytes: it is not a receipt", ledger.MaxReceiptBytes))
		return
	}
	rc, err := ledger.ParseReceipt(data)
	if err != nil {
		u.verifyFailed(w, input, err)
		return
	}
	if u.cfg.Chain == nil {
		u.verifyFailed(w, input, ledger.Errorf(ledger.EUNAVAILABLE,
			"this server does not read a chain (ENABLE_BLOCKCHAIN=false), so it cannot check receipts: use the offline verifier or `aartha verify` with the chain's RPC URL"))
		return
	}
	v, err := u.cfg.Chain.VerifyReceipt(r.Context(), rc)
	if err != nil {
		u.cfg.Log.Warn("ui: public verify against the chain", "loan_id", rc.LoanID, "err", err)
		u.verifyFailed(w, input, ledger.Errorf(ledger.EUNAVAILABLE, "the chain could not be asked just now; try again shortly"))
		return
	}
	p := u.newPublicPage()
	p.Input, p.R, p.V, p.OwnChain = input, rc, v, rc.Chain == u.cfg.Chain.Network()
	p.Title = "Receipt of loan " + rc.LoanID
	p.Terms = recordTerms(rc)
	for _, c := range v.Checks {
		if !c.OK {
			p.Failed = append(p.Failed, failure{Check: c, Meaning: checkMeaning(c.Name)})
		}
	}
	u.render(w, http.StatusOK, "verify", p)
}

// allowVerify counts one check against the per-IP limit, under the key
// POST /api/verify counts under, and answers 429 when it is used up. Like
// the API it lets the check through when the limiter itself fails.
func (u *UI) allowVerify(w http.ResponseWriter, r *http.Request) bool {
	err := u.allow(r.Context(), u.cfg.VerifyLimit, false, "receipt checks", "verify:ip:"+clientIP(r))
	var re *rateError
	if !asRate(err, &re) {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(re.retry.Seconds()+0.999)))
	p := u.newPublicPage()
	p.Error = re.Error()
	u.render(w, http.StatusTooManyRequests, "verify", p)
	return false
}

// verifyFailed shows the form again with why the receipt could not be
// checked, with the API's status for the error.
func (u *UI) verifyFailed(w http.ResponseWriter, input string, err error) {
	status := statusOf(err)
	if status >= 500 && ledger.ErrorCode(err) == ledger.EINTERNAL {
		u.cfg.Log.Error("ui: public verify failed", "err", err)
	}
	p := u.newPublicPage()
	p.Input, p.Error = input, ledger.ErrorMessage(err)
	if ledger.ErrorCode(err) == ledger.EINVALID {
		p.Error = "This is not a valid receipt, so nothing was checked: " + p.Error
	}
	u.render(w, status, "verify", p)
}

// recordTerms lists the receipt's record as a person reads it. The record
// parsed already (ParseReceipt leaves it raw; CheckOffline parses it), so a
// record that does not parse is shown as its raw JSON.
func recordTerms(rc *ledger.Receipt) []term {
	rec, err := ledger.ParseRecord(rc.Record)
	if err != nil {
		return []term{{"Record (does not parse)", string(rc.Record)}}
	}
	money := func(minor, currency string) string {
		n, err := strconv.ParseInt(minor, 10, 64)
		if err != nil {
			return minor + " (minor units) " + currency
		}
		return formatMoney(n, currency) + " (" + minor + " minor units)"
	}
	switch x := rec.(type) {
	case ledger.LoanRecord:
		t := []term{
			{"Record", "loan approval (" + x.Schema + ")"}, {"Loan", x.LoanID},
			{"Borrower", x.Borrower}, {"Lender", x.Lender},
		}
		if x.BorrowerAddress != "" {
			t = append(t, term{"Borrower address", x.BorrowerAddress})
		}
		if x.LenderAddress != "" {
			t = append(t, term{"Lender address", x.LenderAddress})
		}
		return append(t,
			term{"Principal", money(x.Principal, x.Currency)},
			term{"Interest", fmt.Sprintf("%d basis points a year (%s%%)", x.InterestRateBps, strconv.FormatFloat(float64(x.InterestRateBps)/100, 'f', -1, 64))},
			term{"Term", fmt.Sprintf("%d months", x.TermMonths)},
			term{"Approved at", x.ApprovedAt})
	case ledger.RepaymentRecord:
		return []term{
			{"Record", "repayment (" + x.Schema + ")"}, {"Loan", x.LoanID},
			{"Amount repaid", money(x.AmountRepaid, x.Currency)}, {"Repaid at", x.RepaidAt},
		}
	}
	return []term{{"Record", string(rc.Record)}}
}

// checkMeaning says in plain words what a failed check means, for the
// check names of evm.VerifyReceipt and multichain.Verify.
func checkMeaning(name string) string {
	switch {
	case name == "record matches commitment, loan key and proof":
		return "The loan record in this receipt is not the one that was fingerprinted: a term, the salt or one of its hashes was changed after the receipt was issued. Do not rely on these terms."
	case name == "chain":
		return "The receipt is for another chain than the one this server reads, so it cannot be checked here. Check it against a node of the chain it names, with the offline verifier or `aartha verify`."
	case name == "transaction":
		return "The transaction the receipt names is not on this chain: the receipt is forged, comes from another network, or its block was dropped when the chain reorganised."
	case name == "transaction status":
		return "The transaction failed on chain, so it recorded nothing."
	case name == "block hash", name == "block number":
		return "The transaction sits in another block than the receipt says: the receipt was edited, or the chain reorganised since it was issued (then ask the issuer for a fresh receipt)."
	case strings.HasPrefix(name, "registry event"):
		return "The transaction did not record this anchor in the registry the receipt names: the receipt points at the wrong contract or log entry."
	case name == "event loan key", name == "event commitment", name == "event repayment commitment", name == "registry getLoan commitment":
		return "The chain holds a different fingerprint for this loan than this record gives: the record is not what was approved (or repaid)."
	case name == "event root", name == "event batch sequence", name == "registry getBatch sequence", name == "registry verifyLeaf":
		return "The batch on chain does not contain this record: the receipt's proof, root or batch number is wrong."
	case strings.HasPrefix(name, "publisher"):
		return "The stream item was published by another address than the receipt says: it may not come from the issuer."
	case strings.HasPrefix(name, "stream"), strings.HasPrefix(name, "item"):
		return "The stream item the receipt names does not carry this record's fingerprint."
	}
	return "What the chain holds differs from the receipt: do not rely on this receipt as it is."
}

// offlinePage serves the one-file offline verifier as a download-friendly
// page. It runs its own script (inline), so it gets its own content
// security policy: scripts and styles inline only, and network requests
// to any URL (the chain RPC the user types), nothing else.
func (u *UI) offlinePage(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src *; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(u.cfg.OfflinePage)
}
