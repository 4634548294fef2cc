// Package evmchain is the EVM backend of ledger.Chain: the LoanRegistry on
// an EVM chain, written through the transaction manager (package txmgr:
// nonces, fees, replacement, finality) and read back from the registry's
// events (package evm).
//
// A direct-mode record is a storeLoan or markRepaid call, a batch root an
// anchorBatch call; each send's idempotency key is the transaction
// manager's, so a retry after a crash finds the first transaction.
// Opened without a transaction manager (Config.Manager nil), a Chain only
// reads: verify, reconcile, rebuild.
//
// Endpoint wraps one node for the doctor, which asks its connection errors
// and the registry's roles through it.
package evmchain
