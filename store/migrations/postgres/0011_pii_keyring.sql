-- The per-loan data keys move out of this database into the keyring
-- (docs/privacy.md), so a backup of this database holds no key and an
-- erasure reaches every backup at once. pii_encrypted says the loan's
-- personal fields were sealed with a data key of its own: the key is in
-- the keyring (or still in data_key until the store moves it there at
-- start), and gone once erased_at is set. Loans stored in the clear keep
-- false.
ALTER TABLE loans ADD COLUMN pii_encrypted BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE loans SET pii_encrypted = TRUE WHERE data_key IS NOT NULL OR erased_at IS NOT NULL;
