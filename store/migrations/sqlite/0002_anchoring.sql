-- Anchors and batches (SQLite): the records on their way to the chain.
-- Timestamps are TEXT in the fixed-width UTC form 2006-01-02T15:04:05.000000Z,
-- as in 0001. Hashes are 32-byte BLOBs; a hash not known yet (a transaction
-- not sent, a block not seen) is NULL, which Go reads as the zero hash.
-- block_number, gas_used and seq are NULL until known (0 in Go); log_index
-- is NULL exactly when block_hash is.

CREATE TABLE batches (
    -- ids only grow (AUTOINCREMENT never reuses a value): "newest first".
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    root          BLOB    NOT NULL UNIQUE CHECK (typeof(root) = 'blob' AND length(root) = 32),
    leaf_count    INTEGER NOT NULL CHECK (leaf_count >= 0),
    status        TEXT    NOT NULL
                  CHECK (status IN ('queued', 'submitted', 'included', 'final', 'failed')),
    -- The registry's gap-free batch number, once included.
    seq           INTEGER UNIQUE CHECK (seq IS NULL OR seq > 0),
    tx_hash       BLOB    CHECK (tx_hash IS NULL OR length(tx_hash) = 32),
    block_number  INTEGER CHECK (block_number IS NULL OR block_number > 0),
    block_hash    BLOB    CHECK (block_hash IS NULL OR length(block_hash) = 32),
    log_index     INTEGER CHECK (log_index IS NULL OR log_index >= 0),
    gas_used      INTEGER CHECK (gas_used IS NULL OR gas_used > 0),
    -- Effective gas price in wei, a decimal string (it can pass 2^63).
    gas_price_wei TEXT    CHECK (gas_price_wei IS NULL OR (gas_price_wei <> '' AND gas_price_wei NOT GLOB '*[^0-9]*')),
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error    TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    final_at      TEXT,
    CHECK ((block_hash IS NULL) = (log_index IS NULL))
);

CREATE INDEX batches_status_idx ON batches (status, id);

CREATE TABLE anchors (
    -- ids only grow: they give the "oldest first" order.
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id      TEXT    NOT NULL REFERENCES loans (id),
    kind         INTEGER NOT NULL CHECK (kind IN (1, 2)), -- 1 approved, 2 repaid
    mode         TEXT    NOT NULL CHECK (mode IN ('direct', 'batch')),
    loan_key     BLOB    NOT NULL CHECK (typeof(loan_key) = 'blob' AND length(loan_key) = 32),
    commitment   BLOB    NOT NULL CHECK (typeof(commitment) = 'blob' AND length(commitment) = 32),
    leaf         BLOB    NOT NULL CHECK (typeof(leaf) = 'blob' AND length(leaf) = 32),
    status       TEXT    NOT NULL
                 CHECK (status IN ('queued', 'submitted', 'included', 'final', 'failed')),
    batch_id     INTEGER REFERENCES batches (id),
    -- The Merkle proof from leaf to the batch root: the sibling hashes, 32
    -- bytes each, concatenated in order. NULL until batched; an empty BLOB
    -- is the empty proof of a batch of one.
    proof        BLOB    CHECK (proof IS NULL OR (typeof(proof) = 'blob' AND length(proof) % 32 = 0)),
    tx_hash      BLOB    CHECK (tx_hash IS NULL OR length(tx_hash) = 32),
    block_number INTEGER CHECK (block_number IS NULL OR block_number > 0),
    block_hash   BLOB    CHECK (block_hash IS NULL OR length(block_hash) = 32),
    log_index    INTEGER CHECK (log_index IS NULL OR log_index >= 0),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    final_at     TEXT,
    CHECK ((block_hash IS NULL) = (log_index IS NULL)),
    -- At most one anchor per record: nothing is anchored twice.
    UNIQUE (loan_id, kind)
);

CREATE INDEX anchors_status_idx ON anchors (status, id);
CREATE INDEX anchors_batch_idx  ON anchors (batch_id) WHERE batch_id IS NOT NULL;
-- Batch-mode anchors waiting for a batch: the batcher's work list. Rows
-- leave this index when they are batched.
CREATE INDEX anchors_unbatched_idx ON anchors (status, id) WHERE mode = 'batch' AND batch_id IS NULL;
