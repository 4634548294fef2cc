-- Personal data at rest (docs/privacy.md). A loan's personal fields
-- (borrower, lender, their wallet addresses) and its record salts are stored
-- encrypted with the loan's own data key; data_key holds that key wrapped by
-- the master key (AARTHA_PII_MASTER_KEY). NULL means the loan was stored in
-- the clear (encryption off) or, with erased_at set, that it was erased.
-- borrower_index is a keyed blind index (HMAC of the normalised borrower),
-- so search by borrower works without the clear value.
ALTER TABLE loans ADD COLUMN data_key       BLOB;
ALTER TABLE loans ADD COLUMN borrower_index TEXT NOT NULL DEFAULT '';
ALTER TABLE loans ADD COLUMN erased_at      TEXT;
CREATE INDEX loans_borrower_index_idx ON loans (borrower_index) WHERE borrower_index <> '';

-- A legal hold blocks erasure of its loan until it is lifted.
CREATE TABLE legal_holds (
    loan_id TEXT NOT NULL PRIMARY KEY REFERENCES loans (id),
    reason  TEXT NOT NULL CHECK (reason <> ''),
    set_by  TEXT NOT NULL CHECK (set_by <> ''),
    set_at  TEXT NOT NULL
);

-- One row per erased loan: what the erasure certificate states.
CREATE TABLE loan_erasures (
    loan_id   TEXT NOT NULL PRIMARY KEY REFERENCES loans (id),
    erased_at TEXT NOT NULL,
    erased_by TEXT NOT NULL CHECK (erased_by <> ''),
    reason    TEXT NOT NULL CHECK (reason <> '')
);
CREATE INDEX loan_erasures_at_idx ON loan_erasures (erased_at);
