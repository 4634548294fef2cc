package ui

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
)

// Prefix is where the UI is mounted.
const Prefix = "/admin"

// LoanService runs the loan lifecycle; *ledger.LoanService satisfies it.
type LoanService interface {
	Create(ctx context.Context, actor ledger.Actor, n ledger.NewLoan) (*ledger.Loan, error)
	Approve(ctx context.Context, actor ledger.Actor, id string) (*ledger.Loan, error)
	Reject(ctx context.Context, actor ledger.Actor, id, reason string) (*ledger.Loan, error)
	MarkRepaid(ctx context.Context, actor ledger.Actor, id, amount string) (*ledger.Loan, error)
	Anchor(ctx context.Context, actor ledger.Actor, id string) (*ledger.Anchor, bool, error)
}

// Store is what the pages read; *store.DB satisfies it.
type Store interface {
	ledger.ReceiptSource
	Loans(ctx context.Context, f ledger.LoanFilter) (ledger.LoanPage, error)
	AuditEntries(ctx context.Context, f ledger.AuditFilter) ([]ledger.AuditEntry, error)
	Batches(ctx context.Context, status ledger.BatchStatus, limit int) ([]*ledger.Batch, error)
	UserByEmail(ctx context.Context, email string) (*ledger.User, error)
	VerifyAuditChain(ctx context.Context) (ledger.AuditChainReport, error)
	AnchorCountsByStatus(ctx context.Context) (map[string]int, error)
	ReconcileRuns(ctx context.Context, limit int, findings bool) ([]*ledger.ReconcileRun, error)
}

// Chain is the running chain. Nil in Config means anchoring is off
// (ENABLE_BLOCKCHAIN=false): the UI then shows no chain action or column.
type Chain interface {
	Network() string          // CAIP-2 id, e.g. eip155:137
	Contract() common.Address // the LoanRegistry
	VerifyReceipt(ctx context.Context, r *ledger.Receipt) (*ledger.Verification, error)
	// HeadBlock is the chain's latest block number, for confirmations.
	HeadBlock(ctx context.Context) (uint64, error)
	// SignerBalance is the anchoring signer's address and balance in wei.
	SignerBalance(ctx context.Context) (common.Address, *big.Int, error)
}

// Config is what the UI needs. Loans, Store and Auth are required.
type Config struct {
	Loans   LoanService
	Store   Store
	Chain   Chain // nil: anchoring is off
	Auth    *aarthahttp.Authenticator
	Limiter aarthahttp.Limiter // nil: a MemoryLimiter
	// LoginLimit and ChainWriteLimit are attempts per minute, counted under
	// the same keys as the API's, so the UI is no way around them.
	LoginLimit        int // per IP; default 10
	LoginAccountLimit int // per account, from any address; default 10
	ChainWriteLimit   int // per user and per IP; default 5
	// VerifyLimit is receipt checks per minute per IP on the public verify
	// page, counted under the key of POST /api/verify; default 30.
	VerifyLimit int

	// OfflinePage is the one-file offline verifier (package verifier),
	// served at OfflinePath and linked from the verify page; nil leaves
	// both out.
	OfflinePage []byte

	ExplorerURL string // BLOCKCHAIN_EXPLORER_URL: transactions link to ExplorerURL/tx/<hash>
	// PublicURL is the service's public base URL (API_BASE_URL): the
	// certificate's QR code opens PublicURL/verify with the receipt.
	PublicURL  string
	AnchorMode string // direct or batch, for the pages' wording
	// SecureCookies marks cookies Secure even on plain HTTP requests: set
	// it when a TLS-terminating proxy is in front (ADMIN_PANEL_URL is
	// https). Requests that arrive over TLS always get Secure cookies.
	SecureCookies bool
	// StuckAfter is how long a record may sit unsent or unconfirmed before
	// the dashboard calls it stuck; default 10 minutes.
	StuckAfter time.Duration
	// LowBalanceWei is the signer balance under which the dashboard warns;
	// default 0.05 native units (the LowSignerBalance alert's threshold).
	LowBalanceWei *big.Int

	// Maintenance, if set, is the maintenance switch: while it is on, forms
	// that change anything are refused, as the API refuses writes.
	Maintenance interface {
		Maintenance(ctx context.Context) (ledger.Maintenance, error)
	}

	// Erasure, if set, erases personal data and keeps legal holds: the
	// loan page then offers them to admins (docs/privacy.md).
	Erasure ErasureService

	// Doctor, if set, diagnoses the deployment for the dashboard's doctor
	// panel (what `aartha doctor` prints); nil leaves the panel out.
	Doctor func(ctx context.Context) []DoctorCheck

	Now      func() time.Time
	Log      *slog.Logger // errors
	AuditLog *slog.Logger // one record per admin action; nil: Log
}

