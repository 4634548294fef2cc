package http

import (
	"context"
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
// before it are still accepted, so a rotation does not log everyone out.
type Authenticator struct {
	key    func() []byte
	method jwt.SigningMethod
	expiry time.Duration
	now    func() time.Time
	parser *jwt.Parser

	mu       sync.Mutex
	current  []byte // the key seen last
	previous []byte // the one before it, still accepted
}

// Claims are what an access token says about its holder.
type Claims struct {
	Role ledger.Role `json:"role"`
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
	tok := jwt.NewWithClaims(a.method, Claims{
		Role: u.Role,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: u.Email,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
	})
	key, _ := a.keys()
	s, err := tok.SignedString(key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return s, exp, nil
}

// Check verifies a token's signature, algorithm, issuer and times and
// returns its claims, or an EUNAUTHORIZED error that says what to do.
func (a *Authenticator) Check(token string) (*Claims, error) {
	var c Claims
	current, previous := a.keys()
	_, err := a.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return current, nil })
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) && previous != nil {
		c = Claims{}
		_, err = a.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return previous, nil })
	}
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token has expired: log in again at POST /api/auth/login")
	case err != nil:
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token is not valid (%s): log in again at POST /api/auth/login", tokenProblem(err))
	case !c.Role.Valid() || c.Subject == "":
		return nil, ledger.Errorf(ledger.EUNAUTHORIZED, "the access token names no user or role: log in again")
	}
	return &c, nil
}

// keys returns the key to sign with and the one before it (nil if none),
// noticing a rotation.
func (a *Authenticator) keys() (current, previous []byte) {
	k := a.key()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(k) >= MinSecretBytes && string(k) != string(a.current) {
		a.previous, a.current = a.current, append([]byte(nil), k...)
	}
	return a.current, a.previous
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
	Email string
	Role  ledger.Role
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) (principal, bool) {
	p, ok := ctx.Value(principalKey{}).(principal)
	return p, ok
}
