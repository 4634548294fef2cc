package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	ledger "github.com/aartha/ledger"
)

// MinSecretBytes is the shortest HMAC key accepted for access tokens.
const MinSecretBytes = 32

// issuer is the iss claim of every access token.
const issuer = "aartha-ledger"

// Authenticator issues and checks access tokens: JWTs signed with one HMAC
// algorithm (HS256, HS384 or HS512). A token signed with any other
// algorithm, "none" included, is refused, so a caller cannot choose how its
// token is checked. It is safe for concurrent use.
//
// The key may change while the service runs (NewRotatingAuthenticator):
// tokens are signed with the current key, and tokens signed with the key
// before it are still accepted, so a rotation does not log everyone out —
// but only tokens issued before the rotation was noticed, only for one
// token lifetime after it, and not at all after RetirePreviousKey (an
// emergency rotation).
//
// A token's lifetime is capped at the configured expiry whatever its exp
// says, and it must carry iat and a jti. With UseSessions, Verify also asks
// the store, on each request (cached briefly), whether the user still
// exists with the same role and session version and the token was not
// logged out.
type Authenticator struct {
	key    func() []byte
	method jwt.SigningMethod
	expiry time.Duration
	now    func() time.Time
	parser *jwt.Parser

	mu        sync.Mutex
	current   []byte    // the key seen last
	previous  []byte    // the one before it, still accepted for a while
	rotatedAt time.Time // when current replaced previous

	sessions SessionStore
	cacheTTL time.Duration
	cache    map[string]sessionEntry // by jti
}

// SessionStore is what Verify asks about a token's holder; *store.DB
// satisfies it. Implementations must be safe for concurrent use.
type SessionStore interface {
	// SessionState is ENOTFOUND-coded when the user does not exist.
	SessionState(ctx context.Context, email, jti string) (ledger.SessionState, error)
	RevokeToken(ctx context.Context, jti string, expires, now time.Time) error
}

type sessionEntry struct {
	email string
	state ledger.SessionState
	at    time.Time
}

// Claims are what an access token says about its holder: the role and
// session version (sv) it was issued under, and a jti.
type Claims struct {
	Role           ledger.Role `json:"role"`
	SessionVersion int64       `json:"sv"`
	jwt.RegisteredClaims
}

// NewAuthenticator returns an Authenticator. It refuses a key shorter than
// MinSecretBytes, an algorithm other than HS256, HS384 or HS512, and an
// expiry that is not positive.
func NewAuthenticator(key []byte, algorithm string, expiry time.Duration, now func() time.Time) (*Authenticator, error) {
	key = append([]byte(nil), key...)
	return NewRotatingAuthenticator(func() []byte { return key }, algorithm, expiry, now)
}

// NewRotatingAuthenticator is NewAuthenticator with a key that may change:
// key is called for every token issued and checked and must be safe for
// concurrent use. A new key shorter than MinSecretBytes is not used: tokens
// keep being signed with the last good one.
func NewRotatingAuthenticator(key func() []byte, algorithm string, expiry time.Duration, now func() time.Time) (*Authenticator, error) {
	first := key()
	if len(first) < MinSecretBytes {
		return nil, fmt.Errorf("JWT_SECRET_KEY must be at least %d bytes, got %d", MinSecretBytes, len(first))
	}
	var method jwt.SigningMethod
	switch algorithm {
	case "HS256":
		method = jwt.SigningMethodHS256
	case "HS384":
		method = jwt.SigningMethodHS384
	case "HS512":
		method = jwt.SigningMethodHS512
	default:
		return nil, fmt.Errorf("JWT_ALGORITHM %q is not supported: use HS256, HS384 or HS512", algorithm)
	}
	if expiry <= 0 {
		return nil, errors.New("JWT_EXPIRY_HOURS must be positive")
	}
	if now == nil {
		now = time.Now
	}
	return &Authenticator{
		key: key, current: append([]byte(nil), first...), method: method, expiry: expiry, now: now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{method.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithIssuer(issuer),
			jwt.WithTimeFunc(now),
		),
	}, nil
}

// Issue returns a signed access token for the user and when it expires.
func (a *Authenticator) Issue(u *ledger.User) (string, time.Time, error) {
	now := a.now().UTC().Truncate(time.Second)
	exp := now.Add(a.expiry)
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", time.Time{}, fmt.Errorf("token id: %w", err)
	}
	tok := jwt.NewWithClaims(a.method, Claims{
		Role: u.Role, SessionVersion: u.SessionVersion,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: u.Email, ID: hex.EncodeToString(jti),
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
	})
	key, _, _ := a.keys()
	s, err := tok.SignedString(key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return s, exp, nil
}

