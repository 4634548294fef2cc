package http

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	nethttp "net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// LoanService runs the loan lifecycle; *ledger.LoanService satisfies it.
type LoanService interface {
	Create(ctx context.Context, actor ledger.Actor, n ledger.NewLoan) (*ledger.Loan, error)
	Approve(ctx context.Context, actor ledger.Actor, id string) (*ledger.Loan, error)
	Reject(ctx context.Context, actor ledger.Actor, id, reason string) (*ledger.Loan, error)
	MarkRepaid(ctx context.Context, actor ledger.Actor, id, amount string) (*ledger.Loan, error)
	Anchor(ctx context.Context, actor ledger.Actor, id string) (*ledger.Anchor, bool, error)
}

// Store is what the API reads; *store.DB satisfies it.
type Store interface {
	ledger.ReceiptSource
	Loans(ctx context.Context, f ledger.LoanFilter) (ledger.LoanPage, error)
	AuditEntries(ctx context.Context, f ledger.AuditFilter) ([]ledger.AuditEntry, error)
	UserByEmail(ctx context.Context, email string) (*ledger.User, error)
	CreateUser(ctx context.Context, actor ledger.Actor, u *ledger.User) error
	// DirectAnchorCost returns the gas used and effective gas price (decimal
	// wei) of the mined transaction txHash of a direct-mode anchor;
	// ENOTFOUND when they are not known.
	DirectAnchorCost(ctx context.Context, anchorID int64, txHash common.Hash) (gasUsed uint64, gasPriceWei string, err error)
}

// Chain is the running chain, for verifying receipts. Nil in APIConfig
// means anchoring is off (ENABLE_BLOCKCHAIN=false).
type Chain interface {
	Network() string          // CAIP-2 id, e.g. eip155:137
	Contract() common.Address // the LoanRegistry
	VerifyReceipt(ctx context.Context, r *ledger.Receipt) (*ledger.Verification, error)
}

// Limits are requests per minute per key. Zero takes the default.
type Limits struct {
	ChainWrites int // per user and per IP on endpoints that write to the chain; default 5
	Verify      int // per IP on the public POST /api/verify; default 30
	Login       int // per IP on POST /api/auth/login; default 10
	// LoginAccount is per account (the email tried) and client address on
	// POST /api/auth/login; default 10. The account also has a ceiling of
	// LoginAccountCeiling times it from all addresses together, so that
	// guesses spread over many addresses are slowed, while someone else's
	// bad tries cannot lock the account's owner out from their own address.
	LoginAccount int
}

// APIConfig is what the admin API needs. Loans, Store and Auth are
// required; the rest have defaults.
type APIConfig struct {
	Loans LoanService
	Store Store
	Chain Chain // nil: anchoring is off
	Auth  *Authenticator

	Limiter Limiter // nil: a MemoryLimiter
	Limits  Limits

	// Doctor diagnoses the deployment for GET /api/admin/doctor; nil
	// answers 503.
	Doctor func(ctx context.Context) any
	// Maintenance keeps the maintenance switch; nil turns the feature off.
	Maintenance MaintenanceStore
	// Erasure erases personal data and keeps legal holds; nil answers 503.
	Erasure ErasureService

	AllowedOrigins []string      // CORS; empty allows no cross-origin use
	AnchorMode     string        // ledger.ModeDirect or ModeBatch
	BatchWindow    time.Duration // how long batch-mode records wait before a batch goes
	ExplorerURL    string        // block explorer base URL for transaction links
	PublicURL      string        // the service's public base URL (API_BASE_URL), for the certificate's verify link
	MaxBodyBytes   int64         // 0: DefaultMaxBodyBytes

	Log      *slog.Logger // errors
	AuditLog *slog.Logger // one structured record per admin action; nil: Log
}

