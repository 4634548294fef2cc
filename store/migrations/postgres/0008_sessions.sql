-- Revocable sessions. An access token names its user, the user's
-- session_version when it was issued, and a random jti; it is honoured only
-- while the user exists with that version and the jti is not in
-- revoked_tokens. "Revoke all sessions of a user" increments the version;
-- logging out records the jti until the token would have expired;
-- auth_epoch.tokens_valid_after (unix seconds) refuses every token issued
-- before it, for an emergency key rotation.
ALTER TABLE users ADD COLUMN session_version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE revoked_tokens (
    jti          TEXT   PRIMARY KEY,
    expires_unix BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_unix);
CREATE TABLE auth_epoch (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    tokens_valid_after BIGINT  NOT NULL
);
INSERT INTO auth_epoch (id, tokens_valid_after) VALUES (1, 0);
