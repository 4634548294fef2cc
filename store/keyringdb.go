package store

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"errors"
	"strings"
	"time"

	ledger "github.com/aartha/ledger"
)

// keyringBatch is how many keys a move, sweep or rotation handles at once.
const keyringBatch = 500

// SetKeyring makes the store keep the data keys of new loans in k instead
// of loans.data_key; the store closes it with itself. Call it before the
// store is used, then PrepareKeyring once the schema is current.
func (db *DB) SetKeyring(k *Keyring) { db.keyring = k }

// PrepareKeyring readies the keyring at start: it moves the keys still in
// loans.data_key into the keyring, refuses a keyring that is empty while
// the database has encrypted loans (the wrong file or database), and
// sweeps the keys of erased loans and old orphans.
func (db *DB) PrepareKeyring(ctx context.Context, now time.Time) error {
	if db.keyring == nil || db.pii == nil {
		return nil
	}
	if err := db.moveDataKeys(ctx); err != nil {
		return err
	}
	n, err := db.keyring.count(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		var live int64
		err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM loans WHERE pii_encrypted AND erased_at IS NULL").Scan(&live)
		if err != nil {
			return db.wrap("count encrypted loans", err)
		}
		if live > 0 {
			return ledger.Errorf(ledger.EUNAVAILABLE, "the %s holds no data key, but %s has %d encrypted loans not erased: is AARTHA_PII_KEYRING (or AARTHA_PII_KEYRING_URL) the right one?", db.keyring, db, live)
		}
	}
	_, err = db.SweepKeyring(ctx, now)
	return err
}

// moveDataKeys copies the keys kept in loans.data_key (before the keyring
// existed) into the keyring, then empties the column: a crash between the
// two leaves the key in both places, and the next start finishes the move.
func (db *DB) moveDataKeys(ctx context.Context) error {
	for {
		rows, err := queryAll(ctx, db, "list data keys to move", db.d.rebind(
			"SELECT id, data_key, created_at FROM loans WHERE data_key IS NOT NULL ORDER BY id LIMIT ?"), []any{keyringBatch},
			func(r rowScanner) (wrappedKey, error) {
				var w wrappedKey
				var at nullTime
				err := r.Scan(&w.loanID, &w.wrapped, &at)
				w.createdAt = at.t
				return w, err
			})
		if err != nil || len(rows) == 0 {
			return err
		}
		ids := make([]any, 0, len(rows))
		for _, w := range rows {
			// Record which master key wrapped it; a key neither opens stops
			// the move rather than storing what nothing can read.
			w.masterKeyID = ""
			for _, m := range []*masterKey{&db.pii.current, db.pii.previous} {
				if m == nil {
					continue
				}
				if _, err := open(m.wrap, w.wrapped, "data key "+w.loanID); err == nil {
					w.masterKeyID = m.id
					break
				}
			}
			if w.masterKeyID == "" {
				return ledger.Errorf(ledger.EUNAVAILABLE, "the data key of loan %s does not open with AARTHA_PII_MASTER_KEY (or the previous key): it is not moved to the keyring", w.loanID)
			}
			if err := db.keyring.put(ctx, w); err != nil {
				return err
			}
			ids = append(ids, w.loanID)
		}
		q := "UPDATE loans SET data_key = NULL WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
		if _, err := db.w.ExecContext(ctx, db.d.rebind(q), ids...); err != nil {
			return db.wrap("empty the moved data keys", err)
		}
	}
}

// deleteErasedKeys deletes from the keyring the keys of the loans the
// committed transaction erased. A failure is left to SweepKeyring: the
// erasure itself has committed.
func (t *tx) deleteErasedKeys(ctx context.Context) {
	if t.db.keyring == nil || len(t.erased) == 0 {
		return
	}
	_ = t.db.keyring.delete(context.WithoutCancel(ctx), t.erased...)
}

