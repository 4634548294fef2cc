// Package contracts holds the LoanRegistry Solidity contract, its build
// outputs and its Go bindings.
//
// LoanRegistry.sol is the source of truth. `go generate ./contracts/...`,
// run from the repository root after `npm ci` in this folder, rebuilds
// everything else:
//
//   - scripts/compile.js compiles the contract with the solc-js version pinned
//     in package-lock.json (0.8.37, optimizer on, evmVersion "cancun") and
//     writes build/LoanRegistry.abi.json, build/LoanRegistry.bin, the
//     self-contained standard-JSON input for block-explorer verification
//     (build/LoanRegistry.input.json) and the storage layout;
//   - abigen from the go-ethereum version in go.mod turns the ABI and
//     bytecode into loanregistry.go.
//
// The outputs are committed, and CI regenerates them and fails on any
// difference, so the bytecode in the bindings is always the one the source
// produces.
//
// The bindings are abigen's v2 flavour (--v2): a stateless LoanRegistry value
// packs calls and unpacks results, events and custom errors, and the generic
// helpers of github.com/ethereum/go-ethereum/accounts/abi/bind/v2 (Call,
// Transact, DeployContract, FilterEvents) run them against any
// bind.ContractBackend, whether an ethclient.Client for a real node or the
// simulated backend used in tests. v2 was chosen over the older v1 bindings
// because it generates a typed struct and an UnpackError method for every
// custom error, which is how callers tell LoanAlreadyStored from
// LoanNotFound without matching strings.
//
// Limits: the package holds no chain logic of its own. Gas figures are in
// GAS.md; the Merkle tree that batch mode anchors is built by the caller
// (the tests build one in Go and cross-check it against
// @openzeppelin/merkle-tree).
package contracts

//go:generate node scripts/compile.js
//go:generate go run github.com/ethereum/go-ethereum/cmd/abigen --v2 --abi build/LoanRegistry.abi.json --bin build/LoanRegistry.bin --pkg contracts --type LoanRegistry --out loanregistry.go
