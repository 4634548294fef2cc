// Package store keeps the ledger's loans, audit trail, anchors and batches
// in SQLite or PostgreSQL behind one type, DB, which implements ledger.Store,
// and the transaction manager's journal (DB.TxJournal, a txmgr.Journal).
//
// OpenSQLite opens the embedded default, a file in the data folder, through
// the pure-Go modernc.org/sqlite driver (no cgo). OpenPostgres opens a
// PostgreSQL database through pgx, used via database/sql (pgx's stdlib
// adapter) so that both databases share one code path and the differences
// (placeholders, locking, value types, error codes, migration locking) sit
// in one small dialect value. pgx still prepares and caches every statement
// per connection, so database/sql costs no extra round trips.
//
// The schema comes from numbered SQL files embedded in the binary
// (migrations/sqlite, migrations/postgres; the two sets have the same
// names). Migrate applies the missing ones, each in its own transaction
// together with its row in schema_migrations, so a migration that fails
// leaves nothing behind. CheckSchema tells a server whether it may start.
// One conformance suite (store_test.go) runs every test against both
// databases.
//
// Limits, stated plainly:
//
//   - SQLite has one writer. Transactions are serialised on a single
//     connection (BEGIN IMMEDIATE); they queue rather than fail, so a slow
//     transaction delays every other write. Reads run in parallel on a pool
//     of read-only connections (WAL mode).
//   - SQLite runs with synchronous=NORMAL in WAL mode: the database is never
//     corrupted, and a crash of the process loses nothing, but a power cut
//     or operating-system crash can lose the last transactions committed
//     before it. synchronous=FULL would fsync on every commit: on the
//     benchmark machine that halves approval throughput (BENCHMARKS.md), and
//     on disks with slow fsync it costs far more. Use PostgreSQL where the
//     last second of writes must survive a power cut.
//   - A damaged SQLite file is caught when it is opened only if its header is
//     wrong ("not an Aartha SQLite database"); damage deeper in the file
//     shows up when the damaged page is read, as an EINTERNAL error saying to
//     restore a backup. OpenSQLite does not run an integrity check, whose
//     cost grows with the file.
//   - On PostgreSQL transactions run at READ COMMITTED; LoanForUpdate locks
//     the loan's row (SELECT ... FOR UPDATE). Deadlocks and serialisation
//     failures are returned, not retried.
//   - On PostgreSQL Tx.UpdateLoan is held back and sent together with the
//     next statement of the transaction (normally the audit row, in one
//     statement, saving a round trip), or before the commit. Its errors can
//     therefore come from that next call or from InTx.
//   - Timestamps are stored in UTC with microsecond precision.
//   - Audit before/after documents are JSONB on PostgreSQL (keys reordered,
//     spacing dropped) and text on SQLite: compare them as JSON, not as bytes.
//   - Loans are listed newest first by an internal creation sequence. On
//     PostgreSQL sequence numbers are taken when a loan is inserted, not when
//     its transaction commits, so a client paging at that moment can miss a
//     loan created concurrently; a new listing shows it.
//   - LoanFilter.BlockchainStatus matches the approval record's chain status,
//     not the repayment's. IDPrefix is case-sensitive and accepts only the
//     characters of loan ids.
//   - The audit trail is append-only: the store has no way to delete rows.
//     Rows are appended unsealed (no chain hash) and chained afterwards by
//     the sealer (AuditSealer, SealAudit; see auditseal.go): until then
//     AuditEntry.PrevHash and Hash are empty, and the row is not protected.
//     On PostgreSQL a row is sealed once it is older than the grace period
//     (10 s) by the database's clock; on SQLite at the sealer's next pass.
//   - Anchors: at most one per loan and kind (UNIQUE (loan_id, kind)), and
//     only for an existing loan. Hashes are 32-byte BLOB/BYTEA; a zero hash
//     (a transaction not sent, a block not seen) is stored as NULL, as are
//     a block number, batch id, batch sequence number or gas used of 0 and
//     an empty gas price. A log index is kept only together with a block
//     hash, since 0 is a real index: UpdateAnchor and UpdateBatch refuse a
//     non-zero log index without a block hash (EINVALID).
//   - A Merkle proof is stored as its sibling hashes concatenated (32 bytes
//     each, in order), NULL for a nil proof and an empty value for the empty
//     proof of a batch of one; both read back as they were written.
//   - A JobHook (SetJobHook) runs inside QueueAnchor's transaction with its
//     *sql.Tx, so a job queue in the same database (River) enqueues the
//     anchoring job atomically with the anchor. On SQLite, River must use
//     SQLDB(), the one writer connection, and nothing else.
//   - AnchorsForUpdate and BatchForUpdate lock rows with FOR UPDATE on
//     PostgreSQL (no SKIP LOCKED: concurrent callers wait, then see the
//     committed result); SQLite's write lock already serialises them.
//   - The transaction journal (TxJournal) keeps sends in tx_sends, their
//     signed transactions in tx_attempts and each signer's next nonce in
//     tx_nonces; each method is one committed transaction. AssignNonce
//     locks the send's row (FOR UPDATE on PostgreSQL) and advances the
//     signer's counter with one upsert, which locks the counter row until
//     the commit; UNIQUE (from_addr, nonce) guards against two sends
//     sharing a nonce even if the counter were edited by hand. Amounts in
//     wei are decimal text; nonces, gas and block numbers above 2^63-1 are
//     refused (EINVALID). A transaction hash belongs to one send: recording
//     it for another is ECONFLICT. Nothing is ever deleted from the
//     journal: final and failed sends stay, as the record of what was sent.
//   - Migrations only go forward; there are no down migrations.
package store
