-- Loans and the audit trail (PostgreSQL).

CREATE TABLE loans (
    -- id uses the "C" collation so that the primary key index also serves
    -- prefix searches (id LIKE 'abc%') and ordering is bytewise, as in SQLite.
    id                             TEXT COLLATE "C" PRIMARY KEY
                                   CHECK (id ~ '^[A-Za-z0-9-]{1,100}$'),
    -- seq only grows: it orders the "newest first" listing and backs its cursor.
    seq                            BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    borrower                       TEXT        NOT NULL,
    lender                         TEXT        NOT NULL,
    borrower_address               TEXT        NOT NULL DEFAULT '',
    lender_address                 TEXT        NOT NULL DEFAULT '',
    principal                      BIGINT      NOT NULL CHECK (principal >= 0),
    currency                       TEXT        NOT NULL,
    interest_rate_bps              BIGINT      NOT NULL CHECK (interest_rate_bps >= 0),
    term_months                    BIGINT      NOT NULL CHECK (term_months >= 1),
    status                         TEXT        NOT NULL
                                   CHECK (status IN ('submitted', 'approved', 'rejected', 'repaid', 'defaulted')),
    reason                         TEXT        NOT NULL DEFAULT '',
    created_at                     TIMESTAMPTZ NOT NULL,
    updated_at                     TIMESTAMPTZ NOT NULL,
    approved_at                    TIMESTAMPTZ,
    closed_at                      TIMESTAMPTZ,
    repaid_at                      TIMESTAMPTZ,
    amount_repaid                  BIGINT      NOT NULL DEFAULT 0 CHECK (amount_repaid >= 0),
    salt                           BYTEA,
    repayment_salt                 BYTEA,
    blockchain_status              TEXT        NOT NULL DEFAULT 'not_stored'
                                   CHECK (blockchain_status IN ('not_stored', 'queued', 'submitted', 'confirmed', 'failed')),
    blockchain_tx_hash             TEXT        NOT NULL DEFAULT '',
    blockchain_stored_at           TIMESTAMPTZ,
    repayment_blockchain_status    TEXT        NOT NULL DEFAULT 'not_stored'
                                   CHECK (repayment_blockchain_status IN ('not_stored', 'queued', 'submitted', 'confirmed', 'failed')),
    repayment_blockchain_tx_hash   TEXT        NOT NULL DEFAULT '',
    repayment_blockchain_stored_at TIMESTAMPTZ
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

CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor_id   TEXT NOT NULL CHECK (actor_id <> ''),
    actor_role TEXT NOT NULL,
    actor_addr TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action <> ''),
    entity     TEXT NOT NULL CHECK (entity <> ''),
    entity_id  TEXT NOT NULL,
    before     JSONB,
    after      JSONB
);

CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_actor_idx  ON audit_log (actor_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_at_idx     ON audit_log (at);
