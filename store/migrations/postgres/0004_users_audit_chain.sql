-- Users of the admin API, and the hash chain of the audit trail (PostgreSQL).

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash TEXT NOT NULL CHECK (password_hash <> ''),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Every row from now on stores the hash of the row before it and its own
-- (see ledger.AuditHash). chain describes a chain write (network, contract,
-- transaction, gas).
ALTER TABLE audit_log ADD COLUMN chain     JSONB;
ALTER TABLE audit_log ADD COLUMN prev_hash BYTEA CHECK (octet_length(prev_hash) = 32);
ALTER TABLE audit_log ADD COLUMN hash      BYTEA CHECK (octet_length(hash) = 32);

-- The chain head: the hash and id of the last row. One row, locked and
-- updated by every append (in the same statement as the insert), so appends
-- form one total order and rows cut off the end of the trail are noticed.
-- Rows up to legacy_until were written before the chain existed and carry
-- no hash.
CREATE TABLE audit_head (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    hash         BYTEA   NOT NULL CHECK (octet_length(hash) = 32),
    last_id      BIGINT  NOT NULL,
    legacy_until BIGINT  NOT NULL
);
INSERT INTO audit_head (id, hash, last_id, legacy_until)
    SELECT 1, decode(repeat('00', 32), 'hex'), coalesce(max(id), 0), coalesce(max(id), 0) FROM audit_log;
