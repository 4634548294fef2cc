package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/txmgr"
	"github.com/ethereum/go-ethereum/common"
)

var _ txmgr.Journal = (*TxJournal)(nil)

// TxJournal is the transaction manager's durable journal (txmgr.Journal) in
// the store's database: sends in tx_sends, their signed transactions in
// tx_attempts, each signer's next nonce in tx_nonces. Every method runs in
// one committed transaction, so what it wrote survives a crash once it
// returns nil (on SQLite, within the limits of synchronous=NORMAL: see the
// package documentation). Safe for concurrent use, from this process and
// others; see txmgr.Journal for the full contract.
//
// Errors: a method given a key no send has returns an error that wraps
// txmgr.ErrNotFound and has code ENOTFOUND. Update of a final or failed send
// is ECONFLICT; values the tables refuse (an unknown phase, a negative
// amount, a number above 2^63-1) are EINVALID; an unreachable database is
// EUNAVAILABLE.
type TxJournal struct {
	db *DB
	// Now is the clock for created_at, updated_at (nil: time.Now). Set it
	// before the journal is used.
	Now func() time.Time
}

// TxJournal returns the transaction journal kept in db. It needs schema
// version 3 (migration 0003_tx_journal).
func (db *DB) TxJournal() *TxJournal { return &TxJournal{db: db} }

func (j *TxJournal) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

// sendNotFound is an ENOTFOUND error that also matches txmgr.ErrNotFound.
type sendNotFound struct{ err *ledger.Error }

func (e sendNotFound) Error() string        { return e.err.Error() }
func (e sendNotFound) Unwrap() error        { return e.err }
func (e sendNotFound) Is(target error) bool { return target == txmgr.ErrNotFound }

func notFound(op, key string) error {
	return sendNotFound{ledger.Errorf(ledger.ENOTFOUND, "%s: no send with key %q", op, key)}
}

// invalid is an EINVALID error for op.
func invalid(op, format string, a ...any) error {
	return ledger.Errorf(ledger.EINVALID, "%s: %s", op, fmt.Sprintf(format, a...))
}

const sendColumns = `s.id, s.key, s.from_addr, s.to_addr, s.data, s.gas_limit, s.nonce, s.phase,
	s.inc_tx_hash, s.inc_block_number, s.inc_block_hash, s.inc_gas_used, s.inc_gas_price,
	s.reason, s.tries, s.created_at, s.updated_at`

const attemptColumns = `a.seq, a.hash, a.raw, a.tip_cap, a.fee_cap, a.gas_limit, a.cancel, a.sent_at, a.sent_block`

// selectSendsSQL reads sends with their attempts in one statement (so from
// one snapshot), a row per attempt; readSends adds the condition and order.
const selectSendsSQL = "SELECT " + sendColumns + ", " + attemptColumns +
	" FROM tx_sends s LEFT JOIN tx_attempts a ON a.send_key = s.key"

const insertSendSQL = `INSERT INTO tx_sends (key, from_addr, to_addr, data, gas_limit, phase, reason, tries, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`

const insertAttemptSQL = `INSERT INTO tx_attempts (send_key, seq, hash, raw, tip_cap, fee_cap, gas_limit, cancel, sent_at, sent_block)
	VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM tx_attempts WHERE send_key = ?), ?, ?, ?, ?, ?, ?, ?, ?)`

