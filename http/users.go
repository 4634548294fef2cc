package http

import (
	"context"
	nethttp "net/http"
	"time"

	ledger "github.com/aartha/ledger"
)

// UserStore changes users and sessions; *store.DB satisfies it. Each
// change writes its audit row in the same transaction.
type UserStore interface {
	DeleteUser(ctx context.Context, actor ledger.Actor, email string, now time.Time) error
	SetUserRole(ctx context.Context, actor ledger.Actor, email string, role ledger.Role, now time.Time) error
	RevokeUserSessions(ctx context.Context, actor ledger.Actor, email string, now time.Time) error
	RevokeAllSessions(ctx context.Context, actor ledger.Actor, now time.Time) error
}

// logout revokes the caller's own token.
func (a *API) logout(w nethttp.ResponseWriter, r *nethttp.Request) error {
	p, _ := principalFrom(r.Context())
	if err := a.cfg.Auth.Logout(r.Context(), p.claims); err != nil {
		return err
	}
	a.cfg.AuditLog.Info("logout", "admin", p.Email, "ip", clientIP(r))
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

// userEmail reads the {email} path value.
func userEmail(r *nethttp.Request) (string, error) {
	return ledger.NormalizeEmail(r.PathValue("email"))
}

func (a *API) users() (UserStore, error) {
	us, ok := a.cfg.Store.(UserStore)
	if !ok {
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "user management is not available in this process")
	}
	return us, nil
}

func (a *API) deleteUser(w nethttp.ResponseWriter, r *nethttp.Request) error {
	return a.changeUser(w, r, ledger.ActionUserDelete, UserStore.DeleteUser)
}

func (a *API) revokeUserSessions(w nethttp.ResponseWriter, r *nethttp.Request) error {
	return a.changeUser(w, r, ledger.ActionUserRevoke, UserStore.RevokeUserSessions)
}

// changeUser applies one change to the user the path names, forgets what
// this replica cached about the user, and logs the action: the user's
// tokens stop working on the next request.
func (a *API) changeUser(w nethttp.ResponseWriter, r *nethttp.Request, action string,
	change func(UserStore, context.Context, ledger.Actor, string, time.Time) error) error {
	email, err := userEmail(r)
	if err != nil {
		return err
	}
	us, err := a.users()
	if err != nil {
		return err
	}
	if err := change(us, r.Context(), actor(r), email, time.Now()); err != nil {
		return err
	}
	a.cfg.Auth.Forget(email)
	a.logAction(r, action, "", "user", email)
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

type roleRequest struct {
	Role string `json:"role"`
}

func (a *API) setUserRole(w nethttp.ResponseWriter, r *nethttp.Request) error {
	email, err := userEmail(r)
	if err != nil {
		return err
	}
	var q roleRequest
	if err := readJSONBody(r, a.cfg.MaxBodyBytes, &q); err != nil {
		return err
	}
	role, err := ledger.ParseRole(q.Role)
	if err != nil {
		return err
	}
	us, err := a.users()
	if err != nil {
		return err
	}
	if err := us.SetUserRole(r.Context(), actor(r), email, role, time.Now()); err != nil {
		return err
	}
	a.cfg.Auth.Forget(email)
	a.logAction(r, ledger.ActionUserRole, "", "user", email, "user_role", role)
	writeJSONStatus(w, nethttp.StatusOK, map[string]any{"email": email, "role": role,
		"message": "the role is changed and the user's sessions are ended: the user logs in again"})
	return nil
}

// revokeAllSessions ends every session of every user and stops accepting
// the previous signing key at once: the step after an emergency rotation
// of JWT_SECRET_KEY. The caller logs in again too.
func (a *API) revokeAllSessions(w nethttp.ResponseWriter, r *nethttp.Request) error {
	us, err := a.users()
	if err != nil {
		return err
	}
	a.cfg.Auth.RetirePreviousKey()
	if err := us.RevokeAllSessions(r.Context(), actor(r), time.Now()); err != nil {
		return err
	}
	a.cfg.Auth.Forget("")
	a.logAction(r, ledger.ActionSessionsRevoke, "")
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}
