-- Anchors and batches (PostgreSQL): the records on their way to the chain.
-- Hashes are 32-byte BYTEA; a hash not known yet (a transaction not sent, a
-- block not seen) is NULL, which Go reads as the zero hash. block_number,
-- gas_used and seq are NULL until known (0 in Go); log_index is NULL exactly
-- when block_hash is.

CREATE TABLE batches (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    root          BYTEA       NOT NULL UNIQUE CHECK (octet_length(root) = 32),
    leaf_count    INTEGER     NOT NULL CHECK (leaf_count >= 0),
    status        TEXT        NOT NULL
                  CHECK (status IN ('queued', 'submitted', 'included', 'final', 'failed')),
    -- The registry's gap-free batch number, once included.
    seq           BIGINT      UNIQUE CHECK (seq > 0),
    tx_hash       BYTEA       CHECK (octet_length(tx_hash) = 32),
    block_number  BIGINT      CHECK (block_number > 0),
    block_hash    BYTEA       CHECK (octet_length(block_hash) = 32),
    log_index     INTEGER     CHECK (log_index >= 0),
    gas_used      BIGINT      CHECK (gas_used > 0),
    -- Effective gas price in wei, a decimal string (it can pass 2^63).
    gas_price_wei TEXT        CHECK (gas_price_wei ~ '^[0-9]+$'),
    attempts      INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error    TEXT        NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    final_at      TIMESTAMPTZ,
    CHECK ((block_hash IS NULL) = (log_index IS NULL))
);

CREATE INDEX batches_status_idx ON batches (status, id);

CREATE TABLE anchors (
    -- ids only grow: they give the "oldest first" order.
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id      TEXT COLLATE "C" NOT NULL REFERENCES loans (id),
    kind         SMALLINT    NOT NULL CHECK (kind IN (1, 2)), -- 1 approved, 2 repaid
    mode         TEXT        NOT NULL CHECK (mode IN ('direct', 'batch')),
    loan_key     BYTEA       NOT NULL CHECK (octet_length(loan_key) = 32),
    commitment   BYTEA       NOT NULL CHECK (octet_length(commitment) = 32),
    leaf         BYTEA       NOT NULL CHECK (octet_length(leaf) = 32),
    status       TEXT        NOT NULL
                 CHECK (status IN ('queued', 'submitted', 'included', 'final', 'failed')),
    batch_id     BIGINT      REFERENCES batches (id),
    -- The Merkle proof from leaf to the batch root: the sibling hashes, 32
    -- bytes each, concatenated in order. NULL until batched; an empty value
    -- is the empty proof of a batch of one.
    proof        BYTEA       CHECK (octet_length(proof) % 32 = 0),
    tx_hash      BYTEA       CHECK (octet_length(tx_hash) = 32),
    block_number BIGINT      CHECK (block_number > 0),
    block_hash   BYTEA       CHECK (octet_length(block_hash) = 32),
    log_index    INTEGER     CHECK (log_index >= 0),
    attempts     INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   TEXT        NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    final_at     TIMESTAMPTZ,
    CHECK ((block_hash IS NULL) = (log_index IS NULL)),
    -- At most one anchor per record: nothing is anchored twice.
    UNIQUE (loan_id, kind)
);

CREATE INDEX anchors_status_idx ON anchors (status, id);
CREATE INDEX anchors_batch_idx  ON anchors (batch_id) WHERE batch_id IS NOT NULL;
-- Batch-mode anchors waiting for a batch: the batcher's work list. Rows
-- leave this index when they are batched.
CREATE INDEX anchors_unbatched_idx ON anchors (status, id) WHERE mode = 'batch' AND batch_id IS NULL;
