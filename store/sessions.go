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

// SessionState returns what the store says now about the holder of the
// access token with id jti issued to email (see ledger.SessionState), or
// ENOTFOUND when no such user exists (deleted, or never was).
func (db *DB) SessionState(ctx context.Context, email, jti string) (ledger.SessionState, error) {
	var (
		s          ledger.SessionState
		role       string
		validAfter int64
		revoked    int64
	)
	err := db.r.QueryRowContext(ctx, db.d.rebind(`SELECT u.role, u.session_version,
			(SELECT tokens_valid_after FROM auth_epoch WHERE id = 1),
			(SELECT count(*) FROM revoked_tokens WHERE jti = ?)
		FROM users u WHERE u.email = ?`), jti, strings.ToLower(email)).
		Scan(&role, &s.SessionVersion, &validAfter, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.SessionState{}, ledger.Errorf(ledger.ENOTFOUND, "no user has email %s", truncate(email, 80))
	}
	if err != nil {
		return ledger.SessionState{}, db.wrap("read session state", err)
	}
	s.Role, s.TokenRevoked = ledger.Role(role), revoked > 0
	if validAfter > 0 {
		s.ValidAfter = time.Unix(validAfter, 0).UTC()
	}
	return s, nil
}

// RevokeToken records that the token jti is logged out; it is kept until
// expires, when the token would have ended anyway, and expired entries
// are cleared on the way. Revoking a token twice is not an error.
func (db *DB) RevokeToken(ctx context.Context, jti string, expires, now time.Time) error {
	if jti == "" {
		return ledger.Errorf(ledger.EINVALID, "the token has no jti to revoke")
	}
	return db.inTx(ctx, func(t *tx) error {
		if _, err := t.tx.ExecContext(ctx, db.d.rebind("DELETE FROM revoked_tokens WHERE expires_unix < ?"), now.Unix()); err != nil {
			return db.wrap("clear expired revoked tokens", err)
		}
		_, err := t.tx.ExecContext(ctx, db.d.rebind(`INSERT INTO revoked_tokens (jti, expires_unix) VALUES (?, ?)
			ON CONFLICT (jti) DO NOTHING`), jti, expires.Unix())
		if err != nil {
			return db.wrap("revoke token", err)
		}
		return nil
	})
}

// RevokeUserSessions ends every session of the user: tokens issued before
// it are refused from now on. ENOTFOUND if there is no such user.
func (db *DB) RevokeUserSessions(ctx context.Context, actor ledger.Actor, email string, now time.Time) error {
	return db.changeUser(ctx, actor, email, now, ledger.ActionUserRevoke,
		"UPDATE users SET session_version = session_version + 1, updated_at = ? WHERE email = ?", nil)
}

// SetUserRole changes the user's role and ends its sessions, with an audit
// row. ENOTFOUND if there is no such user, EINVALID for a bad role.
func (db *DB) SetUserRole(ctx context.Context, actor ledger.Actor, email string, role ledger.Role, now time.Time) error {
	if !role.Valid() {
		return ledger.Errorf(ledger.EINVALID, "role %q is not a role: use admin, operator or viewer", truncate(string(role), 40))
	}
	return db.changeUser(ctx, actor, email, now, ledger.ActionUserRole,
		"UPDATE users SET role = ?, session_version = session_version + 1, updated_at = ? WHERE email = ?", []any{string(role)})
}

// DeleteUser deletes the user, with an audit row; its tokens are refused
// from then on. ENOTFOUND if there is no such user.
func (db *DB) DeleteUser(ctx context.Context, actor ledger.Actor, email string, now time.Time) error {
	return db.changeUser(ctx, actor, email, now, ledger.ActionUserDelete, "DELETE FROM users WHERE email = ?", nil)
}

// changeUser runs one statement on the user email (its last arguments are
// updated_at, unless it is a DELETE, and the email, after first) and
// appends the audit row with the user's email and role before and after,
// in one transaction.
func (db *DB) changeUser(ctx context.Context, actor ledger.Actor, email string, now time.Time, action, stmt string, first []any) error {
	email = strings.ToLower(email)
	now = ledger.AuditTime(now)
	return db.inTx(ctx, func(t *tx) error {
		var role string
		err := t.tx.QueryRowContext(ctx, db.d.rebind("SELECT role FROM users WHERE email = ?"), email).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return ledger.Errorf(ledger.ENOTFOUND, "no user has email %s", truncate(email, 80))
		}
		if err != nil {
			return db.wrap("read user "+email, err)
		}
		args := append([]any(nil), first...)
		if !strings.HasPrefix(stmt, "DELETE") {
			args = append(args, db.d.timeArg(now))
		}
		if _, err := t.tx.ExecContext(ctx, db.d.rebind(stmt), append(args, email)...); err != nil {
			return db.wrap(action+" "+email, err)
		}
		before, _ := json.Marshal(map[string]string{"email": email, "role": role})
		var after []byte
		switch action {
		case ledger.ActionUserRole:
			after, _ = json.Marshal(map[string]string{"email": email, "role": first[0].(string)})
		case ledger.ActionUserRevoke:
			after = before
		}
		return t.AppendAudit(ctx, &ledger.AuditEntry{
			At: now, Actor: actor, Action: action, Entity: "user", EntityID: email, Before: before, After: after,
		})
	})
}

// RevokeAllSessions refuses every access token of every user issued before
// now (an emergency key rotation), with an audit row.
func (db *DB) RevokeAllSessions(ctx context.Context, actor ledger.Actor, now time.Time) error {
	now = ledger.AuditTime(now)
	return db.inTx(ctx, func(t *tx) error {
		// Tokens carry whole seconds: one issued in this second is refused
		// too, so the cut is never behind a token signed with the old key.
		if _, err := t.tx.ExecContext(ctx, db.d.rebind("UPDATE auth_epoch SET tokens_valid_after = ? WHERE id = 1"), now.Unix()+1); err != nil {
			return db.wrap("revoke all sessions", err)
		}
		after, _ := json.Marshal(map[string]string{"tokens_valid_after": now.Add(time.Second).Format(time.RFC3339)})
		return t.AppendAudit(ctx, &ledger.AuditEntry{
			At: now, Actor: actor, Action: ledger.ActionSessionsRevoke, Entity: "service", EntityID: "sessions", After: after,
		})
	})
}
