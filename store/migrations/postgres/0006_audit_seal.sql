-- The audit trail is sealed after the fact (PostgreSQL): rows are appended
-- unsealed in the transaction of the change they record, without touching
-- the chain head, so concurrent transactions no longer queue on it; the
-- sealer (store.AuditSealer) chains them a moment later, in id order, in
-- short transactions of its own that lock the head. See ledger.AuditSealHash.

-- When the row was inserted, by the database's clock (not the caller's
-- `at`). The sealer only seals a row once it is older than the grace
-- period, so that a lower id still in an open transaction can commit
-- first. NULL for rows from before this migration (all chained already).
ALTER TABLE audit_log ADD COLUMN inserted_at TIMESTAMPTZ;
ALTER TABLE audit_log ALTER COLUMN inserted_at SET DEFAULT clock_timestamp();

-- The seal of each row: the hash of the sealed row before it and its own.
-- A table of its own, so that audit_log rows are never updated and sealing
-- writes narrow rows. No foreign key: deleting an audit row must not be
-- stopped or cascaded silently; verification finds it.
CREATE TABLE audit_seal (
    id        BIGINT PRIMARY KEY,
    prev_hash BYTEA NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash      BYTEA NOT NULL CHECK (octet_length(hash) = 32)
);

-- inline_until: rows up to here were chained as they were written (their
-- hashes are in audit_log, without the id); later rows are in audit_seal.
-- skipped: how many ids the sealer has passed over (rolled back).
ALTER TABLE audit_head ADD COLUMN inline_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN skipped      BIGINT NOT NULL DEFAULT 0;
UPDATE audit_head SET inline_until = last_id;
