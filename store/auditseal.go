package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	ledger "github.com/aartha/ledger"
)

// Sealing the audit trail.
//
// Rows are appended unsealed (AppendAudit), so that transactions writing
// audit rows do not queue on one lock. The sealer chains them afterwards,
// in id order: for each row, in a short transaction that locks the chain
// head, it writes the row's seal (prev_hash, hash = ledger.AuditSealHash)
// to audit_seal and moves the head. Seals are keyed with the audit seal key
// (ledger.AuditKeyedSealHash); the first pass with a key cuts the trail
// over (ledger.AuditHead.KeyedFrom). Only "settled" rows are sealed, rows
// below which no other row can still appear:
//
//   - SQLite: every row the sealer sees. Its transaction holds the one write
//     lock, so no other transaction is open, and a rolled-back insert leaves
//     no gap (the next row takes its id).
//   - PostgreSQL: ids come from a sequence when the row is inserted, so a
//     transaction still open may hold a lower id than rows already
//     committed, and a rolled-back one leaves a gap forever. The sealer
//     seals a row only once it was inserted at least the grace period ago
//     (by the database's clock, audit_log.inserted_at), and stops at the
//     first younger row. Every lower id was then taken more than the grace
//     period ago; if it is still missing, its transaction is taken to have
//     rolled back and the id is sealed over as a gap. The chain records the
//     gap (each hash covers the row's id), and the head counts the ids
//     skipped. A transaction that commits its audit row later than that
//     produces a row below the head that is not sealed: `aartha audit
//     verify` reports it as an anomaly (ledger.AuditChainReport.Late).
//
// Each pass reads the candidate rows and hashes their content outside the
// transaction (so on SQLite the write lock is held only to insert the
// seals), then, under the head lock, checks that the head has not moved and
// that the ids up to the last candidate are still exactly the candidates,
// and writes the seals. Until a row is sealed (on PostgreSQL the grace
// period plus up to one interval of the sealer; on SQLite up to one
// interval) it is not protected: it can be edited or deleted unseen, and a
// deletion then shows only as a gap.

// Defaults of AuditSealerConfig.
const (
	DefaultAuditSealInterval = time.Second
	DefaultAuditSealGrace    = 10 * time.Second
	DefaultAuditSealBatch    = 1000
)

// AuditSealerConfig configures an AuditSealer. The zero value uses the
// defaults.
type AuditSealerConfig struct {
	// Interval is the time between passes of Start's loop.
	Interval time.Duration
	// Grace is how old (by the database's clock) a row must be before it
	// is sealed on PostgreSQL, i.e. how long a transaction may stay open
	// after appending its audit row and still commit into the chain.
	// Ignored on SQLite. Negative: 0.
	Grace time.Duration
	// Batch is how many rows one sealing transaction covers at most.
	Batch int
	// Now, if set, is the clock the grace period is measured against
	// (tests); nil means the database's clock.
	Now func() time.Time
	// Log receives errors of Start's loop (nil: discarded).
	Log *slog.Logger
}

// AuditSealer seals the audit trail: Seal once, or Start a loop that seals
// every Interval until Stop. Several sealers, in one process or several,
// may run against one database: the head lock orders them.
type AuditSealer struct {
	db  *DB
	cfg AuditSealerConfig

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewAuditSealer returns a sealer for db. It starts nothing: call Start.
func NewAuditSealer(db *DB, cfg AuditSealerConfig) *AuditSealer {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultAuditSealInterval
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultAuditSealGrace
	}
	cfg.Grace = max(cfg.Grace, 0)
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultAuditSealBatch
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &AuditSealer{db: db, cfg: cfg}
}

// SealAudit seals every settled row with the default settings (see
// AuditSealer) and returns how many it sealed.
func (db *DB) SealAudit(ctx context.Context) (int, error) {
	return NewAuditSealer(db, AuditSealerConfig{}).Seal(ctx)
}

// Start runs the sealing loop in a goroutine until ctx ends or Stop is
// called: one pass at once, then one every Interval. A second Start does
// nothing.
func (s *AuditSealer) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return
	}
	s.started = true
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go s.loop(ctx)
}

