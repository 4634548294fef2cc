// Package simchain runs the embedded development chain: go-ethereum's
// execution client in process, driven by its simulated beacon, with the
// LoanRegistry deployed at start, so that `aartha serve` anchors with no
// configuration at all.
//
// What it is:
//   - chain id 1337, the execution rules Ethereum mainnet runs today
//     (evm.MainnetRules), so gas figures mean something;
//   - one development account, funded at genesis, whose key is derived from
//     the public DevSeed: keccak256(DevSeed). It is the registry's admin and
//     anchorer. It is public knowledge by design: never use it, or the
//     chain, for anything but development;
//   - a block is sealed as soon as a transaction arrives, and with
//     Options.BlockPeriod also every period, so that anchors gain
//     confirmations without other traffic (Options.Manual turns mining off
//     for tests, which then call Commit);
//   - with Options.DataDir set, the chain lives in that folder like
//     `geth --dev --datadir` and survives restarts: the registry is found
//     again at RegistryAddress (the dev account's first deployment). With no
//     DataDir it is in memory and starts fresh every time, which Start logs
//     as a warning: everything anchored before is gone and must be
//     re-anchored;
//   - with Options.RPCAddr set (loopback only), it answers standard Ethereum
//     JSON-RPC over HTTP (eth, net, web3) so that wallets, ethers/web3
//     scripts and `aartha verify --rpc` can inspect it. Off by default; the
//     caller keeps it off in production.
//
// Test hooks: Commit, SetAutoMine, SetMinerTip (to make a transaction too
// cheap to be mined), AdjustTime and Reorg (to replace recent blocks and
// optionally drop their transactions).
//
// Limits: one node, no peers, no proof-of-stake finality beyond what the
// simulated beacon fakes (it moves the "finalized" tag every 32 blocks). A
// crash (as opposed to Stop) may lose the most recent blocks, as with geth;
// the transaction manager sees that as a reorg and sends again. The folder
// is locked while the chain runs, so two processes cannot share it.
package simchain