// API is the admin REST API. Create it with NewAPI and give it to
// Server.SetAPI; it holds no goroutines.
type API struct {
	cfg    APIConfig
	routes []route

	dummyOnce sync.Once
	dummyHash string

	maint maintenanceCache
}

// route is one endpoint: the pattern the mux matches, who may call it, and
// its rate limit class.
type route struct {
	Method, Path string
	Role         ledger.Role // "" for public endpoints
	Limit        string      // "", "chain", "verify" or "login"
	handler      func(w nethttp.ResponseWriter, r *nethttp.Request) error
}

// NewAPI returns the API with defaults filled in.
func NewAPI(cfg APIConfig) *API {
	if cfg.Limiter == nil {
		cfg.Limiter = NewMemoryLimiter()
	}
	if cfg.Limits.ChainWrites == 0 {
		cfg.Limits.ChainWrites = 5
	}
	if cfg.Limits.Verify == 0 {
		cfg.Limits.Verify = 30
	}
	if cfg.Limits.Login == 0 {
		cfg.Limits.Login = 10
	}
	if cfg.Limits.LoginAccount == 0 {
		cfg.Limits.LoginAccount = 10
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.AuditLog == nil {
		cfg.AuditLog = cfg.Log
	}
	a := &API{cfg: cfg}
	a.routes = []route{
		{"POST", "/api/auth/login", "", "login", a.login},
		{"POST", "/api/auth/logout", ledger.RoleViewer, "", a.logout},
		{"POST", "/api/admin/users", ledger.RoleAdmin, "", a.createUser},
		{"DELETE", "/api/admin/users/{email}", ledger.RoleAdmin, "", a.deleteUser},
		{"PUT", "/api/admin/users/{email}/role", ledger.RoleAdmin, "", a.setUserRole},
		{"POST", "/api/admin/users/{email}/revoke-sessions", ledger.RoleAdmin, "", a.revokeUserSessions},
		{"POST", "/api/admin/sessions/revoke-all", ledger.RoleAdmin, "", a.revokeAllSessions},
		{"GET", "/api/admin/loans", ledger.RoleViewer, "", a.listLoans},
		{"POST", "/api/admin/loans", ledger.RoleOperator, "", a.createLoan},
		{"GET", "/api/admin/loans/{loan_id}", ledger.RoleViewer, "", a.getLoan},
		{"POST", "/api/admin/loans/{loan_id}/approve", ledger.RoleOperator, "", a.approveLoan},
		{"POST", "/api/admin/loans/{loan_id}/reject", ledger.RoleOperator, "", a.rejectLoan},
		{"POST", "/api/admin/loans/{loan_id}/blockchain/store", ledger.RoleOperator, "chain", a.storeOnChain},
		{"GET", "/api/admin/loans/{loan_id}/blockchain/status", ledger.RoleViewer, "", a.chainStatus},
		{"GET", "/api/admin/loans/{loan_id}/blockchain/verify", ledger.RoleViewer, "", a.verifyLoan},
		{"POST", "/api/admin/loans/{loan_id}/blockchain/mark-repaid", ledger.RoleOperator, "chain", a.markRepaid},
		{"GET", "/api/admin/loans/{loan_id}/blockchain/receipt", ledger.RoleViewer, "", a.receipt},
		{"POST", "/api/admin/loans/{loan_id}/erase", ledger.RoleAdmin, "", a.eraseLoan},
		{"GET", "/api/admin/loans/{loan_id}/erasure", ledger.RoleViewer, "", a.erasureCertificate},
		{"PUT", "/api/admin/loans/{loan_id}/legal-hold", ledger.RoleAdmin, "", a.setLegalHold},
		{"DELETE", "/api/admin/loans/{loan_id}/legal-hold", ledger.RoleAdmin, "", a.liftLegalHold},
		{"GET", "/api/admin/audit", ledger.RoleViewer, "", a.listAudit},
		{"GET", "/api/admin/doctor", ledger.RoleOperator, "", a.doctor},
		{"GET", "/api/admin/maintenance", ledger.RoleViewer, "", a.getMaintenance},
		{"PUT", "/api/admin/maintenance", ledger.RoleAdmin, "", a.setMaintenance},
		{"POST", "/api/verify", "", "verify", a.verifyReceipt},
		{"GET", "/api/openapi.json", "", "", a.openAPI},
	}
	return a
}

// Routes lists the API's endpoints as "METHOD /path" (path templates as in
// the OpenAPI document), for tests and documentation.
func (a *API) Routes() []string {
	out := make([]string, len(a.routes))
	for i, rt := range a.routes {
		out[i] = rt.Method + " " + rt.Path
	}
	return out
}

// register adds every route to mux, each wrapped in authentication, role
// check and rate limit as its table entry says.
func (a *API) register(mux *nethttp.ServeMux) {
	for _, rt := range a.routes {
		mux.Handle(rt.Method+" "+rt.Path, a.wrap(rt))
	}
	mux.HandleFunc("/api/", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		writeError(w, r, a.cfg.Log, ledger.Errorf(ledger.ENOTFOUND, "no endpoint %s %s: see /api/openapi.json for the list", r.Method, r.URL.Path))
	})
}