// Stop ends the loop and waits for a pass in progress to end. It is safe
// to call more than once, and without Start.
func (s *AuditSealer) Stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

func (s *AuditSealer) loop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := s.Seal(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Log.Error("sealing the audit trail failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// errHeadMoved says another sealer moved the head between the two phases.
var errHeadMoved = errors.New("the audit chain head moved")

// Seal seals every settled row, in transactions of at most Batch rows, and
// returns how many it sealed.
func (s *AuditSealer) Seal(ctx context.Context) (int, error) {
	total, moved := 0, 0
	for {
		n, more, err := s.sealBatch(ctx)
		total += n
		switch {
		case errors.Is(err, errHeadMoved):
			// Another sealer is at work: read again, or leave it to that
			// one if it keeps moving the head first.
			if moved++; moved > 10 {
				return total, nil
			}
			continue
		case err != nil:
			return total, err
		case !more:
			return total, nil
		}
		moved = 0
	}
}

// candidate is a row read in the first phase.
type candidate struct {
	id     int64
	digest [ledger.AuditHashSize]byte
}

// sealBatch seals up to Batch rows; more says there may be settled rows
// left.
func (s *AuditSealer) sealBatch(ctx context.Context) (sealed int, more bool, err error) {
	db := s.db
	head, err := db.readAuditHead(ctx, db.r, false)
	if err != nil {
		return 0, false, err
	}
	cands, more, err := s.candidates(ctx, head)
	if err != nil || len(cands) == 0 {
		return 0, false, err
	}
	err = db.inTx(ctx, func(t *tx) error {
		h, err := db.readAuditHead(ctx, t.tx, true)
		if err != nil {
			return err
		}
		if h.LastID != head.LastID || !bytes.Equal(h.Hash, head.Hash) {
			return errHeadMoved
		}
		// The ids up to the last candidate must still be the candidates:
		// a row committed meanwhile below it (PostgreSQL), or one deleted,
		// ends this batch before it.
		rows, err := t.tx.QueryContext(ctx, db.d.rebind("SELECT id FROM audit_log WHERE id > ? AND id <= ? ORDER BY id"), h.LastID, cands[len(cands)-1].id)
		if err != nil {
			return db.wrap("list audit rows to seal", err)
		}
		n := 0
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return db.wrap("list audit rows to seal", err)
			}
			if n == len(cands) || cands[n].id != id {
				break
			}
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return db.wrap("list audit rows to seal", err)
		}
		if n < len(cands) {
			cands, more = cands[:n], true
		}
		if n == 0 {
			return nil
		}
		key := db.auditSealKey()
		if !h.Keyed {
			// The first keyed pass cuts over: every row after the head
			// is sealed with the key from now on.
			h.Keyed, h.KeyedFrom = true, h.LastID
			if _, err := t.tx.ExecContext(ctx, db.d.rebind("UPDATE audit_head SET keyed_from = ?, keyed_mark = ? WHERE id = 1"),
				h.KeyedFrom, ledger.AuditKeyMark(key, h.KeyedFrom)); err != nil {
				return db.wrap("cut the audit chain over to keyed seals", err)
			}
		} else if !hmac.Equal(h.KeyedMark, ledger.AuditKeyMark(key, h.KeyedFrom)) {
			return ledger.Errorf(ledger.EINTERNAL,
				"the audit chain head's cut-over to keyed seals is not signed by this seal key: AARTHA_AUDIT_SEAL_KEY is not the key the trail was sealed with, or the head was edited; run `aartha audit verify`")
		}
		ids := make([]int64, n)
		prevs := make([][]byte, n)
		hashes := make([][]byte, n)
		prev, last, skipped := h.Hash, h.LastID, h.Skipped
		for i, c := range cands {
			ids[i], prevs[i] = c.id, prev
			hashes[i] = ledger.AuditKeyedSealHash(key, prev, c.digest, c.id)
			skipped += c.id - last - 1
			prev, last = hashes[i], c.id
		}
		if err := s.insertSeals(ctx, t, ids, prevs, hashes); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, db.d.rebind("UPDATE audit_head SET hash = ?, last_id = ?, skipped = ? WHERE id = 1"), prev, last, skipped); err != nil {
			return db.wrap("move the audit chain head", err)
		}
		sealed = n
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return sealed, more, nil
}

// candidates reads the settled rows after head, up to Batch, outside a
// transaction, and hashes their content. more says the batch was full.
func (s *AuditSealer) candidates(ctx context.Context, head ledger.AuditHead) ([]candidate, bool, error) {
	db := s.db
	insertedAt := db.d.auditInsertedAt
	var cutoff time.Time
	if insertedAt != "" {
		now := time.Time{}
		if s.cfg.Now != nil {
			now = s.cfg.Now()
		} else if err := db.r.QueryRowContext(ctx, "SELECT clock_timestamp()").Scan(&now); err != nil {
			return nil, false, db.wrap("read the database clock", err)
		}
		cutoff = now.Add(-s.cfg.Grace)
	} else {
		insertedAt = "NULL"
	}
	q := db.d.rebind("SELECT " + auditColumns + ", " + insertedAt + auditFrom + " WHERE a.id > ? ORDER BY a.id LIMIT ?")
	rows, err := db.r.QueryContext(ctx, q, head.LastID, s.cfg.Batch)
	if err != nil {
		return nil, false, db.wrap("read audit rows to seal", err)
	}
	defer rows.Close()
	var cands []candidate
	for rows.Next() {
		var at nullTime
		e, err := scanAudit(rowScannerFunc(func(dest ...any) error {
			return rows.Scan(append(dest, &at)...)
		}))
		if err != nil {
			return nil, false, db.wrap("read audit rows to seal", err)
		}
		if at.valid && at.t.After(cutoff) {
			return cands, false, nil // not settled yet, nor is anything after it
		}
		if len(e.Hash) > 0 || len(e.PrevHash) > 0 {
			// Normally another sealer sealed it after head was read.
			now, err := db.readAuditHead(ctx, db.r, false)
			if err != nil {
				return nil, false, err
			}
			if now.LastID != head.LastID || !bytes.Equal(now.Hash, head.Hash) {
				return nil, false, errHeadMoved
			}
			return nil, false, ledger.Errorf(ledger.EINTERNAL,
				"audit row %d is sealed but lies after the chain head (row %d): the head was moved back or the seal was written outside the store; run `aartha audit verify`", e.ID, head.LastID)
		}
		d, err := ledger.AuditDigest(e)
		if err != nil {
			return nil, false, ledger.Errorf(ledger.EINTERNAL, "audit row %d cannot be sealed: %v", e.ID, err)
		}
		cands = append(cands, candidate{id: e.ID, digest: d})
	}
	if err := rows.Err(); err != nil {
		return nil, false, db.wrap("read audit rows to seal", err)
	}
	return cands, len(cands) == s.cfg.Batch, nil
}

// insertSeals writes the seals of one batch.
func (s *AuditSealer) insertSeals(ctx context.Context, t *tx, ids []int64, prevs, hashes [][]byte) error {
	db := s.db
	if db.d.dollar {
		_, err := t.tx.ExecContext(ctx, `INSERT INTO audit_seal (id, prev_hash, hash)
			SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])`, ids, prevs, hashes)
		if err != nil {
			return db.wrap("seal audit rows", err)
		}
		return nil
	}
	st, err := t.tx.PrepareContext(ctx, "INSERT INTO audit_seal (id, prev_hash, hash) VALUES (?, ?, ?)")
	if err != nil {
		return db.wrap("seal audit rows", err)
	}
	defer st.Close()
	for i := range ids {
		if _, err := st.ExecContext(ctx, ids[i], prevs[i], hashes[i]); err != nil {
			return db.wrap(fmt.Sprintf("seal audit row %d", ids[i]), err)
		}
	}
	return nil
}

// rowScannerFunc adapts a function to rowScanner.
type rowScannerFunc func(dest ...any) error

func (f rowScannerFunc) Scan(dest ...any) error { return f(dest...) }
