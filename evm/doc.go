// Package evm talks to EVM chains through go-ethereum: a JSON-RPC Client
// with failover from a primary to a backup endpoint, typed reads of a
// deployed LoanRegistry (Registry) and calldata for its writes, revert
// decoding, transaction signers — a key in memory (KeySigner, also loaded
// from an encrypted keystore) or another process holding it
// (ExternalSigner: Clef's account_signTransaction or eth_signTransaction,
// with ClefRules for Clef's rule engine) — deployment, and the chain rules
// used by simulated chains (MainnetRules).
//
// Client sends every call to the primary; on a connection-level failure it
// repeats the call on the backup and leaves the primary alone for a
// cool-down. Node answers (reverts, "nonce too low", "not found") never fail
// over. Error messages name endpoints by scheme and host only, because
// provider URLs often carry API keys.
//
// Keys: Deploy and KeySigner hold a raw private key handed in by the
// caller; where it comes from (environment, file, keystore) is the caller's
// business, and nothing here logs or prints it — KeySigner prints as its
// address under every fmt verb. ExternalSigner holds no key: it checks that
// the signer returned exactly the transaction it asked for, from the
// configured account, and reports a signer's refusal as a RefusalError
// (permanent: asking again will not help) apart from a signer out of reach
// (worth retrying). It does not call the signer until the first SignTx, so
// a misconfigured URL shows there, not at start.
//
// Limits: Client polls (HTTP); log subscriptions go to the primary only.
// Failover is per call, so a caller reading several values may get them from
// different nodes at slightly different heights; callers that care compare
// block numbers. Deploy sends one creation transaction with fees suggested
// by the node and does not replace it if it gets stuck (the transaction
// manager, package txmgr, does that for anchors). Registry reads the latest
// block. MainnetRules describes the forks active on Ethereum mainnet when
// this go-ethereum version was current and must be revisited when mainnet
// forks again.
package evm