// updateSendSQL changes only unfinished sends: terminal phases never change.
const updateSendSQL = `UPDATE tx_sends SET phase = ?,
	inc_tx_hash = ?, inc_block_number = ?, inc_block_hash = ?, inc_gas_used = ?, inc_gas_price = ?,
	reason = ?, tries = ?, updated_at = ?
	WHERE key = ? AND phase NOT IN ('final', 'failed')`

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Create implements txmgr.Journal: it records rec as a queued send without
// nonce or attempts, or, if a send has rec.Key, returns that send with
// created false and changes nothing. Concurrent Creates of one key make one
// send (the key is unique; on PostgreSQL the later insert waits for the
// earlier to commit or roll back). An empty key is EINVALID.
func (j *TxJournal) Create(ctx context.Context, rec txmgr.Record) (stored txmgr.Record, created bool, err error) {
	op := fmt.Sprintf("create send %q", rec.Key)
	if rec.Key == "" {
		return txmgr.Record{}, false, invalid("create send", "the key is empty")
	}
	gas, err := int64Arg(op, "gas limit", rec.GasLimit)
	if err != nil {
		return txmgr.Record{}, false, err
	}
	err = j.db.inTx(ctx, func(t *tx) error {
		if err := t.flush(ctx); err != nil {
			return err
		}
		d := t.db.d
		now := d.timeArg(j.now())
		res, err := t.tx.ExecContext(ctx, d.rebind(insertSendSQL),
			rec.Key, rec.From.Bytes(), rec.To.Bytes(), bytesArg(rec.Data), gas, rec.Reason, rec.Tries, now, now)
		if classify(err) == errCheck {
			return invalid(op, "it breaks a rule of the tx_sends table: %v", err)
		}
		if err != nil {
			return t.db.wrap(op, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return t.db.wrap(op, err)
		}
		created = n == 1
		recs, err := t.db.readSends(ctx, t.tx, op, "s.key = ?", "", rec.Key)
		if err != nil {
			return err
		}
		if len(recs) != 1 {
			return fmt.Errorf("%s: the send is missing after its insert", op)
		}
		stored = recs[0]
		return nil
	})
	if err != nil {
		return txmgr.Record{}, false, err
	}
	return stored, created, nil
}

// Get implements txmgr.Journal: the send with key and its attempts, oldest
// first.
func (j *TxJournal) Get(ctx context.Context, key string) (txmgr.Record, error) {
	op := fmt.Sprintf("get send %q", key)
	recs, err := j.db.readSends(ctx, j.db.r, op, "s.key = ?", "", key)
	if err != nil {
		return txmgr.Record{}, err
	}
	if len(recs) == 0 {
		return txmgr.Record{}, notFound("get send", key)
	}
	return recs[0], nil
}

// AssignNonce implements txmgr.Journal. In one transaction it locks the
// send's row (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the transaction
// holds the write lock), returns the send's nonce if it has one, and
// otherwise takes max(signer's next nonce, floor) with an upsert of the
// signer's counter row (which locks that row until the commit), stores it on
// the send and moves the counter past it. A floor of 2^63-1 or more is
// EINVALID.
func (j *TxJournal) AssignNonce(ctx context.Context, key string, floor uint64) (uint64, error) {
	op := fmt.Sprintf("assign nonce to send %q", key)
	if floor >= math.MaxInt64 {
		return 0, invalid(op, "nonce floor %d is out of range", floor)
	}
	var nonce uint64
	err := j.db.inTx(ctx, func(t *tx) error {
		if err := t.flush(ctx); err != nil {
			return err
		}
		d := t.db.d
		var (
			from []byte
			have sql.NullInt64
		)
		err := t.tx.QueryRowContext(ctx, d.rebind("SELECT from_addr, nonce FROM tx_sends WHERE key = ?"+d.forUpdate), key).Scan(&from, &have)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return notFound("assign nonce", key)
		case err != nil:
			return t.db.wrap(op, err)
		case have.Valid:
			nonce = uint64(have.Int64)
			return nil
		}
		// The new counter is max(next, floor) + 1 = max(next + 1, floor + 1).
		var next int64
		err = t.tx.QueryRowContext(ctx, d.rebind(`INSERT INTO tx_nonces (signer, next_nonce) VALUES (?, ?)
			ON CONFLICT (signer) DO UPDATE SET next_nonce = `+d.greatest+`(tx_nonces.next_nonce + 1, excluded.next_nonce)
			RETURNING next_nonce`), from, int64(floor)+1).Scan(&next)
		if err != nil {
			return t.db.wrap(op+": advance the signer's counter", err)
		}
		nonce = uint64(next - 1)
		_, err = t.tx.ExecContext(ctx, d.rebind("UPDATE tx_sends SET nonce = ?, updated_at = ? WHERE key = ?"),
			next-1, d.timeArg(j.now()), key)
		if classify(err) == errUnique {
			return ledger.Errorf(ledger.ECONFLICT, "%s: nonce %d of signer %s already belongs to another send (was tx_nonces changed by hand?)",
				op, nonce, common.BytesToAddress(from).Hex())
		}
		if err != nil {
			return t.db.wrap(op, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return nonce, nil
}

// AddAttempt implements txmgr.Journal: it appends a to the send's attempts,
// or does nothing if the send already has an attempt with a's hash. An
// attempt whose hash belongs to another send is ECONFLICT; one without a
// hash or signed transaction, or with a negative fee, is EINVALID.
func (j *TxJournal) AddAttempt(ctx context.Context, key string, a txmgr.Attempt) error {
	op := fmt.Sprintf("add attempt %s to send %q", a.Hash.Hex(), key)
	if a.Hash == (common.Hash{}) {
		return invalid(op, "the attempt has no transaction hash")
	}
	if len(a.Raw) == 0 {
		return invalid(op, "the attempt has no signed transaction")
	}
	tip, err := bigArg(op, "tip cap", a.TipCap)
	if err != nil {
		return err
	}
	feeCap, err := bigArg(op, "fee cap", a.FeeCap)
	if err != nil {
		return err
	}
	gas, err := int64Arg(op, "gas limit", a.GasLimit)
	if err != nil {
		return err
	}
	block, err := int64Arg(op, "sent block", a.SentBlock)
	if err != nil {
		return err
	}
	return j.db.inTx(ctx, func(t *tx) error {
		if err := t.flush(ctx); err != nil {
			return err
		}
		d := t.db.d
		var k string
		err := t.tx.QueryRowContext(ctx, d.rebind("SELECT key FROM tx_sends WHERE key = ?"+d.forUpdate), key).Scan(&k)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return notFound("add attempt", key)
		case err != nil:
			return t.db.wrap(op, err)
		}
		var owner string
		err = t.tx.QueryRowContext(ctx, d.rebind("SELECT send_key FROM tx_attempts WHERE hash = ?"), a.Hash.Bytes()).Scan(&owner)
		switch {
		case err == nil && owner == key:
			return nil // recorded before
		case err == nil:
			return ledger.Errorf(ledger.ECONFLICT, "%s: the transaction is already recorded for send %q", op, owner)
		case !errors.Is(err, sql.ErrNoRows):
			return t.db.wrap(op, err)
		}
		_, err = t.tx.ExecContext(ctx, d.rebind(insertAttemptSQL),
			key, key, a.Hash.Bytes(), a.Raw, tip, feeCap, gas, a.Cancel, d.timeArg(a.SentAt), block)
		switch classify(err) {
		case errUnique:
			return ledger.Errorf(ledger.ECONFLICT, "%s: the transaction is already recorded", op)
		case errCheck:
			return invalid(op, "it breaks a rule of the tx_attempts table: %v", err)
		}
		if err != nil {
			return t.db.wrap(op, err)
		}
		_, err = t.tx.ExecContext(ctx, d.rebind("UPDATE tx_sends SET updated_at = ? WHERE key = ?"), d.timeArg(j.now()), key)
		if err != nil {
			return t.db.wrap(op, err)
		}
		return nil
	})
}

// Update implements txmgr.Journal: it replaces the send's phase, inclusion,
// reason and tries and sets its update time, leaving nonce and attempts
// alone. A send that is final or failed is never changed: Update of it is
// ECONFLICT. An unknown phase or negative tries is EINVALID.
func (j *TxJournal) Update(ctx context.Context, key string, st txmgr.Status) error {
	op := fmt.Sprintf("update send %q", key)
	switch st.Phase {
	case txmgr.PhaseQueued, txmgr.PhaseSubmitted, txmgr.PhaseIncluded, txmgr.PhaseFinal, txmgr.PhaseFailed:
	default:
		return invalid(op, "phase %q is unknown: use queued, submitted, included, final or failed", truncate(string(st.Phase), 40))
	}
	if st.Tries < 0 {
		return invalid(op, "tries %d is negative", st.Tries)
	}
	var txHash, number, blockHash, gasUsed, price any
	if inc := st.Inclusion; inc != nil {
		var err error
		txHash, blockHash = inc.TxHash.Bytes(), inc.BlockHash.Bytes()
		if number, err = int64Arg(op, "block number", inc.BlockNumber); err != nil {
			return err
		}
		if gasUsed, err = int64Arg(op, "gas used", inc.GasUsed); err != nil {
			return err
		}
		if price, err = bigArg(op, "effective gas price", inc.EffectiveGasPrice); err != nil {
			return err
		}
	}
	return j.db.inTx(ctx, func(t *tx) error {
		if err := t.flush(ctx); err != nil {
			return err
		}
		d := t.db.d
		res, err := t.tx.ExecContext(ctx, d.rebind(updateSendSQL), string(st.Phase),
			txHash, number, blockHash, gasUsed, price, st.Reason, st.Tries, d.timeArg(j.now()), key)
		if classify(err) == errCheck {
			return invalid(op, "it breaks a rule of the tx_sends table: %v", err)
		}
		if err != nil {
			return t.db.wrap(op, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return t.db.wrap(op, err)
		}
		if n == 1 {
			return nil
		}
		var phase string
		err = t.tx.QueryRowContext(ctx, d.rebind("SELECT phase FROM tx_sends WHERE key = ?"), key).Scan(&phase)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return notFound("update send", key)
		case err != nil:
			return t.db.wrap(op, err)
		}
		return ledger.Errorf(ledger.ECONFLICT, "%s: it is already %s, and a %s send never changes", op, phase, phase)
	})
}

// Unfinished implements txmgr.Journal: from's queued, submitted and
// included sends with their attempts, by nonce, then those without a nonce
// in order of creation.
func (j *TxJournal) Unfinished(ctx context.Context, from common.Address) ([]txmgr.Record, error) {
	return j.db.readSends(ctx, j.db.r, "list unfinished sends of "+from.Hex(),
		"s.from_addr = ? AND s.phase IN ('queued', 'submitted', 'included')", "s.nonce IS NULL, s.nonce, ", from.Bytes())
}

// Reopen implements txmgr.Journal: a final send whose transaction left the
// chain goes back to submitted, with its inclusion cleared and reason set;
// nonce and attempts stay. An unfinished send is left as it is; a failed
// send is ECONFLICT (it is never reopened).
func (j *TxJournal) Reopen(ctx context.Context, key, reason string) error {
	op := fmt.Sprintf("reopen send %q", key)
	return j.db.inTx(ctx, func(t *tx) error {
		if err := t.flush(ctx); err != nil {
			return err
		}
		d := t.db.d
		var phase string
		err := t.tx.QueryRowContext(ctx, d.rebind("SELECT phase FROM tx_sends WHERE key = ?"+d.forUpdate), key).Scan(&phase)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return notFound("reopen send", key)
		case err != nil:
			return t.db.wrap(op, err)
		case phase == string(txmgr.PhaseFailed):
			return ledger.Errorf(ledger.ECONFLICT, "%s: it failed, and a failed send is never reopened", op)
		case phase != string(txmgr.PhaseFinal):
			return nil
		}
		_, err = t.tx.ExecContext(ctx, d.rebind(`UPDATE tx_sends SET phase = 'submitted',
			inc_tx_hash = NULL, inc_block_number = NULL, inc_block_hash = NULL, inc_gas_used = NULL, inc_gas_price = NULL,
			reason = ?, updated_at = ? WHERE key = ?`), reason, d.timeArg(j.now()), key)
		if err != nil {
			return t.db.wrap(op, err)
		}
		return nil
	})
}

// ByNonce implements txmgr.Journal: from's send holding nonce, with its
// attempts, or an error wrapping txmgr.ErrNotFound.
func (j *TxJournal) ByNonce(ctx context.Context, from common.Address, nonce uint64) (txmgr.Record, error) {
	op := fmt.Sprintf("find the send with nonce %d of %s", nonce, from.Hex())
	n, err := int64Arg(op, "nonce", nonce)
	if err != nil {
		return txmgr.Record{}, err
	}
	recs, err := j.db.readSends(ctx, j.db.r, op, "s.from_addr = ? AND s.nonce = ?", "", from.Bytes(), n)
	if err != nil {
		return txmgr.Record{}, err
	}
	if len(recs) == 0 {
		return txmgr.Record{}, sendNotFound{ledger.Errorf(ledger.ENOTFOUND, "%s: none", op)}
	}
	return recs[0], nil
}

// NextNonce implements txmgr.Journal: from's next nonce, 0 for a signer
// that never had one.
func (j *TxJournal) NextNonce(ctx context.Context, from common.Address) (uint64, error) {
	var next int64
	err := j.db.r.QueryRowContext(ctx, j.db.d.rebind("SELECT next_nonce FROM tx_nonces WHERE signer = ?"), from.Bytes()).Scan(&next)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, j.db.wrap("read the next nonce of "+from.Hex(), err)
	}
	return uint64(next), nil
}

// readSends reads the sends matching where with their attempts: sends in
// order (a prefix of the ORDER BY list, ending in ", ") and then of
// creation, each one's attempts oldest first.
func (db *DB) readSends(ctx context.Context, q queryer, op, where, order string, args ...any) ([]txmgr.Record, error) {
	query := selectSendsSQL + " WHERE " + where + " ORDER BY " + order + "s.id, a.seq"
	rows, err := q.QueryContext(ctx, db.d.rebind(query), args...)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var (
		recs []txmgr.Record
		last int64
	)
	for rows.Next() {
		id, rec, a, err := scanSendRow(rows)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		if len(recs) == 0 || id != last {
			recs, last = append(recs, rec), id
		}
		if a != nil {
			r := &recs[len(recs)-1]
			r.Attempts = append(r.Attempts, *a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(op, err)
	}
	return recs, nil
}

// scanSendRow reads one row of sendColumns and attemptColumns; the attempt
// is nil if the send has none.
func scanSendRow(row rowScanner) (int64, txmgr.Record, *txmgr.Attempt, error) {
	var (
		id                           int64
		r                            txmgr.Record
		from, to, data               nullBytes
		nonce, incNumber, incGasUsed sql.NullInt64
		phase                        string
		incTx, incBlock              nullBytes
		incPrice                     sql.NullString
		created, updated             nullTime
		seq, aGas, aBlock            sql.NullInt64
		aHash, aRaw                  nullBytes
		aTip, aFeeCap                sql.NullString
		aCancel                      sql.NullBool
		aSent                        nullTime
	)
	err := row.Scan(&id, &r.Key, &from, &to, &data, &r.GasLimit, &nonce, &phase,
		&incTx, &incNumber, &incBlock, &incGasUsed, &incPrice,
		&r.Reason, &r.Tries, &created, &updated,
		&seq, &aHash, &aRaw, &aTip, &aFeeCap, &aGas, &aCancel, &aSent, &aBlock)
	if err != nil {
		return 0, r, nil, err
	}
	r.From, r.To = common.BytesToAddress(from.b), common.BytesToAddress(to.b)
	if data.valid {
		r.Data = data.b
	}
	r.Nonce, r.HasNonce = uint64(nonce.Int64), nonce.Valid
	r.Phase = txmgr.Phase(phase)
	r.CreatedAt, r.UpdatedAt = created.t, updated.t
	if incTx.valid {
		inc := &txmgr.Inclusion{
			TxHash:      common.BytesToHash(incTx.b),
			BlockNumber: uint64(incNumber.Int64),
			BlockHash:   common.BytesToHash(incBlock.b),
			GasUsed:     uint64(incGasUsed.Int64),
		}
		if inc.EffectiveGasPrice, err = parseBig("inc_gas_price", incPrice); err != nil {
			return 0, r, nil, err
		}
		r.Inclusion = inc
	}
	if !seq.Valid {
		return id, r, nil, nil
	}
	a := &txmgr.Attempt{
		Hash:      common.BytesToHash(aHash.b),
		Raw:       aRaw.b,
		GasLimit:  uint64(aGas.Int64),
		Cancel:    aCancel.Bool,
		SentAt:    aSent.t,
		SentBlock: uint64(aBlock.Int64),
	}
	if a.TipCap, err = parseBig("tip_cap", aTip); err != nil {
		return 0, r, nil, err
	}
	if a.FeeCap, err = parseBig("fee_cap", aFeeCap); err != nil {
		return 0, r, nil, err
	}
	return id, r, a, nil
}

// bigArg encodes an amount in wei as decimal text, nil as NULL.
func bigArg(op, what string, b *big.Int) (any, error) {
	if b == nil {
		return nil, nil
	}
	if b.Sign() < 0 {
		return nil, invalid(op, "%s %s is negative", what, b)
	}
	return b.String(), nil
}

func parseBig(col string, s sql.NullString) (*big.Int, error) {
	if !s.Valid {
		return nil, nil
	}
	b, ok := new(big.Int).SetString(s.String, 10)
	if !ok {
		return nil, fmt.Errorf("column %s holds %q, not a decimal number", col, truncate(s.String, 40))
	}
	return b, nil
}

// int64Arg refuses the uint64 values the databases cannot hold.
func int64Arg(op, what string, v uint64) (int64, error) {
	if v > math.MaxInt64 {
		return 0, invalid(op, "%s %d is above 2^63-1", what, v)
	}
	return int64(v), nil
}
