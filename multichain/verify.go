package multichain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// VerifyOptions narrow what Verify accepts.
type VerifyOptions struct {
	// Stream, if set, is the stream (name or creation txid) the item must
	// be in; the receipt itself does not name it. With it, and a node
	// subscribed to the stream, Verify also checks that the item is the
	// first of its loan and kind among the items of its publishers (the
	// first item wins, as the EVM registry refuses a second).
	Stream string
	// Publishers, if set, are the public key hashes whose items the
	// verifier accepts (the service passes its own: From and
	// MULTICHAIN_PUBLISHERS): the receipt's contract must be one of them.
	// Without it the receipt's contract is taken as the publisher to
	// check, and the verifier must compare it with the publisher it trusts.
	Publishers []common.Address
}

// Verify checks a proof receipt whose chain is "multichain:<name>" against
// a node, trusting nothing but the record and salt in it. The mapping onto
// the stable receipt fields: tx_hash is the txid, block_hash and
// block_number the block holding it, log_index the transaction output that
// holds the stream item, and contract the 20-byte public key hash of the
// publishing address (MultiChain addresses encode it with per-chain version
// bytes; the hash is what stays comparable). It recomputes the commitment
// (and leaf and root) offline, reads the transaction with getrawtransaction
// (no wallet, no subscription needed), checks the block at block_number
// is block_hash, and the item's stream, publisher, keys and payload. A
// mismatch is a Verification with Verified false and the failing checks.
// No content of a receipt makes Verify fail: a field the node refuses (a
// block number past the head, an unknown txid, a missing output) is a
// failed check with the node's reason. An error means the node could not
// be asked (no answer, wrong credentials, still warming up).
//
// Only items of the receipt's publisher (the contract field, and one of
// opts.Publishers when given) count: a foreign item never proves one of
// our records, and never makes one of ours second of its kind.
func Verify(ctx context.Context, c *Client, r *ledger.Receipt, opts VerifyOptions) (*ledger.Verification, error) {
	v := &ledger.Verification{}
	fp, err := r.CheckOffline()
	if !v.Compare("record matches commitment, loan key and proof", "consistent", okOr(err)) {
		return v.Conclude(), nil
	}
	info, err := c.BlockchainInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify receipt: chain info: %w", err)
	}
	if !v.Compare("chain", r.Chain, ChainPrefix+info.ChainName) {
		return v.Conclude(), nil
	}
	if len(opts.Publishers) > 0 {
		found := "not one of " + joinHex(opts.Publishers)
		if slices.Contains(opts.Publishers, r.Contract) {
			found = r.Contract.Hex()
		}
		v.Compare("publisher is ours", r.Contract.Hex(), found)
	}
	tx, err := c.RawTransaction(ctx, r.TxHash)
	switch {
	case errors.Is(err, ErrTxUnknown):
		v.Compare("transaction", TxIDString(r.TxHash), "not found on chain")
		return v.Conclude(), nil
	case refused(err):
		v.Compare("transaction", TxIDString(r.TxHash), "refused by the node: "+refusal(err))
		return v.Conclude(), nil
	case err != nil:
		return nil, fmt.Errorf("verify receipt: transaction %s: %w", TxIDString(r.TxHash), err)
	}
	v.Confirmations = tx.Confirmations
	found := "not in a block"
	if tx.BlockHash != "" {
		found = tx.BlockHash
	}
	v.Compare("block hash", TxIDString(r.BlockHash), found)
	atHeight, err := c.BlockHash(ctx, r.BlockNumber)
	switch {
	case errors.Is(err, ErrBlockOutOfRange):
		v.Compare(fmt.Sprintf("block at height %d", r.BlockNumber), TxIDString(r.BlockHash), "beyond the chain head")
	case refused(err):
		v.Compare(fmt.Sprintf("block at height %d", r.BlockNumber), TxIDString(r.BlockHash), "refused by the node: "+refusal(err))
	case err != nil:
		return nil, fmt.Errorf("verify receipt: block %d: %w", r.BlockNumber, err)
	default:
		v.Compare(fmt.Sprintf("block at height %d", r.BlockNumber), TxIDString(r.BlockHash), TxIDString(atHeight))
	}

	var raw *rawStreamItem
	for _, out := range tx.Vout {
		if uint64(out.N) != uint64(r.LogIndex) {
			continue
		}
		for _, it := range out.Items {
			if it.Type == "stream" {
				raw = &rawStreamItem{name: it.Name, createTxID: it.CreateTxID, publishers: it.Publishers, keys: it.Keys, data: it.Data}
			}
		}
	}
	if raw == nil {
		v.Compare("stream item", fmt.Sprintf("in output %d", r.LogIndex), "absent")
		return v.Conclude(), nil
	}
	if opts.Stream != "" {
		found := raw.name
		if opts.Stream == raw.createTxID {
			found = raw.createTxID
		}
		v.Compare("stream", opts.Stream, found)
	}
	v.Compare("publisher", r.Contract.Hex(), publisherFound(r.Contract, raw.publishers))

	item := &Item{TxID: r.TxHash, Vout: uint32(r.LogIndex), Keys: raw.keys, Publishers: raw.publishers, Data: raw.data}
	data := raw.data
	if _, isRef := dataRef(data); isRef {
		data, err = c.TxOutData(ctx, r.TxHash, uint32(r.LogIndex))
		switch {
		case refused(err):
			v.Compare("item data", fmt.Sprintf("output %d of %s", r.LogIndex, TxIDString(r.TxHash)), "refused by the node: "+refusal(err))
			return v.Conclude(), nil
		case err != nil:
			return nil, fmt.Errorf("verify receipt: item data: %w", err)
		}
	}
	decodePayload(item, data)
	switch r.Mode {
	case ledger.ModeDirect:
		if !v.Compare("item payload", SchemaAnchor, payloadKind(item)) {
			return v.Conclude(), nil
		}
		v.Compare("item key", r.LoanID, item.LoanID)
		v.Compare("item kind", fmt.Sprint(uint8(r.Kind)), fmt.Sprint(uint8(item.Record.Kind)))
		v.Compare("item loan key", fp.LoanKey.Hex(), item.Record.LoanKey.Hex())
		v.Compare("item commitment", fp.Commitment.Hex(), item.Record.Commitment.Hex())
		if err := firstOfItsKind(ctx, c, v, r, opts); err != nil {
			return nil, err
		}
	case ledger.ModeBatch:
		if !v.Compare("item payload", SchemaBatch, payloadKind(item)) {
			return v.Conclude(), nil
		}
		v.Compare("item key", BatchKey(*r.Root), keyOrNone(raw.keys, BatchKey(*r.Root)))
		v.Compare("item root", r.Root.Hex(), item.Batch.Root.Hex())
		v.Compare("item batch sequence", fmt.Sprint(*r.BatchSeq), fmt.Sprint(item.Batch.Seq))
	}
	return v.Conclude(), nil
}