// Check verifies a token's signature, algorithm, issuer, times, lifetime
// and claims and returns them, or an EUNAUTHORIZED error that says what to
// do. It does not ask the store: Verify does.
func (a *Authenticator) Check(token string) (*Claims, error) {
	var c Claims
	current, previous, rotatedAt := a.keys()
	_, err := a.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return current, nil })
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) && previous != nil {
		c = Claims{}
		_, err = a.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return previous, nil })
		if err == nil && (c.IssuedAt == nil || !c.IssuedAt.Time.Before(rotatedAt) || !a.now().Before(rotatedAt.Add(a.expiry))) {
			err = jwt.ErrTokenSignatureInvalid // the old key signs nothing new, and not for long
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token has expired: log in again at POST /api/auth/login")
	case err != nil:
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token is not valid (%s): log in again at POST /api/auth/login", tokenProblem(err))
	case !c.Role.Valid() || c.Subject == "":
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token names no user or role: log in again")
	case c.IssuedAt == nil || c.ID == "":
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token has no iat or jti: log in again")
	case c.ExpiresAt.Time.Sub(c.IssuedAt.Time) > a.expiry:
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token claims a lifetime longer than this server issues (%s): log in again", a.expiry)
	}
	return &c, nil
}

// UseSessions makes Verify check every token against s, remembering each
// answer for ttl (0: not at all). Call it before serving.
func (a *Authenticator) UseSessions(s SessionStore, ttl time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sessions, a.cacheTTL, a.cache = s, ttl, map[string]sessionEntry{}
}

// Verify is Check followed, when UseSessions was called, by the store's
// word: the user must still exist with the token's role and session
// version, the token must not be logged out, nor issued before every
// session was revoked. A store failure is EUNAVAILABLE (fail closed).
func (a *Authenticator) Verify(ctx context.Context, token string) (*Claims, error) {
	c, err := a.Check(token)
	if err != nil || a.sessions == nil {
		return c, err
	}
	st, err := a.sessionState(ctx, c.Subject, c.ID)
	switch {
	case ledger.ErrorCode(err) == ledger.ENOTFOUND:
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token's user no longer exists")
	case err != nil:
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "sessions cannot be checked right now: try again shortly")
	case st.TokenRevoked:
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token was logged out: log in again")
	case st.Role != c.Role || st.SessionVersion != c.SessionVersion:
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the sessions of %s were ended (role changed or sessions revoked): log in again", c.Subject)
	case !st.ValidAfter.IsZero() && c.IssuedAt.Time.Before(st.ValidAfter):
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "every session issued before %s was revoked: log in again", st.ValidAfter.Format(time.RFC3339))
	}
	return c, nil
}

func (a *Authenticator) sessionState(ctx context.Context, email, jti string) (ledger.SessionState, error) {
	now := a.now()
	a.mu.Lock()
	e, ok := a.cache[jti]
	a.mu.Unlock()
	if ok && e.email == email && now.Sub(e.at) < a.cacheTTL {
		return e.state, nil
	}
	st, err := a.sessions.SessionState(ctx, email, jti)
	if err != nil || a.cacheTTL <= 0 {
		return st, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) > 10000 {
		for k, e := range a.cache {
			if now.Sub(e.at) >= a.cacheTTL {
				delete(a.cache, k)
			}
		}
	}
	a.cache[jti] = sessionEntry{email: email, state: st, at: now}
	return st, nil
}

// Forget drops what the cache holds about email's tokens ("" for every
// user), after a change this process made: the next request asks the
// store. Other replicas see the change within the cache's ttl.
func (a *Authenticator) Forget(email string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, e := range a.cache {
		if email == "" || e.email == email {
			delete(a.cache, k)
		}
	}
}

// Logout revokes the token c until it expires.
func (a *Authenticator) Logout(ctx context.Context, c *Claims) error {
	if a.sessions == nil {
		return ledger.Errorf(ledger.EUNAVAILABLE, "logging out is not available in this process")
	}
	if err := a.sessions.RevokeToken(ctx, c.ID, c.ExpiresAt.Time, a.now()); err != nil {
		return err
	}
	a.mu.Lock()
	delete(a.cache, c.ID)
	a.mu.Unlock()
	return nil
}

// RetirePreviousKey stops accepting tokens signed with the key before the
// current one, at once: for an emergency rotation, when the old key may be
// known to someone else.
func (a *Authenticator) RetirePreviousKey() {
	a.keys() // notice a rotation that happened just now first
	a.mu.Lock()
	a.previous = nil
	a.mu.Unlock()
}

// keys returns the key to sign with, the one before it (nil if none) and
// when it was replaced, noticing a rotation.
func (a *Authenticator) keys() (current, previous []byte, rotatedAt time.Time) {
	k := a.key()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(k) >= MinSecretBytes && string(k) != string(a.current) {
		a.previous, a.current, a.rotatedAt = a.current, append([]byte(nil), k...), a.now()
	}
	return a.current, a.previous, a.rotatedAt
}

func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "bad signature or algorithm"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim is missing"
	}
	return "rejected"
}

// principal is the authenticated caller of a request.
type principal struct {
	Email  string
	Role   ledger.Role
	claims *Claims
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) (principal, bool) {
	p, ok := ctx.Value(principalKey{}).(principal)
	return p, ok
}
