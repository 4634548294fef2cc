// Package worker moves queued anchors onto the chain.
//
// Approving or repaying a loan writes the record's anchor row and a River job
// in the same database transaction (the transactional outbox; see
// store.JobHook). This package runs the River client that works those jobs:
// in direct mode one storeLoan/markRepaid transaction per anchor, in batch
// mode one anchorBatch transaction per Merkle tree of up to BatchMax anchors.
// A periodic sweep picks up anything a crash left behind.
//
// Exactly-once rests on three things, outermost first: the store allows one
// anchor per loan and kind; every transaction is sent under an idempotency
// key ("anchor:<id>", "batch:<id>") through a Sender that records the signed
// transaction before broadcasting it, so a retry finds the first send instead
// of making a second; and the registry itself refuses a second storeLoan of a
// loan or a second anchorBatch of a root.
//
// On a MultiChain stream (StreamSender) there is no transaction to journal:
// the sender publishes through multichain.Adapter, which reads the record's
// key (or the batch root's) back before publishing and takes the item it
// finds, so a retry completes the first item instead of publishing a second;
// the adapter also refuses what the registry would revert.
//
// An unreachable chain (Unreachable: no connection, no answer in time) is
// a wait, not a failure: the job is snoozed with a capped, doubling delay
// that does not use up MaxRetries, Config.OnOutage hears of an outage that
// lasts OutageAlertAfter, and anchoring resumes by itself.
//
// Limits: jobs of one process run one at a time by default (one signer, one
// nonce sequence); Config.Concurrency lets a sender without nonces (a
// MultiChain stream) send several direct-mode records at once, a repayment
// waiting for its approval. Several processes must not send for the same
// signer at once — the caller holds the signer's lock (see cmd/aartha).
package worker
