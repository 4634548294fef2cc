package ledger

import "time"

// Audit actions on users and their sessions.
const (
	ActionUserDelete     = "user.delete"
	ActionUserRole       = "user.role"
	ActionUserRevoke     = "user.revoke_sessions"
	ActionSessionsRevoke = "auth.revoke_all_sessions"
)

// SessionState is what the store says, now, about the holder of an access
// token: the user's current role, how many times all of the user's
// sessions were revoked, whether this token (by its jti) was logged out,
// and before when every token of every user was revoked (an emergency key
// rotation). An access token is honoured only while all of them agree
// with it.
type SessionState struct {
	Role           Role
	SessionVersion int64
	TokenRevoked   bool
	ValidAfter     time.Time // tokens issued before this are refused; zero: none
}
