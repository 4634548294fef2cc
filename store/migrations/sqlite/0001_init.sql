-- Loans and the audit trail (SQLite).
-- Timestamps are TEXT in the fixed-width UTC form 2006-01-02T15:04:05.000000Z,
-- so they sort as text and read well in the sqlite3 shell.

CREATE TABLE loans (
    -- seq only grows (AUTOINCREMENT never reuses a value): it orders the
    -- "newest first" listing and backs its cursor.
    seq                            INTEGER PRIMARY KEY AUTOINCREMENT,
    id                             TEXT    NOT NULL UNIQUE
                                   CHECK (length(id) BETWEEN 1 AND 100 AND id NOT GLOB '*[^A-Za-z0-9-]*'),
    borrower                       TEXT    NOT NULL,
    lender                         TEXT    NOT NULL,
    borrower_address               TEXT    NOT NULL DEFAULT '',
    lender_address                 TEXT    NOT NULL DEFAULT '',
    principal                      INTEGER NOT NULL CHECK (principal >= 0),
    currency                       TEXT    NOT NULL,
    interest_rate_bps              INTEGER NOT NULL CHECK (interest_rate_bps >= 0),
    term_months                    INTEGER NOT NULL CHECK (term_months >= 1),
    status                         TEXT    NOT NULL
                                   CHECK (status IN ('submitted', 'approved', 'rejected', 'repaid', 'defaulted')),
    reason                         TEXT    NOT NULL DEFAULT '',
    created_at                     TEXT    NOT NULL,
    updated_at                     TEXT    NOT NULL,
    approved_at                    TEXT,
    closed_at                      TEXT,
    repaid_at                      TEXT,
    amount_repaid                  INTEGER NOT NULL DEFAULT 0 CHECK (amount_repaid >= 0),
    salt                           BLOB,
    repayment_salt                 BLOB,
    blockchain_status              TEXT    NOT NULL DEFAULT 'not_stored'
                                   CHECK (blockchain_status IN ('not_stored', 'queued', 'submitted', 'confirmed', 'failed')),
    blockchain_tx_hash             TEXT    NOT NULL DEFAULT '',
    blockchain_stored_at           TEXT,
    repayment_blockchain_status    TEXT    NOT NULL DEFAULT 'not_stored'
                                   CHECK (repayment_blockchain_status IN ('not_stored', 'queued', 'submitted', 'confirmed', 'failed')),
    repayment_blockchain_tx_hash   TEXT    NOT NULL DEFAULT '',
    repayment_blockchain_stored_at TEXT
);

CREATE INDEX loans_status_idx                      ON loans (status, seq);
CREATE INDEX loans_blockchain_status_idx           ON loans (blockchain_status, seq);
CREATE INDEX loans_repayment_blockchain_status_idx ON loans (repayment_blockchain_status, seq);
-- The transaction hashes and times are indexed only where they are set, so
-- that changing a loan that has none does not touch these indexes. A query
-- by hash must say "blockchain_tx_hash <> ''" for the index to be used; a
-- comparison on a time implies "IS NOT NULL" by itself.
CREATE INDEX loans_blockchain_tx_hash_idx             ON loans (blockchain_tx_hash) WHERE blockchain_tx_hash <> '';
CREATE INDEX loans_blockchain_stored_at_idx           ON loans (blockchain_stored_at) WHERE blockchain_stored_at IS NOT NULL;
CREATE INDEX loans_repayment_blockchain_tx_hash_idx   ON loans (repayment_blockchain_tx_hash) WHERE repayment_blockchain_tx_hash <> '';
CREATE INDEX loans_repayment_blockchain_stored_at_idx ON loans (repayment_blockchain_stored_at) WHERE repayment_blockchain_stored_at IS NOT NULL;

-- The audit trail is append-only: rows are never deleted, so the plain
-- rowid (the largest id plus one) only grows. AUTOINCREMENT would add a write
-- to sqlite_sequence to every change.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_id   TEXT NOT NULL CHECK (actor_id <> ''),
    actor_role TEXT NOT NULL,
    actor_addr TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action <> ''),
    entity     TEXT NOT NULL CHECK (entity <> ''),
    entity_id  TEXT NOT NULL,
    before     TEXT CHECK (before IS NULL OR json_valid(before)),
    after      TEXT CHECK (after IS NULL OR json_valid(after))
);

CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_actor_idx  ON audit_log (actor_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_at_idx     ON audit_log (at);
