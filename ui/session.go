package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	ledger "github.com/aartha/ledger"
	aarthahttp "github.com/aartha/ledger/http"
)

// Sessions.
//
// A session is the API's own access token (a JWT from the same
// Authenticator, with the same expiry and role claim) in an HttpOnly
// cookie. We chose that over a server-side session table because it keeps
// replicas stateless, as the API is (docs/deployment.md), needs no new table or
// clean-up job, and gives the UI exactly the API's authentication rules.
// Logging out revokes the token by its jti (Authenticator.Logout), so a
// copied token stops working too; every request checks the user, role and
// revocations against the store (Authenticator.Verify).
//
// CSRF. Every form carries a token, and a POST without the right one is
// refused:
//   - logged in, the token is SHA-256 of a fixed label and the session's
//     JWT. Only someone who can read the HttpOnly cookie can compute it, it
//     needs no server state, and it changes with every login;
//   - on the login form (no session yet) it is a random value that must
//     match a short-lived HttpOnly cookie (double submit), which stops
//     another site from logging a browser into an account of its choosing.
//
// In front of both, http.CrossOriginProtection refuses POSTs a browser
// marks as cross-site (Sec-Fetch-Site, Origin), and cookies are
// SameSite=Lax (Strict would drop the session on a link followed from
// mail), Secure whenever the request came over TLS or SecureCookies is set.

const (
	sessionCookie = "aartha_session"
	loginCookie   = "aartha_login_csrf"
	csrfField     = "csrf"
	csrfLabel     = "aartha-ui-csrf-v1\x00"
)

// session is the logged-in user of a request.
type session struct {
	Email   string
	Role    ledger.Role
	Expires time.Time
	CSRF    string // the token this session's forms carry
	claims  *aarthahttp.Claims
}

// CanOperate reports whether the user may change loans.
func (s *session) CanOperate() bool { return s != nil && s.Role.Allows(ledger.RoleOperator) }

func (s *session) validCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

func csrfFor(jwt string) string {
	sum := sha256.Sum256([]byte(csrfLabel + jwt))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// session reads and checks the session cookie.
func (u *UI) session(r *http.Request) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	claims, err := u.cfg.Auth.Verify(r.Context(), c.Value)
	if err != nil {
		return nil, false
	}
	s := &session{Email: claims.Subject, Role: claims.Role, CSRF: csrfFor(c.Value), claims: claims}
	if claims.ExpiresAt != nil {
		s.Expires = claims.ExpiresAt.Time
	}
	return s, true
}

func (u *UI) cookie(r *http.Request, name, value, path string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name: name, Value: value, Path: path, HttpOnly: true,
		Secure: r.TLS != nil || u.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	return c
}

type loginPage struct {
	base
	Email string
	Next  string
	CSRF  string
}

// loginPage shows the login form with a fresh double-submit token.
func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := u.session(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	u.renderLogin(w, r, http.StatusOK, "", "")
}

func (u *UI) renderLogin(w http.ResponseWriter, r *http.Request, status int, email, problem string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	token := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, u.cookie(r, loginCookie, token, Prefix+"/login", u.cfg.Now().Add(time.Hour)))
	p := loginPage{base: u.base(nil, "Log in", "login"), Email: email, Next: safeNext(r.FormValue("next")), CSRF: token}
	p.Error = problem
	if r.URL.Query().Get("bye") == "1" && problem == "" {
		p.Notice = "You are logged out."
	}
	u.render(w, status, "login", p)
}

var dummyHash = sync.OnceValue(func() string {
	h, _ := ledger.HashPassword("not-a-real-password-for-timing")
	return h
})

// login checks the form's token, the rate limit and the password, then
// sets the session cookie and goes where the user was headed.
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(csrfField))) != 1 {
		u.renderLogin(w, r, http.StatusForbidden, email, "The login form had expired or was not sent from this site. Try again.")
		return
	}
	if err := u.allow(r.Context(), u.cfg.LoginLimit, false, "login attempts from your address", "login:ip:"+clientIP(r)); err != nil {
		u.renderLogin(w, r, http.StatusTooManyRequests, email, err.Error())
		return
	}
	if email == "" || password == "" {
		u.renderLogin(w, r, http.StatusBadRequest, email, "Enter your email and password.")
		return
	}
	if err := u.allow(r.Context(), u.cfg.LoginAccountLimit, false, "login attempts on this account from your address", aarthahttp.LoginPairKey(email, clientIP(r))); err != nil {
		u.renderLogin(w, r, http.StatusTooManyRequests, email, err.Error())
		return
	}
	if err := u.allow(r.Context(), u.cfg.LoginAccountLimit*aarthahttp.LoginAccountCeiling, false, "login attempts on this account", aarthahttp.LoginAccountKey(email)); err != nil {
		u.renderLogin(w, r, http.StatusTooManyRequests, email, err.Error())
		return
	}
	user, err := u.cfg.Store.UserByEmail(r.Context(), strings.ToLower(email))
	switch {
	case ledger.ErrorCode(err) == ledger.ENOTFOUND:
		ledger.CheckPassword(dummyHash(), password) // same time as for a real user
		user = nil
	case err != nil:
		u.renderError(w, r, nil, err)
		return
	}
	if user == nil || !ledger.CheckPassword(user.PasswordHash, password) {
		u.cfg.AuditLog.Warn("login refused", "email", truncate(email, 80), "ip", clientIP(r), "via", "ui")
		u.renderLogin(w, r, http.StatusUnauthorized, email, "The email or password is wrong.")
		return
	}
	token, exp, err := u.cfg.Auth.Issue(user)
	if err != nil {
		u.renderError(w, r, nil, err)
		return
	}
	u.cfg.AuditLog.Info("login", "admin", user.Email, "role", user.Role, "ip", clientIP(r), "via", "ui")
	http.SetCookie(w, u.cookie(r, loginCookie, "", Prefix+"/login", time.Time{}))
	http.SetCookie(w, u.cookie(r, sessionCookie, token, Prefix, exp))
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// logout revokes the session's token, so a copy of it stops working too,
// and deletes the session cookie.
func (u *UI) logout(w http.ResponseWriter, r *http.Request, s *session) error {
	http.SetCookie(w, u.cookie(r, sessionCookie, "", Prefix, time.Time{}))
	if err := u.cfg.Auth.Logout(r.Context(), s.claims); err != nil {
		return err
	}
	u.cfg.AuditLog.Info("logout", "admin", s.Email, "ip", clientIP(r), "via", "ui")
	http.Redirect(w, r, Prefix+"/login?bye=1", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-login redirect on this UI: a path under Prefix,
// never another host ("//evil", "/\evil").
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return Prefix + "/"
	}
	return next
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
