// Package worker moves queued anchors onto the chain: the River jobs of the
// anchoring lifecycle. What each step writes (batches, progress, failure,
// taking a lost write back, and their audit rows) is the domain's
// ledger.AnchorService; which chain the writes go to is a ledger.Chain
// chosen by package anchoring. This package only schedules.
//
// Approving or repaying a loan writes the record's anchor row and a River job
// in the same database transaction (the transactional outbox; see
// store.JobHook). This package runs the River client that works those jobs:
// in direct mode one chain write per anchor, in batch mode one per Merkle
// tree of up to BatchMax anchors. A periodic sweep picks up anything a crash
// left behind.
//
// Exactly-once rests on three things, outermost first: the store allows one
// anchor per loan and kind; every write is sent under an idempotency key
// ("anchor:<id>", "batch:<id>") through a ledger.ChainSender that finds a
// first send instead of making a second (an EVM chain journals the signed
// transaction before broadcasting it; a MultiChain stream is read back
// before publishing); and the chain itself refuses a second write of a
// record or a root.
//
// An unreachable chain (the sender's Unreachable: no connection, no answer
// in time) is a wait, not a failure: the job is snoozed with a capped,
// doubling delay that does not use up MaxRetries, Config.OnOutage hears of
// an outage that lasts OutageAlertAfter, and anchoring resumes by itself.
//
// Limits: jobs of one process run one at a time by default (one signer, one
// nonce sequence); Config.Concurrency lets a sender without nonces (a
// MultiChain stream) send several direct-mode records at once, a repayment
// waiting for its approval. Several processes must not send for the same
// signer at once — the caller holds the signer's lock (see cmd/aartha).
package worker