func (a *API) wrap(rt route) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		err := a.serve(rt, w, r)
		if err != nil {
			writeError(w, r, a.cfg.Log, err)
		}
	})
}

func (a *API) serve(rt route, w nethttp.ResponseWriter, r *nethttp.Request) error {
	if err := CheckRequestText(r); err != nil {
		return err
	}
	ip := clientIP(r)
	if rt.Role != "" {
		p, err := a.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="aartha"`)
			return err
		}
		if !p.Role.Allows(rt.Role) {
			return ledger.Errorf(ledger.EFORBIDDEN, "%s needs the %s role; you are %s %s", rt.Method+" "+rt.Path, rt.Role, p.Role, p.Email)
		}
		r = r.WithContext(withPrincipal(r.Context(), p))
	}
	if err := a.refuseInMaintenance(w, r, rt); err != nil {
		return err
	}
	if err := a.rateLimit(r.Context(), rt, ip); err != nil {
		return err
	}
	return rt.handler(w, r)
}

func (a *API) authenticate(r *nethttp.Request) (principal, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return principal{}, ledger.Errorf(ledger.EUNAUTHORIZED, "log in first: send the access token from POST /api/auth/login as \"Authorization: Bearer <token>\"")
	}
	c, err := a.cfg.Auth.Verify(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return principal{}, err
	}
	return principal{Email: c.Subject, Role: c.Role, claims: c}, nil
}

// rateLimit applies the route's limit: chain writes per user and per IP,
// verify and login per IP. When the limiter's store fails, chain writes
// are refused (fail closed) and the rest let through.
func (a *API) rateLimit(ctx context.Context, rt route, ip string) error {
	var (
		limit int
		keys  []string
	)
	switch rt.Limit {
	case "":
		return nil
	case "chain":
		limit = a.cfg.Limits.ChainWrites
		keys = []string{"chain:ip:" + ip}
		if p, ok := principalFrom(ctx); ok {
			keys = append(keys, "chain:user:"+p.Email)
		}
	case "verify":
		limit, keys = a.cfg.Limits.Verify, []string{"verify:ip:" + ip}
	case "login":
		limit, keys = a.cfg.Limits.Login, []string{"login:ip:" + ip}
	}
	for _, k := range keys {
		ok, retry, err := a.cfg.Limiter.Allow(ctx, k, limit, time.Minute)
		if err != nil {
			a.cfg.Log.Error("rate limiter unavailable", "err", err)
			if rt.Limit == "chain" {
				return ledger.Errorf(ledger.EUNAVAILABLE, "the rate limiter is unavailable, so chain writes are paused: try again shortly")
			}
			continue
		}
		if !ok {
			return &httpError{status: nethttp.StatusTooManyRequests, code: "rate_limited", retryAfter: retry,
				msg: "too many requests: this endpoint allows " + itoa(limit) + " per minute per " + limitSubject(k) + "; try again after the Retry-After seconds"}
		}
	}
	return nil
}

func limitSubject(key string) string {
	switch {
	case strings.Contains(key, ":user:"):
		return "user"
	case strings.Contains(key, ":account:"):
		return "account"
	}
	return "IP address"
}

// LoginAccountCeiling is how many times Limits.LoginAccount one account
// may be tried per minute from all addresses together.
const LoginAccountCeiling = 10

// LoginAccountKey is the limiter key of login attempts on one account from
// all addresses (the ceiling), the same for the API and the UI.
func LoginAccountKey(email string) string {
	return "login:account:" + strings.ToLower(strings.TrimSpace(email))
}

// LoginPairKey is the limiter key of login attempts on one account from
// one client address, the same for the API and the UI.
func LoginPairKey(email, addr string) string {
	return LoginAccountKey(email) + ":from:" + addr
}

// allowLogin counts one login attempt on the account email from addr
// against the pair's limit and then the account's ceiling (the per-IP
// limit was counted before the handler ran). When the limiter fails the
// attempt is let through, as for the per-IP limit.
func (a *API) allowLogin(ctx context.Context, email, addr string) error {
	limit := a.cfg.Limits.LoginAccount
	for _, step := range []struct {
		key   string
		limit int
		what  string
	}{
		{LoginPairKey(email, addr), limit, "on this account from your address"},
		{LoginAccountKey(email), limit * LoginAccountCeiling, "on this account from all addresses"},
	} {
		ok, retry, err := a.cfg.Limiter.Allow(ctx, step.key, step.limit, time.Minute)
		if err != nil {
			a.cfg.Log.Error("rate limiter unavailable", "err", err)
			return nil
		}
		if !ok {
			return &httpError{status: nethttp.StatusTooManyRequests, code: "rate_limited", retryAfter: retry,
				msg: "too many login attempts " + step.what + ": " + itoa(step.limit) + " per minute are allowed; try again after the Retry-After seconds"}
		}
	}
	return nil
}

// actor is the audit author of a request.
func actor(r *nethttp.Request) ledger.Actor {
	p, _ := principalFrom(r.Context())
	return ledger.Actor{ID: p.Email, Role: string(p.Role), Addr: clientIP(r)}
}

// clientIP is the peer's address: the client's when the peer is a trusted
// proxy (Server.SetTrustedProxies rewrites RemoteAddr), else the peer's,
// whatever X-Forwarded-For says.
func clientIP(r *nethttp.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// logAction emits the structured record of an admin action.
func (a *API) logAction(r *nethttp.Request, action, loanID string, attrs ...any) {
	act := actor(r)
	a.cfg.AuditLog.Info("admin action", append([]any{
		"action", action, "admin", act.ID, "role", act.Role, "ip", act.Addr, "loan_id", loanID,
	}, attrs...)...)
}

func writeJSONStatus(w nethttp.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func itoa(n int) string { return strconv.Itoa(n) }

// allowedOrigin reports whether origin is in the CORS list.
func (a *API) allowedOrigin(origin string) bool {
	return slices.Contains(a.cfg.AllowedOrigins, origin)
}

// Config returns the API's configuration with defaults filled in, so that
// other front ends (the admin UI) use the same service, store, chain,
// authenticator and limiter.
func (a *API) Config() APIConfig { return a.cfg }

// doctor answers the deployment's diagnosis, as `aartha doctor` prints it.
func (a *API) doctor(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if a.cfg.Doctor == nil {
		return ledger.Errorf(ledger.EUNAVAILABLE, "diagnosis is not available in this process: run `aartha doctor`")
	}
	writeJSON(w, nethttp.StatusOK, a.cfg.Doctor(r.Context()))
	return nil
}
