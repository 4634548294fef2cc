package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	ledger "github.com/aartha/ledger"
)

const userColumns = `id, email, role, password_hash, created_at, session_version`

// CreateUser stores a new user with its audit row (action user.create, by
// actor) in one transaction and sets u.ID. It returns EINVALID for a bad
// email or role or an empty password hash, and ECONFLICT if the email is
// taken. The password hash never enters the audit trail.
func (db *DB) CreateUser(ctx context.Context, actor ledger.Actor, u *ledger.User) error {
	email, err := ledger.NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	if !u.Role.Valid() {
		return ledger.Errorf(ledger.EINVALID, "role %q is not a role: use admin, operator or viewer", u.Role)
	}
	if u.PasswordHash == "" {
		return ledger.Errorf(ledger.EINVALID, "user %s has no password hash", email)
	}
	u.Email = email
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	u.CreatedAt = ledger.AuditTime(u.CreatedAt)
	return db.inTx(ctx, func(t *tx) error {
		err := t.tx.QueryRowContext(ctx, db.d.rebind(`INSERT INTO users (email, role, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`),
			u.Email, string(u.Role), u.PasswordHash, db.d.timeArg(u.CreatedAt), db.d.timeArg(u.CreatedAt)).Scan(&u.ID)
		switch classify(err) {
		case errUnique:
			return ledger.Errorf(ledger.ECONFLICT, "a user with email %s exists", u.Email)
		case errCheck:
			return ledger.Errorf(ledger.EINVALID, "user %s breaks a rule of the users table: %v", u.Email, err)
		}
		if err != nil {
			return db.wrap("create user "+u.Email, err)
		}
		after, _ := json.Marshal(map[string]string{"email": u.Email, "role": string(u.Role)})
		return t.AppendAudit(ctx, &ledger.AuditEntry{
			At: u.CreatedAt, Actor: actor, Action: ledger.ActionUserCreate,
			Entity: "user", EntityID: u.Email, After: after,
		})
	})
}

// UserByEmail returns the user with the given email (compared in lower
// case), or ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (*ledger.User, error) {
	var (
		u       ledger.User
		role    string
		created nullTime
	)
	err := db.r.QueryRowContext(ctx, db.d.rebind("SELECT "+userColumns+" FROM users WHERE email = ?"), strings.ToLower(email)).
		Scan(&u.ID, &u.Email, &role, &u.PasswordHash, &created, &u.SessionVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "no user has email %s", truncate(email, 80))
	}
	if err != nil {
		return nil, db.wrap("read user", err)
	}
	u.Role, u.CreatedAt = ledger.Role(role), created.t
	return &u, nil
}

// CountUsers returns how many users exist.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		return 0, db.wrap("count users", err)
	}
	return n, nil
}
