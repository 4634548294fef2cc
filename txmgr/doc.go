// Package txmgr sends transactions for one signer so that each logical
// send (an idempotency key such as "anchor:42") ends with exactly one
// transaction nonce used, final on chain or failed with a reason (docs/finality.md).
//
// The parts:
//   - Decide, PlanFees, Backoff and GiveUp are the decision logic: a pure
//     state machine with time passed in, table-tested without a chain;
//   - Manager executes it against a Chain (evm.Client) with a Signer
//     (evm.KeySigner, or evm.ExternalSigner asking Clef or another signer
//     process), keeping its memory in a Journal (MemJournal here; the SQL
//     one in package store);
//   - journaltest is the conformance suite every Journal must pass.
//
// A send goes queued → submitted → included → final. Before a nonce is
// assigned the manager estimates gas (which is also how a revert is caught
// before anything is signed: the send fails with the decoded reason and is
// never retried) and checks fees against the cap: above it the send waits,
// says so in Progress.Note and Record.Reason, and proceeds when fees fall.
// Then, in this order: the journal assigns the nonce, the transaction is
// signed, the signed bytes are recorded, and only then broadcast. A crash
// anywhere therefore finds on restart either nothing signed (it signs with
// the same nonce) or the recorded transaction (rebroadcast, same hash) — never
// a second, different transaction. An attempt not mined within
// Policy.ResubmitBlocks blocks or Policy.ResubmitAfter is replaced with the
// same nonce and both fee caps raised by at least Policy.BumpPercent (≥10%,
// what nodes require), never above the cap. A transaction that leaves the
// chain in a reorg is broadcast again and followed until final again.
//
// Retries: errors before the nonce is assigned count towards
// Policy.MaxRetries, with exponential backoff, after which the send fails
// with the last error as its reason. Once a nonce is assigned the nonce is
// spoken for, and abandoning it would stall every later send behind the gap,
// so the manager keeps trying (with capped backoff, reporting each problem)
// until the transaction is final, reverts on chain, or another transaction
// takes the nonce. The one way a send with a nonce fails before being mined
// — its gas estimate reverting after a restart — fills the nonce with a
// 0-value transfer to self first. A signer refusing to sign (evm.IsRefusal:
// a Clef rule, an operator saying no) is the other: the nonce it was asked
// to sign for is filled the same way and the send fails with the signer's
// reason, without asking again. A refused replacement or no-op, or a signer
// out of reach, is retried like any problem after the nonce.
//
// Key rotation: a send recorded for another signer than the manager's (the
// key before a rotation) is never signed or broadcast by this manager; Send
// follows its journal record until a process holding that key finishes it
// (`aartha keys rotate` drains the old key's sends) and reports its outcome.
//
// Limits: one process per signer; the caller holds a lock for it (River
// leader election or a PostgreSQL advisory lock) — the manager does not
// check. Fees are EIP-1559 only (no legacy chains). A send waits on the cap
// indefinitely; alerting on Progress.Note or Metrics.FeeWait is the
// caller's job. Send blocks its caller until the send ends or ctx ends; a
// cancelled send stays unfinished in the journal for Resume. Blob and
// access-list transactions are not supported. The signing key never reaches
// the journal, logs or errors: Signer hides it.
package txmgr
