// Package multichaintest is an in-process fake MultiChain 2.3.3 node for
// tests: an HTTP JSON-RPC server answering as the real node in
// ../testdata/real-node-transcript.txt does, which its own test replays.
//
// It also answers as ../testdata/real-node-answers-2.md records, which its
// test replays as well: -711 for a block height past the head; getstreamitem
// answering on a stream the node is not subscribed to; -710 for an unknown
// transaction in getrawtransaction; -5 for a from-address of another chain
// and -709 for one of this chain whose key is not in the wallet;
// listpermissions' "for" as {type, name, streamref}; the messages of create
// on an existing name, of subscribe and grant naming a missing entity, and
// -712 "Invalid vout"; validateaddress with ismine.
//
// It reproduces: Basic auth (401 with an empty body); every error as HTTP
// 500 with {"result":null,"error":{code,message}}, unknown methods as 404
// (-32601), wrong argument counts as -1 with a help text; streams created
// write-restricted or open, with -705 for a duplicate name; the node not
// subscribed to a stream it created (-703 on every read until subscribe);
// publish/publishfrom needing send and, on a restricted stream,
// <stream>.write (-704); -708 for an unknown stream, -710 for a txid not
// in the stream, -8 for data that is neither hex nor {"json"}/{"text"};
// liststreamitems/liststreamkeyitems with
// count 10 and start -count by default and paging by count/start; items
// in the mempool with confirmations 0 and no blocktime, then block hash,
// height, index and time once mined (Mine); verbose and plain item views;
// getrawtransaction with the stream items in its outputs; data over
// MaxShownData shown as a reference and served by gettxoutdata; and a
// crash — connection dropped, node gone — on a malformed txid.
//
// Hooks a test drives: Mine, MineEvery, Reorg (undo blocks, their
// transactions back to the mempool), DropPending (evict the mempool),
// Revoke, NewAddress, ExternalAddress (of the chain, not in the wallet),
// Down and Up (an outage), HangWallet (wallet calls stop answering), Calls
// (methods received), Crashed.
//
// Limits: one node, no peers, no consensus; permissions take effect at
// once (as on a single real node) and never expire; addresses are made in
// the transcript chain's format but no keys exist behind them; getinfo,
// getblockchaininfo and the transaction views carry only the fields the
// adapter and the replay read; offchain items, assets and the wallet's
// balances are absent.
package multichaintest