// SweepKeyring deletes the keys of erased loans (an erasure that crashed
// before deleting its key, or a keyring restored from a backup) and the
// keys older than KeyringOrphanAge whose loan does not exist (a creation
// that failed after writing its key). It returns how many it deleted.
func (db *DB) SweepKeyring(ctx context.Context, now time.Time) (int, error) {
	if db.keyring == nil {
		return 0, nil
	}
	deleted, after, first := 0, "", true
	for ; ; first = false {
		keys, err := db.keyring.page(ctx, after, "", keyringBatch)
		if err != nil || len(keys) == 0 {
			return deleted, err
		}
		after = keys[len(keys)-1].loanID
		args := make([]any, len(keys))
		for i, w := range keys {
			args[i] = w.loanID
		}
		alive := map[string]bool{} // loan id: not erased
		_, err = queryAll(ctx, db, "check keyring loans", db.d.rebind(
			"SELECT id, erased_at FROM loans WHERE id IN (?"+strings.Repeat(", ?", len(keys)-1)+")"), args,
			func(r rowScanner) (struct{}, error) {
				var id string
				var at nullTime
				err := r.Scan(&id, &at)
				alive[id] = !at.valid
				return struct{}{}, err
			})
		if err != nil {
			return deleted, err
		}
		if first && len(alive) == 0 {
			if err := db.refuseForeignKeyring(ctx); err != nil {
				return 0, err
			}
		}
		var drop []string
		for _, w := range keys {
			live, exists := alive[w.loanID]
			if (exists && !live) || (!exists && w.createdAt.Before(now.Add(-KeyringOrphanAge))) {
				drop = append(drop, w.loanID)
			}
		}
		if err := db.keyring.delete(ctx, drop...); err != nil {
			return deleted, err
		}
		deleted += len(drop)
	}
}

// refuseForeignKeyring stops a sweep whose first keys match no loan while
// the database has encrypted loans: the keyring is likely another
// database's, and sweeping it would delete its keys as orphans.
func (db *DB) refuseForeignKeyring(ctx context.Context) error {
	var live int64
	err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM loans WHERE pii_encrypted AND erased_at IS NULL").Scan(&live)
	if err != nil {
		return db.wrap("count encrypted loans", err)
	}
	if live > 0 {
		return ledger.Errorf(ledger.EUNAVAILABLE, "the first keys of the %s match no loan of %s, which has %d encrypted loans: it looks like another database's keyring, and is left untouched", db.keyring, db, live)
	}
	return nil
}

// RotateMasterKey re-wraps under the current master key every data key in
// the keyring that another master key wrapped (the previous one, see
// PersonalDataKeys.WithPrevious), batch keys at a time, while the service
// runs: reads work throughout, with either key. Each loan's blind index is
// recomputed from its decrypted borrower before its key is re-wrapped, so
// an interrupted run resumes where it stopped, redoing at most the loans of
// the batch in flight. After each batch progress gets the number re-wrapped
// so far; an error from it stops the rotation. It returns the number
// re-wrapped.
func (db *DB) RotateMasterKey(ctx context.Context, batch int, progress func(done int) error) (int, error) {
	if db.pii == nil || db.keyring == nil {
		return 0, ledger.Errorf(ledger.EINVALID, "rotating the personal-data master key needs AARTHA_PII_MASTER_KEY and the keyring")
	}
	if batch <= 0 {
		batch = keyringBatch
	}
	current := &db.pii.current
	done := 0
	for {
		// Each pass takes the first keys still under another master key:
		// those re-wrapped leave the set, so no cursor is needed.
		keys, err := db.keyring.page(ctx, "", current.id, batch)
		if err != nil || len(keys) == 0 {
			return done, err
		}
		for _, w := range keys {
			key, err := db.pii.unwrapKey(w.loanID, w.masterKeyID, w.wrapped)
			if err != nil {
				return done, err
			}
			aead, err := newGCM(key)
			if err != nil {
				return done, err
			}
			if err := db.reindexBorrower(ctx, w.loanID, aead); err != nil {
				return done, err
			}
			from := w.masterKeyID
			w.masterKeyID, w.wrapped = current.id, seal(current.wrap, key, "data key "+w.loanID)
			if err := db.keyring.rewrap(ctx, w, from); err != nil {
				return done, err
			}
			done++
		}
		if progress != nil {
			if err := progress(done); err != nil {
				return done, err
			}
		}
	}
}

// reindexBorrower sets the loan's blind index under the current master key
// from its decrypted borrower (nothing for an erased or unknown loan).
func (db *DB) reindexBorrower(ctx context.Context, loanID string, aead cipher.AEAD) error {
	var sealed string
	var erased nullTime
	err := db.r.QueryRowContext(ctx, db.d.rebind("SELECT borrower, erased_at FROM loans WHERE id = ?"), loanID).Scan(&sealed, &erased)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && erased.valid) {
		return nil
	}
	if err != nil {
		return db.wrap("read the borrower of loan "+loanID, err)
	}
	borrower, err := openText(aead, loanID, "borrower", sealed)
	if err != nil {
		return err
	}
	_, err = db.w.ExecContext(ctx, db.d.rebind("UPDATE loans SET borrower_index = ? WHERE id = ? AND erased_at IS NULL"),
		db.pii.BorrowerIndex(borrower), loanID)
	if err != nil {
		return db.wrap("re-index the borrower of loan "+loanID, err)
	}
	return nil
}