// UI is the admin web UI, an http.Handler for everything under Prefix.
// Create it with New; it holds no goroutines and is safe for concurrent use.
type UI struct {
	cfg   Config
	pages map[string]*template.Template
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New returns the UI with defaults filled in. It fails only if the
// embedded templates do not parse, which is a bug.
func New(cfg Config) (*UI, error) {
	if cfg.Loans == nil || cfg.Store == nil || cfg.Auth == nil {
		return nil, errors.New("ui: Loans, Store and Auth are required")
	}
	if cfg.Limiter == nil {
		cfg.Limiter = aarthahttp.NewMemoryLimiter()
	}
	if cfg.LoginLimit == 0 {
		cfg.LoginLimit = 10
	}
	if cfg.LoginAccountLimit == 0 {
		cfg.LoginAccountLimit = 10
	}
	if cfg.ChainWriteLimit == 0 {
		cfg.ChainWriteLimit = 5
	}
	if cfg.VerifyLimit == 0 {
		cfg.VerifyLimit = 30
	}
	if cfg.StuckAfter == 0 {
		cfg.StuckAfter = 10 * time.Minute
	}
	if cfg.LowBalanceWei == nil {
		cfg.LowBalanceWei = new(big.Int).Mul(big.NewInt(5), new(big.Int).Exp(big.NewInt(10), big.NewInt(16), nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.AuditLog == nil {
		cfg.AuditLog = cfg.Log
	}
	cfg.ExplorerURL = strings.TrimRight(cfg.ExplorerURL, "/")
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	u := &UI{cfg: cfg, cop: http.NewCrossOriginProtection()}
	if err := u.parseTemplates(); err != nil {
		return nil, err
	}
	u.routes()
	return u, nil
}

func (u *UI) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", cacheStatic(http.FileServerFS(static))))
	m.HandleFunc("GET "+Prefix+"/login", u.loginPage)
	m.HandleFunc("POST "+Prefix+"/login", u.login)
	m.Handle("POST "+Prefix+"/logout", u.page(ledger.RoleViewer, u.logout))
	m.Handle("GET "+Prefix+"/{$}", u.page(ledger.RoleViewer, u.dashboard))
	m.Handle("GET "+Prefix+"/loans", u.page(ledger.RoleViewer, u.loans))
	m.Handle("GET "+Prefix+"/loans/new", u.page(ledger.RoleOperator, u.newLoanPage))
	m.Handle("POST "+Prefix+"/loans", u.page(ledger.RoleOperator, u.createLoan))
	m.Handle("GET "+Prefix+"/loans/{loan_id}", u.page(ledger.RoleViewer, u.loan))
	m.Handle("GET "+Prefix+"/loans/{loan_id}/verify", u.page(ledger.RoleViewer, u.verifyLoan))
	m.Handle("GET "+Prefix+"/loans/{loan_id}/receipt", u.page(ledger.RoleViewer, u.receipt))
	m.Handle("POST "+Prefix+"/loans/{loan_id}/{action}", u.page(ledger.RoleOperator, u.loanAction))
	m.Handle("POST "+Prefix+"/loans/{loan_id}/erase", u.page(ledger.RoleAdmin, u.eraseLoan))
	m.Handle("POST "+Prefix+"/loans/{loan_id}/legal-hold", u.page(ledger.RoleAdmin, u.legalHold))
	m.Handle("GET "+Prefix+"/loans/{loan_id}/erasure", u.page(ledger.RoleViewer, u.erasureCertificate))
	m.Handle("GET "+Prefix+"/batches", u.page(ledger.RoleViewer, u.batches))
	m.Handle("GET "+Prefix+"/audit", u.page(ledger.RoleViewer, u.audit))
	m.Handle(Prefix+"/", u.page(ledger.RoleViewer, func(w http.ResponseWriter, r *http.Request, s *session) error {
		return ledger.Errorf(ledger.ENOTFOUND, "there is no page %s", r.URL.Path)
	}))
	u.mux = m
}

// ServeHTTP serves the UI's pages: behind the cross-origin check, with a
// content security policy that allows only this origin's stylesheet.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, Prefix+"/static/") {
		h.Set("Cache-Control", "no-store")
	}
	if err := u.cop.Check(r); err != nil {
		u.renderError(w, r, nil, ledger.Errorf(ledger.EFORBIDDEN, "this form was sent from another site, so it was refused: use the pages of this server"))
		return
	}
	if err := aarthahttp.CheckRequestText(r); err != nil {
		u.renderError(w, r, nil, err)
		return
	}
	u.mux.ServeHTTP(w, r)
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// handlerFunc is a page handler for a logged-in user.
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session) error

// page wraps a handler: it requires a session (else redirects to the login
// page), the role, and on a POST a valid CSRF token; an error the handler
// returns is rendered as an error page.
func (u *UI) page(role ledger.Role, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := u.session(r)
		if !ok {
			if r.Method == http.MethodGet {
				next := r.URL.RequestURI()
				http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(next), http.StatusSeeOther)
				return
			}
			u.renderError(w, r, nil, ledger.Errorf(ledger.EUNAUTHORIZED, "your session has ended: log in again"))
			return
		}
		if r.Method == http.MethodPost && !s.validCSRF(r.PostFormValue(csrfField)) {
			u.renderError(w, r, s, ledger.Errorf(ledger.EFORBIDDEN, "the form's security token is missing or out of date: reload the page and try again"))
			return
		}
		if !s.Role.Allows(role) {
			u.renderError(w, r, s, ledger.Errorf(ledger.EFORBIDDEN, "this needs the %s role; you are %s %s", role, s.Role, s.Email))
			return
		}
		if r.Method == http.MethodPost && u.cfg.Maintenance != nil {
			if m, err := u.cfg.Maintenance.Maintenance(r.Context()); err == nil && m.On {
				w.Header().Set("Retry-After", "60")
				u.renderError(w, r, s, ledger.Errorf(ledger.EUNAVAILABLE, "the service is in maintenance mode: changes are paused, pages and verification work (%s)", m.Message))
				return
			}
		}
		if err := h(w, r, s); err != nil {
			u.renderError(w, r, s, err)
		}
	})
}

