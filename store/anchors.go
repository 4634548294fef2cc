package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"

	ledger "github.com/aartha/ledger"
	"github.com/ethereum/go-ethereum/common"
)

const anchorColumns = `id, loan_id, kind, mode, loan_key, commitment, leaf, status,
	batch_id, proof, tx_hash, block_number, block_hash, log_index,
	attempts, last_error, created_at, updated_at, final_at`

const insertAnchorSQL = `INSERT INTO anchors (loan_id, kind, mode, loan_key, commitment, leaf, status,
	batch_id, proof, tx_hash, block_number, block_hash, log_index,
	attempts, last_error, created_at, updated_at, final_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

// updateAnchorSQL writes the fields that change on the way to the chain; the
// record's identity (loan, kind, mode, hashes) and created_at never change.
const updateAnchorSQL = `UPDATE anchors SET status = ?,
	batch_id = ?, proof = ?, tx_hash = ?, block_number = ?, block_hash = ?, log_index = ?,
	attempts = ?, last_error = ?, updated_at = ?, final_at = ?
	WHERE id = ?`

const batchColumns = `id, root, leaf_count, status, seq, tx_hash, block_number, block_hash, log_index,
	gas_used, gas_price_wei, attempts, last_error, created_at, updated_at, final_at`

const insertBatchSQL = `INSERT INTO batches (root, leaf_count, status, seq, tx_hash, block_number, block_hash, log_index,
	gas_used, gas_price_wei, attempts, last_error, created_at, updated_at, final_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

// updateBatchSQL writes every field but the id, root, leaf count and
// created_at, which fix what the batch is.
const updateBatchSQL = `UPDATE batches SET status = ?, seq = ?, tx_hash = ?, block_number = ?, block_hash = ?, log_index = ?,
	gas_used = ?, gas_price_wei = ?, attempts = ?, last_error = ?, updated_at = ?, final_at = ?
	WHERE id = ?`

// List sizes of Anchors and Batches.
const (
	defaultAnchorLimit = 100
	maxAnchorLimit     = 10_000
)

func validAnchorStatus(s ledger.AnchorStatus) bool {
	switch s {
	case ledger.AnchorQueued, ledger.AnchorSubmitted, ledger.AnchorIncluded, ledger.AnchorFinal, ledger.AnchorFailed:
		return true
	}
	return false
}

func statusError(s ledger.AnchorStatus) error {
	return ledger.Errorf(ledger.EINVALID, "status %q is unknown: use queued, submitted, included, final or failed", truncate(string(s), 40))
}

// kindArticle returns "an approved" or "a repaid".
func kindArticle(k ledger.Kind) string {
	if k == ledger.KindApproved {
		return "an " + k.String()
	}
	return "a " + k.String()
}

// hashArg stores the zero hash as NULL.
func hashArg(h common.Hash) any {
	if h == (common.Hash{}) {
		return nil
	}
	return h.Bytes()
}

// uintArg stores 0 as NULL. Values above 2^63-1 are refused by database/sql.
func uintArg(v uint64) any {
	if v == 0 {
		return nil
	}
	return v
}

// inclusionArgs encodes block number, block hash and log index. The log
// index is kept only with a block hash (0 is a valid index, so it cannot
// stand for "unknown" by itself).
func inclusionArgs(what string, number uint64, hash common.Hash, logIndex uint) (n, h, i any, err error) {
	if hash == (common.Hash{}) {
		if logIndex != 0 {
			return nil, nil, nil, ledger.Errorf(ledger.EINVALID, "%s has log index %d but no block hash: set both, or clear both", what, logIndex)
		}
		return uintArg(number), nil, nil, nil
	}
	return uintArg(number), hash.Bytes(), uint64(logIndex), nil
}

// proofArg encodes a Merkle proof as its hashes concatenated: nil is NULL,
// an empty proof (a batch of one) is an empty value.
func proofArg(p []common.Hash) any {
	if p == nil {
		return nil
	}
	b := make([]byte, 0, len(p)*common.HashLength)
	for _, h := range p {
		b = append(b, h.Bytes()...)
	}
	return b
}

// nullBytes scans a nullable BLOB/BYTEA, telling NULL from an empty value.
type nullBytes struct {
	b     []byte
	valid bool
}

func (n *nullBytes) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n = nullBytes{}
	case []byte:
		*n = nullBytes{b: append([]byte{}, v...), valid: true}
	case string:
		*n = nullBytes{b: []byte(v), valid: true}
	default:
		return fmt.Errorf("store: unsupported bytes type %T", src)
	}
	return nil
}

