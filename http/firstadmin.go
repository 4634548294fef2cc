package http

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	ledger "github.com/aartha/ledger"
)

// devAdminEmail is the admin a development server creates when the
// database has no users.
const devAdminEmail = "admin@aartha.local"

// FirstAdminStore is what creating the first admin needs.
type FirstAdminStore interface {
	CountUsers(ctx context.Context) (int, error)
	CreateUser(ctx context.Context, actor ledger.Actor, u *ledger.User) error
}

// BootstrapAdmin creates the first admin when there are no users: from
// email and password (AARTHA_ADMIN_EMAIL, AARTHA_ADMIN_PASSWORD) if set,
// else, in development, devAdminEmail with a random password printed once
// to out. Otherwise it tells out how to create one.
func BootstrapAdmin(ctx context.Context, db FirstAdminStore, email, password string, development bool, out io.Writer) error {
	n, err := db.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	printed := false
	switch {
	case email != "":
	case development:
		if password, err = RandomPassword(); err != nil {
			return err
		}
		email, printed = devAdminEmail, true
	default:
		fmt.Fprintln(out, "No users yet: create the first admin with `aartha admin create --email you@example.com --role admin`, or set AARTHA_ADMIN_EMAIL and AARTHA_ADMIN_PASSWORD")
		return nil
	}
	u, err := CreateUser(ctx, db, ledger.SystemActor(), email, ledger.RoleAdmin, password)
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	if printed {
		fmt.Fprintf(out, "Created the first admin (development mode). Log in with\n  email:    %s\n  password: %s\nThis password is shown once.\n", u.Email, password)
	}
	return nil
}

// UserCreator is what creating a user needs.
type UserCreator interface {
	CreateUser(ctx context.Context, actor ledger.Actor, u *ledger.User) error
}

// CreateUser creates a user of the admin API as actor, with password
// hashed by bcrypt.
func CreateUser(ctx context.Context, db UserCreator, actor ledger.Actor, email string, role ledger.Role, password string) (*ledger.User, error) {
	hash, err := ledger.HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &ledger.User{Email: email, Role: role, PasswordHash: hash, CreatedAt: time.Now()}
	if err := db.CreateUser(ctx, actor, u); err != nil {
		return nil, err
	}
	return u, nil
}

// RandomPassword returns 24 random URL-safe characters.
func RandomPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate a password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
