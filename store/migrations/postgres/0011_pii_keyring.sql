-- The per-loan data keys move out of this database into the keyring
-- (docs/privacy.md), so a backup of this database holds no key and an
-- erasure reaches every backup at once. pii_encrypted says the loan's
-- personal fields are sealed (its key is in the keyring, or still in
-- data_key until the store moves it there at start; NULL with erased_at
-- set once erased).
ALTER TABLE loans ADD COLUMN pii_encrypted BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE loans SET pii_encrypted = TRUE WHERE data_key IS NOT NULL OR erased_at IS NOT NULL;
