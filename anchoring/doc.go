// Package anchoring turns configuration into the chain side of the
// service and runs it.
//
// It is the one place that knows which chains exist: Open picks the
// ledger.Chain BLOCKCHAIN_BACKEND names (an EVM chain through package
// evmchain — the embedded development chain when no RPC URL is set — or a
// MultiChain stream), and OpenReader, Verify and Diagnose do the same for
// reconcile and rebuild, `aartha verify` and the doctor. A further backend
// is one package implementing ledger.Chain plus one case here.
//
// Start runs anchoring: the chain, the worker, and the sender lock that
// lets exactly one replica send for an account (the others queue anchors
// and take over within about three seconds when the sender stops or dies).
// RotateKey is the grant-drain-revoke rotation of the anchoring key.
//
// Limits: Open dials and checks; it does not deploy a registry (aartha
// deploy) or create a stream (aartha multichain init). Key rotation is for
// EVM registries only: a MultiChain publisher's rights are the node's.
package anchoring
