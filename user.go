package ledger

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user of the admin API may do. Roles are ordered: each one
// may do everything the ones below it may.
type Role string

// The roles, from least to most powerful.
const (
	RoleViewer   Role = "viewer"   // reads loans, anchors and the audit trail
	RoleOperator Role = "operator" // also creates, approves, rejects and anchors loans
	RoleAdmin    Role = "admin"    // also manages users
)

var roleRank = map[Role]int{RoleViewer: 1, RoleOperator: 2, RoleAdmin: 3}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// Allows reports whether a user with role r may do what needs role need.
// An invalid role allows nothing.
func (r Role) Allows(need Role) bool { return r.Valid() && roleRank[r] >= roleRank[need] }

// ParseRole returns the role named s, or an EINVALID error listing the roles.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r, nil
	}
	return "", Errorf(EINVALID, "role %q is not a role: use admin, operator or viewer", truncate(s, 40))
}

// Password rules. bcrypt reads at most 72 bytes, so longer passwords are
// refused rather than silently cut.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 72
	MaxEmailLength    = 254
)

// User is a person who may use the admin API.
type User struct {
	ID           int64
	Email        string // lower case; the login name
	Role         Role
	PasswordHash string // bcrypt; never serialised
	CreatedAt    time.Time
	// SessionVersion counts how often all of the user's sessions were
	// revoked; access tokens carry the version they were issued under.
	SessionVersion int64
}

// NormalizeEmail returns the address in lower case, or an EINVALID error
// naming the field.
func NormalizeEmail(email string) (string, error) {
	if email == "" {
		return "", Errorf(EINVALID, "email is required")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > MaxEmailLength || !utf8.ValidString(email) {
		return "", Errorf(EINVALID, "email %q is not a plain email address like ada@example.com", truncate(email, 80))
	}
	return strings.ToLower(email), nil
}

// HashPassword checks the password rules — length, and not one of the
// passwords guessers try first (commonPassword) — and returns its bcrypt
// hash.
func HashPassword(password string) (string, error) {
	switch n := len(password); {
	case n < MinPasswordLength:
		return "", Errorf(EINVALID, "password is too short: use at least %d characters", MinPasswordLength)
	case n > MaxPasswordLength:
		return "", Errorf(EINVALID, "password is too long: use at most %d bytes", MaxPasswordLength)
	}
	if why := commonPassword(password); why != "" {
		return "", Errorf(EINVALID, "password is too easy to guess (%s): choose a longer phrase of unrelated words", why)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", Errorf(EINTERNAL, "hash password: %v", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches the bcrypt hash. It takes
// the same time whether or not the hash is well formed.
func CheckPassword(hash, password string) bool {
	if len(password) > MaxPasswordLength {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
