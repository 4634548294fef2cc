-- The transaction manager's journal (PostgreSQL): one row per logical send
-- in tx_sends, its signed transactions in tx_attempts, and each signer's
-- next nonce in tx_nonces (see txmgr.Journal for the contract these tables
-- keep). Addresses are 20-byte BYTEA, hashes 32-byte BYTEA. Amounts in wei
-- are decimal TEXT (they can pass 2^63).

CREATE TABLE tx_sends (
    -- ids only grow: they give the creation order of sends without a nonce.
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The caller's idempotency key: one key, one send, at most one nonce.
    key              TEXT COLLATE "C" NOT NULL UNIQUE CHECK (key <> ''),
    from_addr        BYTEA       NOT NULL CHECK (octet_length(from_addr) = 20),
    to_addr          BYTEA       NOT NULL CHECK (octet_length(to_addr) = 20),
    -- NULL for nil call data, an empty value for empty call data.
    data             BYTEA,
    gas_limit        BIGINT      NOT NULL CHECK (gas_limit >= 0), -- 0: estimate
    -- NULL until AssignNonce; never changes once set.
    nonce            BIGINT      CHECK (nonce >= 0),
    phase            TEXT        NOT NULL
                     CHECK (phase IN ('queued', 'submitted', 'included', 'final', 'failed')),
    -- Where the transaction was mined: all NULL (not mined) or all set,
    -- except the gas price, which may be unknown.
    inc_tx_hash      BYTEA       CHECK (octet_length(inc_tx_hash) = 32),
    inc_block_number BIGINT      CHECK (inc_block_number >= 0),
    inc_block_hash   BYTEA       CHECK (octet_length(inc_block_hash) = 32),
    inc_gas_used     BIGINT      CHECK (inc_gas_used >= 0),
    inc_gas_price    TEXT        CHECK (inc_gas_price ~ '^[0-9]+$'),
    reason           TEXT        NOT NULL DEFAULT '',
    tries            INTEGER     NOT NULL DEFAULT 0 CHECK (tries >= 0),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    CHECK ((inc_tx_hash IS NULL) = (inc_block_number IS NULL)
       AND (inc_tx_hash IS NULL) = (inc_block_hash IS NULL)
       AND (inc_tx_hash IS NULL) = (inc_gas_used IS NULL)),
    CHECK (inc_gas_price IS NULL OR inc_tx_hash IS NOT NULL),
    -- A second guard, after the row-locked counter: no two sends of one
    -- signer ever share a nonce. NULL nonces do not collide.
    UNIQUE (from_addr, nonce)
);

-- A signer's unfinished sends: Unfinished's work list.
CREATE INDEX tx_sends_unfinished_idx ON tx_sends (from_addr, nonce, id)
    WHERE phase IN ('queued', 'submitted', 'included');

CREATE TABLE tx_attempts (
    send_key   TEXT COLLATE "C" NOT NULL REFERENCES tx_sends (key),
    -- 1, 2, 3, ... within the send: oldest first.
    seq        INTEGER     NOT NULL CHECK (seq >= 1),
    hash       BYTEA       NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
    -- The signed transaction (types.Transaction.MarshalBinary): signed
    -- data, not a secret.
    raw        BYTEA       NOT NULL CHECK (octet_length(raw) > 0),
    tip_cap    TEXT        CHECK (tip_cap ~ '^[0-9]+$'),
    fee_cap    TEXT        CHECK (fee_cap ~ '^[0-9]+$'),
    gas_limit  BIGINT      NOT NULL CHECK (gas_limit >= 0),
    cancel     BOOLEAN     NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL,
    sent_block BIGINT      NOT NULL CHECK (sent_block >= 0),
    PRIMARY KEY (send_key, seq)
);

CREATE TABLE tx_nonces (
    signer     BYTEA  PRIMARY KEY CHECK (octet_length(signer) = 20),
    -- The lowest nonce not yet handed out by the journal. It only grows.
    next_nonce BIGINT NOT NULL CHECK (next_nonce >= 0)
);
