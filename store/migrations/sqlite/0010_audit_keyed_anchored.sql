-- Keyed seals and anchored checkpoints of the audit trail (SQLite). See
-- ledger.AuditKeyedSealHash and ledger.AuditCheckpoint.

-- The cut-over to keyed seals: rows after keyed_from are sealed with an
-- HMAC under AARTHA_AUDIT_SEAL_KEY, rows up to it keep their unkeyed
-- seals. NULL until the first sealer with the key sets it (to the head at
-- that moment), so a sealer of the previous version may still seal
-- meanwhile. keyed_mark is HMAC(key, keyed_from): only the key's holder
-- can move the cut-over.
ALTER TABLE audit_head ADD COLUMN keyed_from INTEGER;
ALTER TABLE audit_head ADD COLUMN keyed_mark BLOB CHECK (keyed_mark IS NULL OR length(keyed_mark) = 32);

-- Checkpoints of the chain head anchored on the chain as records with the
-- reserved id aartha.audit/<seq> (docs/security.md).
CREATE TABLE audit_checkpoint (
    seq          INTEGER PRIMARY KEY CHECK (seq > 0),
    last_id      INTEGER NOT NULL CHECK (last_id >= 0),
    head         BLOB    NOT NULL CHECK (length(head) = 32),
    salt         BLOB    NOT NULL CHECK (length(salt) = 32),
    taken_at     TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('queued', 'submitted', 'included', 'final', 'failed')),
    chain        TEXT    NOT NULL DEFAULT '',
    contract     TEXT    NOT NULL DEFAULT '',
    tx_hash      TEXT    NOT NULL DEFAULT '',
    block_number INTEGER NOT NULL DEFAULT 0,
    block_hash   TEXT    NOT NULL DEFAULT '',
    log_index    INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_checkpoint_status ON audit_checkpoint (status, seq);
