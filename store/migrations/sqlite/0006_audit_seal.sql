-- The audit trail is sealed after the fact (SQLite): rows are appended
-- unsealed in the transaction of the change they record, and the sealer
-- (store.AuditSealer) chains them a moment later, in id order, in short
-- transactions of its own that move the head. See ledger.AuditSealHash.
-- SQLite needs no insert time: its writes are serialised, so every row the
-- sealer can see is settled.

-- The seal of each row: the hash of the sealed row before it and its own.
-- A table of its own, so that audit_log rows are never updated and sealing
-- writes narrow rows. No foreign key: deleting an audit row must not be
-- stopped or cascaded silently; verification finds it.
CREATE TABLE audit_seal (
    id        INTEGER PRIMARY KEY,
    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash      BLOB NOT NULL CHECK (length(hash) = 32)
);

-- inline_until: rows up to here were chained as they were written (their
-- hashes are in audit_log, without the id); later rows are in audit_seal.
-- skipped: how many ids the sealer has passed over.
ALTER TABLE audit_head ADD COLUMN inline_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN skipped      INTEGER NOT NULL DEFAULT 0;
UPDATE audit_head SET inline_until = last_id;