type rawStreamItem struct {
	name, createTxID string
	publishers, keys []string
	data             []byte
}

// firstOfItsKind checks, where the node can tell, that no earlier item of
// the same loan and kind exists in the stream among the items of the
// accepted publishers (opts.Publishers, else the receipt's).
func firstOfItsKind(ctx context.Context, c *Client, v *ledger.Verification, r *ledger.Receipt, opts VerifyOptions) error {
	const name = "first item of its loan and kind"
	if opts.Stream == "" {
		v.Skipped = append(v.Skipped, name+": no stream given")
		return nil
	}
	ours := map[common.Address]bool{r.Contract: true}
	if len(opts.Publishers) > 0 {
		ours = map[common.Address]bool{}
		for _, p := range opts.Publishers {
			ours[p] = true
		}
	}
	a := &Adapter{rpc: c, opts: Options{Stream: opts.Stream, PageSize: 500}, ours: ours}
	items, err := a.KeyItems(ctx, r.LoanID)
	switch {
	case errors.Is(err, ErrNotSubscribed):
		v.Skipped = append(v.Skipped, name+": the node is not subscribed to "+opts.Stream)
		return nil
	case refused(err):
		v.Compare(name, TxIDString(r.TxHash), "the node refused to list "+r.LoanID+": "+refusal(err))
		return nil
	case err != nil:
		return fmt.Errorf("verify receipt: items of %s: %w", r.LoanID, err)
	}
	first := "none"
	for _, it := range items {
		if !it.Foreign && it.Record != nil && it.Record.Kind == r.Kind {
			first = TxIDString(it.TxID)
			break
		}
	}
	v.Compare(name, TxIDString(r.TxHash), first)
	return nil
}

func publisherFound(want common.Address, publishers []string) string {
	var hashes []string
	for _, p := range publishers {
		h, err := PublisherHash(p)
		if err != nil {
			hashes = append(hashes, p+" (unreadable)")
			continue
		}
		if h == want {
			return h.Hex()
		}
		hashes = append(hashes, h.Hex()+" ("+p+")")
	}
	if len(hashes) == 0 {
		return "no publisher"
	}
	return strings.Join(hashes, ", ")
}

func payloadKind(it *Item) string {
	switch {
	case it.Record != nil:
		return SchemaAnchor
	case it.Batch != nil:
		return SchemaBatch
	}
	return it.Problem
}

func keyOrNone(keys []string, want string) string {
	if slices.Contains(keys, want) {
		return want
	}
	return strings.Join(keys, ", ")
}

func okOr(err error) string {
	if err != nil {
		return ledger.ErrorMessage(err)
	}
	return "consistent"
}

// refused reports whether err is the node answering a call with an error
// about what it was asked (an unknown id, a height past the head, a bad
// output, ...): an answer about the receipt's content, not the node being
// unavailable. A node still warming up is unavailable.
func refused(err error) bool {
	var re *RPCError
	return errors.As(err, &re) && re.Code != CodeInWarmup
}

// refusal is the node's message and code for a refused call.
func refusal(err error) string {
	var re *RPCError
	if errors.As(err, &re) {
		return fmt.Sprintf("%s (code %d)", truncate(re.Message, 120), re.Code)
	}
	return err.Error()
}

func joinHex(addrs []common.Address) string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.Hex()
	}
	return strings.Join(out, ", ")
}