func (n nullBytes) hash(col string) (common.Hash, error) {
	switch len(n.b) {
	case 0:
		return common.Hash{}, nil
	case common.HashLength:
		return common.BytesToHash(n.b), nil
	}
	return common.Hash{}, fmt.Errorf("column %s holds %d bytes, not a 32-byte hash", col, len(n.b))
}

func (n nullBytes) proof() ([]common.Hash, error) {
	if !n.valid {
		return nil, nil
	}
	if len(n.b)%common.HashLength != 0 {
		return nil, fmt.Errorf("column proof holds %d bytes, not a list of 32-byte hashes", len(n.b))
	}
	p := make([]common.Hash, len(n.b)/common.HashLength)
	for i := range p {
		p[i] = common.BytesToHash(n.b[i*common.HashLength : (i+1)*common.HashLength])
	}
	return p, nil
}

// scanAnchor reads one row of anchorColumns.
func scanAnchor(row rowScanner) (*ledger.Anchor, error) {
	var (
		a                              ledger.Anchor
		kind                           int64
		status                         string
		batchID, blockNumber, logIndex sql.NullInt64
		loanKey, commitment, leaf      nullBytes
		proof, txHash, blockHash       nullBytes
		created, updated, final        nullTime
	)
	err := row.Scan(&a.ID, &a.LoanID, &kind, &a.Mode, &loanKey, &commitment, &leaf, &status,
		&batchID, &proof, &txHash, &blockNumber, &blockHash, &logIndex,
		&a.Attempts, &a.LastError, &created, &updated, &final)
	if err != nil {
		return nil, err
	}
	a.Kind, a.Status = ledger.Kind(kind), ledger.AnchorStatus(status)
	a.BatchID, a.BlockNumber, a.LogIndex = batchID.Int64, uint64(blockNumber.Int64), uint(logIndex.Int64)
	a.CreatedAt, a.UpdatedAt, a.FinalAt = created.t, updated.t, final.ptr()
	for _, h := range []struct {
		dst *common.Hash
		src nullBytes
		col string
	}{
		{&a.LoanKey, loanKey, "loan_key"}, {&a.Commitment, commitment, "commitment"}, {&a.Leaf, leaf, "leaf"},
		{&a.TxHash, txHash, "tx_hash"}, {&a.BlockHash, blockHash, "block_hash"},
	} {
		if *h.dst, err = h.src.hash(h.col); err != nil {
			return nil, err
		}
	}
	if a.Proof, err = proof.proof(); err != nil {
		return nil, err
	}
	return &a, nil
}

// scanBatch reads one row of batchColumns.
func scanBatch(row rowScanner) (*ledger.Batch, error) {
	var (
		b                                   ledger.Batch
		status                              string
		seq, blockNumber, logIndex, gasUsed sql.NullInt64
		gasPrice                            sql.NullString
		root, txHash, blockHash             nullBytes
		created, updated, final             nullTime
	)
	err := row.Scan(&b.ID, &root, &b.LeafCount, &status, &seq, &txHash, &blockNumber, &blockHash, &logIndex,
		&gasUsed, &gasPrice, &b.Attempts, &b.LastError, &created, &updated, &final)
	if err != nil {
		return nil, err
	}
	b.Status = ledger.BatchStatus(status)
	b.Seq, b.BlockNumber, b.LogIndex, b.GasUsed = uint64(seq.Int64), uint64(blockNumber.Int64), uint(logIndex.Int64), uint64(gasUsed.Int64)
	b.GasPriceWei = gasPrice.String
	b.CreatedAt, b.UpdatedAt, b.FinalAt = created.t, updated.t, final.ptr()
	if b.Root, err = root.hash("root"); err != nil {
		return nil, err
	}
	if b.TxHash, err = txHash.hash("tx_hash"); err != nil {
		return nil, err
	}
	if b.BlockHash, err = blockHash.hash("block_hash"); err != nil {
		return nil, err
	}
	return &b, nil
}

