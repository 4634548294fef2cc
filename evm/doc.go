// Package evm talks to EVM chains through go-ethereum: it deploys the
// LoanRegistry contract (see package contracts) and describes the chain
// rules used by simulated chains.
//
// Deploy works against any JSON-RPC node through ethclient.Client and against
// go-ethereum's simulated backend. It signs with a raw private key handed in
// by the caller; where that key comes from (environment, file, keystore) is
// the caller's business, and nothing here logs or prints it.
//
// Limits: Deploy sends one creation transaction with fees suggested by the
// node and the gas limit estimated by it; it does not replace a transaction
// that is stuck, which is the transaction manager's job for anchors and an
// operator's for the one-off deployment. MainnetRules describes the forks
// active on Ethereum mainnet when this go-ethereum version was current and
// must be revisited when mainnet forks again.
package evm