// base is what every page's layout needs.
type base struct {
	Title    string
	Nav      string // the menu entry to highlight
	S        *session
	Chain    bool // anchoring is on
	Network  string
	Contract string
	Stream   string // the MultiChain stream anchors go to; "" on an EVM chain
	Notice   string // a success message
	Error    string // a failure message
	Public   bool   // a page for anyone (the verify page): no admin menu
}

func (u *UI) base(s *session, title, nav string) base {
	b := base{Title: title, Nav: nav, S: s, Chain: u.cfg.Chain != nil}
	if u.cfg.Chain != nil {
		b.Network, b.Contract = u.cfg.Chain.Network(), u.cfg.Chain.Contract().Hex()
		if sc, ok := u.cfg.Chain.(StreamChain); ok {
			b.Stream = sc.Stream()
		}
	}
	return b
}

// render executes a page template into a buffer first, so a template
// failure becomes a clean error page rather than half a page.
func (u *UI) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	t, ok := u.pages[name]
	if !ok {
		u.cfg.Log.Error("ui: no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		u.cfg.Log.Error("ui: render page", "page", name, "err", err)
		http.Error(w, "internal error: the failure was logged", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	base
	Status int
	Code   string
}

// renderError shows err to the person: its domain message and the status
// the API would answer with. Internal errors are logged and not shown.
func (u *UI) renderError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status := aarthahttp.StatusOf(err)
	msg := ledger.ErrorMessage(err)
	if status >= 500 {
		u.cfg.Log.Error("ui request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		if ledger.ErrorCode(err) == ledger.EINTERNAL {
			msg = "internal error: the failure was logged; try again, and report it if it persists"
		}
	}
	var re *rateError
	if errors.As(err, &re) {
		status, msg = http.StatusTooManyRequests, re.Error()
		w.Header().Set("Retry-After", fmt.Sprint(int(re.retry.Seconds()+0.999)))
	}
	p := errorPage{base: u.base(s, http.StatusText(status), ""), Status: status, Code: ledger.ErrorCode(err)}
	p.Error = msg
	u.render(w, status, "error", p)
}

// rateError is a refused attempt over a rate limit.
type rateError struct {
	msg   string
	retry time.Duration
}

func (e *rateError) Error() string { return e.msg }

// allow counts one attempt under each key against limit per minute.
// When the limiter fails, chain writes are refused (as the API does) and
// logins let through.
func (u *UI) allow(ctx context.Context, limit int, failClosed bool, what string, keys ...string) error {
	for _, k := range keys {
		ok, retry, err := u.cfg.Limiter.Allow(ctx, k, limit, time.Minute)
		if err != nil {
			u.cfg.Log.Error("rate limiter unavailable", "err", err)
			if failClosed {
				return ledger.Errorf(ledger.EUNAVAILABLE, "the rate limiter is unavailable, so chain writes are paused: try again shortly")
			}
			continue
		}
		if !ok {
			return &rateError{retry: retry, msg: fmt.Sprintf("too many %s: %d a minute are allowed; try again in %d seconds", what, limit, int(retry.Seconds()+0.999))}
		}
	}
	return nil
}

// actor is the audit author of a request.
func actor(r *http.Request, s *session) ledger.Actor {
	return ledger.Actor{ID: s.Email, Role: string(s.Role), Addr: clientIP(r)}
}

// clientIP is the peer's address, or the client's behind a trusted proxy
// (the server rewrites RemoteAddr, as for package http).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// logAction emits the structured record of an admin action, like the API.
func (u *UI) logAction(r *http.Request, s *session, action, loanID string, attrs ...any) {
	u.cfg.AuditLog.Info("admin action", append([]any{
		"action", action, "admin", s.Email, "role", s.Role, "ip", clientIP(r), "loan_id", loanID, "via", "ui",
	}, attrs...)...)
}

// statusOf is the HTTP status of an error, from the API's one table.
func statusOf(err error) int { return aarthahttp.StatusOf(err) }

func asRate(err error, target **rateError) bool { return errors.As(err, target) }
