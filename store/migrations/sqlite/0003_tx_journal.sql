-- The transaction manager's journal (SQLite): one row per logical send in
-- tx_sends, its signed transactions in tx_attempts, and each signer's next
-- nonce in tx_nonces (see txmgr.Journal for the contract these tables keep).
-- Addresses are 20-byte BLOBs, hashes 32-byte BLOBs. Amounts in wei are
-- decimal TEXT (they can pass 2^63). Timestamps are TEXT in the fixed-width
-- UTC form 2006-01-02T15:04:05.000000Z, as in 0001.

CREATE TABLE tx_sends (
    -- ids only grow: they give the creation order of sends without a nonce.
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The caller's idempotency key: one key, one send, at most one nonce.
    key              TEXT    NOT NULL UNIQUE CHECK (key <> ''),
    from_addr        BLOB    NOT NULL CHECK (typeof(from_addr) = 'blob' AND length(from_addr) = 20),
    to_addr          BLOB    NOT NULL CHECK (typeof(to_addr) = 'blob' AND length(to_addr) = 20),
    -- NULL for nil call data, an empty BLOB for empty call data.
    data             BLOB    CHECK (data IS NULL OR typeof(data) = 'blob'),
    gas_limit        INTEGER NOT NULL CHECK (gas_limit >= 0), -- 0: estimate
    -- NULL until AssignNonce; never changes once set.
    nonce            INTEGER CHECK (nonce IS NULL OR nonce >= 0),
    phase            TEXT    NOT NULL
                     CHECK (phase IN ('queued', 'submitted', 'included', 'final', 'failed')),
    -- Where the transaction was mined: all NULL (not mined) or all set,
    -- except the gas price, which may be unknown.
    inc_tx_hash      BLOB    CHECK (inc_tx_hash IS NULL OR length(inc_tx_hash) = 32),
    inc_block_number INTEGER CHECK (inc_block_number IS NULL OR inc_block_number >= 0),
    inc_block_hash   BLOB    CHECK (inc_block_hash IS NULL OR length(inc_block_hash) = 32),
    inc_gas_used     INTEGER CHECK (inc_gas_used IS NULL OR inc_gas_used >= 0),
    inc_gas_price    TEXT    CHECK (inc_gas_price IS NULL OR (inc_gas_price <> '' AND inc_gas_price NOT GLOB '*[^0-9]*')),
    reason           TEXT    NOT NULL DEFAULT '',
    tries            INTEGER NOT NULL DEFAULT 0 CHECK (tries >= 0),
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
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
    send_key   TEXT    NOT NULL REFERENCES tx_sends (key),
    -- 1, 2, 3, ... within the send: oldest first.
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    hash       BLOB    NOT NULL UNIQUE CHECK (typeof(hash) = 'blob' AND length(hash) = 32),
    -- The signed transaction (types.Transaction.MarshalBinary): signed
    -- data, not a secret.
    raw        BLOB    NOT NULL CHECK (typeof(raw) = 'blob' AND length(raw) > 0),
    tip_cap    TEXT    CHECK (tip_cap IS NULL OR (tip_cap <> '' AND tip_cap NOT GLOB '*[^0-9]*')),
    fee_cap    TEXT    CHECK (fee_cap IS NULL OR (fee_cap <> '' AND fee_cap NOT GLOB '*[^0-9]*')),
    gas_limit  INTEGER NOT NULL CHECK (gas_limit >= 0),
    cancel     INTEGER NOT NULL CHECK (cancel IN (0, 1)),
    sent_at    TEXT    NOT NULL,
    sent_block INTEGER NOT NULL CHECK (sent_block >= 0),
    PRIMARY KEY (send_key, seq)
);

CREATE TABLE tx_nonces (
    signer     BLOB    PRIMARY KEY CHECK (typeof(signer) = 'blob' AND length(signer) = 20),
    -- The lowest nonce not yet handed out by the journal. It only grows.
    next_nonce INTEGER NOT NULL CHECK (next_nonce >= 0)
);