// anchorQuery builds the listing of anchors matching f, oldest first, with
// suffix appended (a lock clause).
func (d *dialect) anchorQuery(f ledger.AnchorFilter, suffix string) (string, []any, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = defaultAnchorLimit
	case limit < 1 || limit > maxAnchorLimit:
		return "", nil, ledger.Errorf(ledger.EINVALID, "limit %d is out of range: ask for 1 to %d anchors", f.Limit, maxAnchorLimit)
	}
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where, args = append(where, cond), append(args, arg)
	}
	switch {
	case f.ID < 0:
		return "", nil, ledger.Errorf(ledger.EINVALID, "anchor id %d is negative", f.ID)
	case f.ID > 0:
		add("id = ?", f.ID)
	}
	if f.LoanID != "" {
		if err := ledger.ValidateLoanID(f.LoanID); err != nil {
			return "", nil, err
		}
		add("loan_id = ?", f.LoanID)
	}
	if f.Status != "" {
		if !validAnchorStatus(f.Status) {
			return "", nil, statusError(f.Status)
		}
		add("status = ?", string(f.Status))
	}
	if f.Mode != "" {
		if f.Mode != ledger.ModeDirect && f.Mode != ledger.ModeBatch {
			return "", nil, ledger.Errorf(ledger.EINVALID, "mode %q is unknown: use direct or batch", truncate(f.Mode, 40))
		}
		add("mode = ?", f.Mode)
	}
	if f.FromBlock > 0 {
		if f.FromBlock > math.MaxInt64 {
			return "", nil, ledger.Errorf(ledger.EINVALID, "block %d is out of range", f.FromBlock)
		}
		add("block_number >= ?", int64(f.FromBlock))
	}
	switch {
	case f.BatchID < 0:
		return "", nil, ledger.Errorf(ledger.EINVALID, "batch id %d is negative", f.BatchID)
	case f.BatchID > 0 && f.Unbatched:
		return "", nil, ledger.Errorf(ledger.EINVALID, "a filter cannot ask for batch %d and for unbatched anchors at once", f.BatchID)
	case f.BatchID > 0:
		add("batch_id = ?", f.BatchID)
	case f.Unbatched:
		if f.Mode == ledger.ModeDirect {
			return "", nil, ledger.Errorf(ledger.EINVALID, "a filter cannot ask for unbatched anchors in direct mode: only batch-mode anchors are batched")
		}
		// Written to match the partial index anchors_unbatched_idx.
		where = append(where, "mode = 'batch'", "batch_id IS NULL")
	}
	q := "SELECT " + anchorColumns + " FROM anchors"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id LIMIT ?" + suffix
	args = append(args, limit)
	return d.rebind(q), args, nil
}

// Anchors returns at most f.Limit anchors matching f (0: 100), oldest first.
// It returns EINVALID for a limit outside 1..10,000, an unknown status or
// mode, an invalid loan id, a negative batch id, or a filter that asks for a
// batch and for unbatched anchors at once.
func (db *DB) Anchors(ctx context.Context, f ledger.AnchorFilter) ([]*ledger.Anchor, error) {
	q, args, err := db.d.anchorQuery(f, "")
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, db, "list anchors", q, args, scanAnchor)
}

// AnchorsForUpdate is Anchors inside the transaction. On PostgreSQL the rows
// it returns stay locked (SELECT ... FOR UPDATE) until the transaction ends,
// so a concurrent caller waits and then reads the committed result; on
// SQLite the transaction already holds the database's write lock.
func (t *tx) AnchorsForUpdate(ctx context.Context, f ledger.AnchorFilter) ([]*ledger.Anchor, error) {
	q, args, err := t.db.d.anchorQuery(f, t.db.d.forUpdate)
	if err != nil {
		return nil, err
	}
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	rows, err := t.tx.QueryContext(ctx, q, args...)
	return collectRows(t.db, "list anchors for update", rows, err, scanAnchor)
}

// QueueAnchor inserts a, which must be queued, and sets a.ID. Then, if the
// store has a JobHook, it calls the hook in the same transaction; the hook's
// error is returned (wrapped, its code kept), and the caller's returning it
// from InTx rolls back the anchor with everything else.
//
// It returns ECONFLICT if the loan already has an anchor of a's kind,
// ENOTFOUND if there is no such loan (or, for a batched anchor, no such
// batch), and EINVALID for a status other than queued or a value the table
// refuses.
func (t *tx) QueueAnchor(ctx context.Context, a *ledger.Anchor) error {
	if err := ledger.ValidateLoanID(a.LoanID); err != nil {
		return err
	}
	if a.Status != ledger.AnchorQueued {
		return ledger.Errorf(ledger.EINVALID, "anchor for loan %s has status %q: only queued anchors can be queued", a.LoanID, truncate(string(a.Status), 40))
	}
	if err := t.insertAnchor(ctx, a, "queue"); err != nil {
		return err
	}
	if h := t.db.hook; h != nil {
		if err := h.AnchorQueued(ctx, t.tx, a); err != nil {
			return fmt.Errorf("enqueue job for anchor %d: %w", a.ID, err)
		}
	}
	return nil
}

