-- Users of the admin API, and the hash chain of the audit trail (SQLite).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash TEXT NOT NULL CHECK (password_hash <> ''),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Every row from now on stores the hash of the row before it and its own
-- (see ledger.AuditHash). chain describes a chain write (network, contract,
-- transaction, gas).
ALTER TABLE audit_log ADD COLUMN chain     TEXT CHECK (chain IS NULL OR json_valid(chain));
ALTER TABLE audit_log ADD COLUMN prev_hash BLOB CHECK (prev_hash IS NULL OR length(prev_hash) = 32);
ALTER TABLE audit_log ADD COLUMN hash      BLOB CHECK (hash IS NULL OR length(hash) = 32);

-- The chain head: the hash and id of the last row. One row, updated by every
-- append in the same transaction, so appends form one total order and rows
-- cut off the end of the trail are noticed. Rows up to legacy_until were
-- written before the chain existed and carry no hash.
CREATE TABLE audit_head (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    hash         BLOB    NOT NULL CHECK (length(hash) = 32),
    last_id      INTEGER NOT NULL,
    legacy_until INTEGER NOT NULL
);
INSERT INTO audit_head (id, hash, last_id, legacy_until)
    SELECT 1, zeroblob(32), coalesce(max(id), 0), coalesce(max(id), 0) FROM audit_log;
