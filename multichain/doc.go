// Package multichain anchors loan records in a MultiChain stream: the
// backend for permissioned chains without EVM contracts (docs/multichain.md),
// chosen with BLOCKCHAIN_BACKEND=multichain.
//
// Client speaks JSON-RPC 1.0 as a MultiChain 2.3.3 node does (see
// testdata/real-node-transcript.txt and real-node-answers-2.md): HTTP POST
// with Basic auth, each call bounded by its own time limit
// (DefaultCallTimeout: chain reads 10 s, wallet calls 20 s, stream pages
// and transactions 60 s), params
// always an array, every RPC error as HTTP 500 with a JSON error body
// (*RPCError, matched with errors.Is against ErrNotSubscribed,
// ErrNoPermission, ErrStreamNotFound, ErrItemNotFound, ErrBadData, ...),
// unknown methods as 404, wrong credentials as 401 with an empty body
// (*AuthError, naming the host and never the password). Credentials come
// directly, from the URL's user info, or from a multichain.conf. A call
// that takes a txid is refused before it is sent unless the id is 64 hex
// digits: a malformed one has crashed a real node.
//
// Adapter writes one stream, from one address, and counts as its own only
// the items of its publishers: From and Options.Publishers (earlier
// publishers after a key rotation). Any other item is Foreign — anyone with
// <stream>.write may publish anything — and never blocks, stands for or
// contradicts one of ours:
//
//   - Init creates the stream write-restricted, subscribes the node and
//     grants the address send and <stream>.write, idempotently; Init and
//     Check first require From's key in the node's wallet (CheckWallet:
//     validateaddress ismine), since publishfrom would answer -709.
//   - Direct mode: one item per record, key = loan id, data
//     {"json":{"schema":"aartha.anchor/v1","kind":1|2,"loan_key":"0x…",
//     "commitment":"0x…"}}. Batch mode: one item per root, keys
//     "batch:<root hex>" and "aartha:batches", data {"json":{"schema":
//     "aartha.batch/v1","root":"0x…","leaf_count":n,"seq":n}}.
//   - Publishing reads the key's items back first (all pages) and returns
//     our existing item if it is already there, so a crash between publish
//     and record never publishes twice; foreign items are reported to
//     Options.OnForeign and otherwise ignored.
//   - AnchorRecord and AnchorBatch follow an item to finality (Options.
//     Confirmations deep), reporting submitted, included, final — and
//     submitted or included again after a reorg or an eviction.
//   - Items lists the whole stream for a rebuild; KeyItems one key.
//   - Verify checks a receipt with chain "multichain:<chain-name>": the
//     receipt's contract is the publisher, checked against the item (and
//     against VerifyOptions.Publishers when given). No receipt content
//     makes it return an error: what the node refuses is a failed check.
//
// Receipt mapping (the aartha.receipt/v1 fields are unchanged): tx_hash is
// the txid, block_number and block_hash the block holding it, log_index
// the transaction output holding the item (vout), and contract the 20-byte
// public key hash of the publishing address — the value inside a MultiChain
// address, whose version bytes and checksum differ per chain. The stream's
// name is not in the receipt; the verifier passes it (VerifyOptions.Stream).
//
// Limits, honestly:
//
//   - The chain enforces nothing about content. The EVM registry refuses a
//     second storeLoan, a repay of an unknown loan and a duplicate root;
//     here any address holding <stream>.write can publish anything. The
//     adapter refuses those cases itself before publishing, and Verify
//     checks that a direct item is the first of its loan and kind — but
//     only with VerifyOptions.Stream and a node subscribed to the stream;
//     otherwise the check is listed in Verification.Skipped.
//   - Batch sequence numbers are assigned by the adapter (last + 1), not by
//     the chain, so "no batch is missing" holds only if one publisher
//     writes the stream at a time (the worker's single-signer rule); a
//     reorg that reorders two pending batch items can put them out of
//     order on chain. Reconcile reports a number on chain twice as a
//     mismatch and a skipped one (not pending) as missing.
//   - Verify trusts the node it asks (there is no light-client proof); it
//     reads the transaction with getrawtransaction, which needs the node's
//     transaction index (on by default in MultiChain).
//   - PublisherHash extracts the hash without checking the address
//     checksum, since the checksum value is a per-chain parameter.
//   - Offchain items, stream read restrictions, native assets and
//     multi-signature publishers are not supported. Finality is depth only:
//     MultiChain has no finalized tag.
//   - Items past the node's maxshowndata are fetched with gettxoutdata,
//     one call per item.
//
// Errors: a node that cannot be reached or does not answer in time is a
// *TransportError (EUNAVAILABLE, not permanent: the worker waits for the
// node); a refusal that retrying cannot cure (permission, key not in the
// wallet, address of another chain, conflicting item) is permanent
// (IsPermanent).
//
// How the rest of the service uses it:
//
//   - Chain is the adapter behind ledger.Chain: Send drives the worker's
//     sends through AnchorRecord and AnchorBatch, mapping each Progress
//     onto a ledger.SendUpdate (TxHash = Item.TxID, block fields, LogIndex
//     = Item.Vout, BatchSeq = Item.Batch.Seq); audit rows name Chain() and
//     the stream. ScanWrites reads Head and Items for reconcile.Scan, into
//     the same chain index as the EVM event scan (mempool items: pending;
//     foreign items marked, reported as foreign).
//   - package anchoring: serve runs Check at start and a worker on the
//     Chain under the one-sender lock keyed on the From address; `aartha
//     multichain init` runs Init, `check` runs Check; the API, the UI and
//     `aartha verify` verify "multichain:" receipts with Verify; receipts
//     carry Chain() and Publisher(); the doctor asks Head and Check.
package multichain