// insertAnchor inserts a as it is and sets a.ID, mapping the table's
// refusals onto domain errors; op names the operation in other errors.
func (t *tx) insertAnchor(ctx context.Context, a *ledger.Anchor, op string) error {
	what := fmt.Sprintf("%s anchor for loan %s", a.Kind, a.LoanID)
	number, hash, logIndex, err := inclusionArgs(what, a.BlockNumber, a.BlockHash, a.LogIndex)
	if err != nil {
		return err
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	d := t.db.d
	var batchID any
	if a.BatchID != 0 {
		batchID = a.BatchID
	}
	err = t.queryRow(ctx, t.db.q.insertAnchor,
		a.LoanID, int64(a.Kind), a.Mode, a.LoanKey.Bytes(), a.Commitment.Bytes(), a.Leaf.Bytes(), string(a.Status),
		batchID, proofArg(a.Proof), hashArg(a.TxHash), number, hash, logIndex,
		a.Attempts, a.LastError, d.timeArg(a.CreatedAt), d.timeArg(a.UpdatedAt), d.nullTimeArg(a.FinalAt)).Scan(&a.ID)
	switch classify(err) {
	case errUnique:
		return ledger.Errorf(ledger.ECONFLICT, "loan %s already has %s anchor", a.LoanID, kindArticle(a.Kind))
	case errForeignKey:
		if a.BatchID != 0 {
			return ledger.Errorf(ledger.ENOTFOUND, "loan %s or batch %d not found", a.LoanID, a.BatchID)
		}
		return ledger.Errorf(ledger.ENOTFOUND, "loan %s not found", a.LoanID)
	case errCheck:
		return ledger.Errorf(ledger.EINVALID, "%s breaks a rule of the anchors table: %v", what, err)
	}
	if err != nil {
		return t.db.wrap(op+" "+what, err)
	}
	return nil
}

// UpdateAnchor writes a's status, batch and proof, chain fields, attempts,
// last error and times; the record it anchors (loan, kind, mode, hashes) and
// its creation time never change. It returns ENOTFOUND if there is no anchor
// with a's id or a names a batch that does not exist, and EINVALID for a
// value the table refuses or a log index without a block hash.
func (t *tx) UpdateAnchor(ctx context.Context, a *ledger.Anchor) error {
	what := fmt.Sprintf("anchor %d", a.ID)
	number, hash, logIndex, err := inclusionArgs(what, a.BlockNumber, a.BlockHash, a.LogIndex)
	if err != nil {
		return err
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	d := t.db.d
	var batchID any
	if a.BatchID != 0 {
		batchID = a.BatchID
	}
	res, err := t.tx.ExecContext(ctx, d.rebind(updateAnchorSQL),
		string(a.Status), batchID, proofArg(a.Proof), hashArg(a.TxHash), number, hash, logIndex,
		a.Attempts, a.LastError, d.timeArg(a.UpdatedAt), d.nullTimeArg(a.FinalAt), a.ID)
	switch classify(err) {
	case errForeignKey:
		return ledger.Errorf(ledger.ENOTFOUND, "batch %d of %s not found", a.BatchID, what)
	case errCheck:
		return ledger.Errorf(ledger.EINVALID, "%s breaks a rule of the anchors table: %v", what, err)
	}
	return t.db.rowsChanged("update "+what, res, err, what)
}

// rowsChanged turns the result of an UPDATE by id into ENOTFOUND when no row
// matched.
func (db *DB) rowsChanged(op string, res sql.Result, err error, what string) error {
	if err != nil {
		return db.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.wrap(op, err)
	}
	if n == 0 {
		return ledger.Errorf(ledger.ENOTFOUND, "%s not found", what)
	}
	return nil
}

// CreateBatch inserts b and sets b.ID. It returns ECONFLICT if a batch with
// b's root (or b's sequence number, if set) exists, and EINVALID for a value
// the table refuses.
func (t *tx) CreateBatch(ctx context.Context, b *ledger.Batch) error {
	what := fmt.Sprintf("batch with root %s", b.Root.Hex())
	number, hash, logIndex, err := inclusionArgs(what, b.BlockNumber, b.BlockHash, b.LogIndex)
	if err != nil {
		return err
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	d := t.db.d
	var id int64
	err = t.tx.QueryRowContext(ctx, d.rebind(insertBatchSQL),
		b.Root.Bytes(), b.LeafCount, string(b.Status), uintArg(b.Seq), hashArg(b.TxHash), number, hash, logIndex,
		uintArg(b.GasUsed), gasPriceArg(b.GasPriceWei), b.Attempts, b.LastError,
		d.timeArg(b.CreatedAt), d.timeArg(b.UpdatedAt), d.nullTimeArg(b.FinalAt)).Scan(&id)
	switch classify(err) {
	case errUnique:
		if b.Seq != 0 {
			return ledger.Errorf(ledger.ECONFLICT, "a batch with root %s or sequence number %d already exists", b.Root.Hex(), b.Seq)
		}
		return ledger.Errorf(ledger.ECONFLICT, "a batch with root %s already exists", b.Root.Hex())
	case errCheck:
		return ledger.Errorf(ledger.EINVALID, "%s breaks a rule of the batches table: %v", what, err)
	}
	if err != nil {
		return t.db.wrap("create "+what, err)
	}
	b.ID = id
	return nil
}

// gasPriceArg stores an unknown ("") gas price as NULL.
func gasPriceArg(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Batch returns the batch with the given id, or ENOTFOUND.
func (db *DB) Batch(ctx context.Context, id int64) (*ledger.Batch, error) {
	q := db.d.rebind("SELECT " + batchColumns + " FROM batches WHERE id = ?")
	return db.batch(db.r.QueryRowContext(ctx, q, id), id)
}

// BatchForUpdate returns the batch and, on PostgreSQL, locks its row until
// the transaction ends. It returns ENOTFOUND if there is no such batch.
func (t *tx) BatchForUpdate(ctx context.Context, id int64) (*ledger.Batch, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	q := t.db.d.rebind("SELECT " + batchColumns + " FROM batches WHERE id = ?" + t.db.d.forUpdate)
	return t.db.batch(t.tx.QueryRowContext(ctx, q, id), id)
}

func (db *DB) batch(row *sql.Row, id int64) (*ledger.Batch, error) {
	b, err := scanBatch(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ledger.Errorf(ledger.ENOTFOUND, "batch %d not found", id)
	case err != nil:
		return nil, db.wrap(fmt.Sprintf("get batch %d", id), err)
	}
	return b, nil
}

// UpdateBatch writes every field of b except its id, root, leaf count and
// creation time. It returns ENOTFOUND if there is no batch with b's id,
// ECONFLICT if another batch has b's sequence number, and EINVALID for a
// value the table refuses or a log index without a block hash.
func (t *tx) UpdateBatch(ctx context.Context, b *ledger.Batch) error {
	what := fmt.Sprintf("batch %d", b.ID)
	number, hash, logIndex, err := inclusionArgs(what, b.BlockNumber, b.BlockHash, b.LogIndex)
	if err != nil {
		return err
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	d := t.db.d
	res, err := t.tx.ExecContext(ctx, d.rebind(updateBatchSQL),
		string(b.Status), uintArg(b.Seq), hashArg(b.TxHash), number, hash, logIndex,
		uintArg(b.GasUsed), gasPriceArg(b.GasPriceWei), b.Attempts, b.LastError,
		d.timeArg(b.UpdatedAt), d.nullTimeArg(b.FinalAt), b.ID)
	switch classify(err) {
	case errUnique:
		return ledger.Errorf(ledger.ECONFLICT, "batch sequence number %d already belongs to another batch", b.Seq)
	case errCheck:
		return ledger.Errorf(ledger.EINVALID, "%s breaks a rule of the batches table: %v", what, err)
	}
	return t.db.rowsChanged("update "+what, res, err, what)
}

// Batches returns at most limit batches (0: 100) with the given status, or
// of every status if it is empty, newest first. It returns EINVALID for an
// unknown status or a limit outside 1..10,000.
func (db *DB) Batches(ctx context.Context, status ledger.BatchStatus, limit int) ([]*ledger.Batch, error) {
	n := limit
	switch {
	case n == 0:
		n = defaultAnchorLimit
	case n < 1 || n > maxAnchorLimit:
		return nil, ledger.Errorf(ledger.EINVALID, "limit %d is out of range: ask for 1 to %d batches", limit, maxAnchorLimit)
	}
	q := "SELECT " + batchColumns + " FROM batches"
	var args []any
	if status != "" {
		if !validAnchorStatus(status) {
			return nil, statusError(status)
		}
		q += " WHERE status = ?"
		args = append(args, string(status))
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, n)
	return queryAll(ctx, db, "list batches", db.d.rebind(q), args, scanBatch)
}
