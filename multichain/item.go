package multichain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// Payload schemas of the items this package publishes. A new field means a
// new version.
const (
	SchemaAnchor = "aartha.anchor/v1" // one record (direct mode)
	SchemaBatch  = "aartha.batch/v1"  // one Merkle root (batch mode)
)

// BatchIndexKey is the second key of every batch item: listing it newest
// first gives the last batch sequence number in one call.
const BatchIndexKey = "aartha:batches"

// batchKeyPrefix starts the key of a batch item; loan ids cannot contain a
// colon, so batch keys and loan keys never meet.
const batchKeyPrefix = "batch:"

// BatchKey is the stream key of a batch root's item: "batch:" and the root
// as 64 lower-case hex digits.
func BatchKey(root common.Hash) string { return batchKeyPrefix + TxIDString(root) }

// RecordPayload is the JSON of a direct-mode item, published under the loan
// id as key: {"json": RecordPayload}.
type RecordPayload struct {
	Schema     string      `json:"schema"`
	Kind       ledger.Kind `json:"kind"`
	LoanKey    common.Hash `json:"loan_key"`
	Commitment common.Hash `json:"commitment"`
}

// BatchPayload is the JSON of a batch item, published under BatchKey(root)
// and BatchIndexKey. Seq is assigned by the adapter: one more than the last
// batch item's, starting at 1.
type BatchPayload struct {
	Schema    string      `json:"schema"`
	Root      common.Hash `json:"root"`
	LeafCount uint32      `json:"leaf_count"`
	Seq       uint64      `json:"seq"`
}

// Item is a stream item as this package reads it. Items in the mempool have
// Confirmations 0 and zero BlockHash, BlockHeight and BlockTime.
type Item struct {
	TxID          common.Hash
	Vout          uint32 // output of TxID holding the item (the receipt's log_index)
	Keys          []string
	Publishers    []string
	Confirmations uint64
	BlockHash     common.Hash
	BlockHeight   uint64
	BlockTime     time.Time

	// Exactly one of Record and Batch is set for an item this package
	// wrote and can read back; otherwise Problem says why not.
	Record  *RecordPayload
	LoanID  string // the key of a Record item
	Batch   *BatchPayload
	Problem string

	// Foreign is set by the adapter when none of Publishers is ours (the
	// From address or one of Options.Publishers): the item is someone
	// else's, whatever it says, and anchors nothing of ours.
	Foreign bool

	Data json.RawMessage // the item's data as the node showed it
}

// InBlock reports whether the item has been mined.
func (i *Item) InBlock() bool { return i.Confirmations > 0 }

// dataFetcher fetches the full data of an item the node showed as a
// reference (too large for maxshowndata).
type dataFetcher func(ctx context.Context, txid common.Hash, vout uint32) (json.RawMessage, error)

// toItem converts a node's item; fetch is used only for data shown by
// reference.
func toItem(ctx context.Context, n *NodeItem, fetch dataFetcher) (*Item, error) {
	txid, err := ParseTxID(n.TxID)
	if err != nil {
		return nil, fmt.Errorf("stream item: %w", err)
	}
	it := &Item{
		TxID: txid, Keys: n.Keys, Publishers: n.Publishers, Confirmations: n.Confirmations,
		BlockTime: unixTime(n.BlockTime), Data: n.Data,
	}
	if n.Vout != nil {
		it.Vout = *n.Vout
	}
	if n.BlockHeight != nil {
		it.BlockHeight = *n.BlockHeight
	}
	if n.BlockHash != "" {
		if it.BlockHash, err = ParseTxID(n.BlockHash); err != nil {
			return nil, fmt.Errorf("stream item %s: block hash: %w", n.TxID, err)
		}
	}
	data := n.Data
	if ref, ok := dataRef(data); ok && fetch != nil {
		if data, err = fetch(ctx, txid, ref); err != nil {
			return nil, fmt.Errorf("stream item %s: fetch data: %w", n.TxID, err)
		}
		it.Data = data
	}
	decodePayload(it, data)
	return it, nil
}

// dataRef recognises {"txid":..., "vout":n, "size":m}, the node's stand-in
// for data larger than its maxshowndata, and returns the output to fetch.
func dataRef(data json.RawMessage) (uint32, bool) {
	var ref struct {
		TxID *string `json:"txid"`
		Vout *uint32 `json:"vout"`
		Size *int64  `json:"size"`
	}
	if json.Unmarshal(data, &ref) != nil || ref.TxID == nil || ref.Vout == nil || ref.Size == nil {
		return 0, false
	}
	return *ref.Vout, true
}

// decodePayload sets Record (with LoanID) or Batch, or Problem.
func decodePayload(it *Item, data json.RawMessage) {
	var wrapper map[string]json.RawMessage
	if json.Unmarshal(data, &wrapper) != nil || wrapper["json"] == nil {
		it.Problem = "data is not a JSON item"
		return
	}
	inner := wrapper["json"]
	var head struct {
		Schema string `json:"schema"`
	}
	_ = json.Unmarshal(inner, &head)
	switch head.Schema {
	case SchemaAnchor:
		var p RecordPayload
		if err := strictDecode(inner, &p); err != nil {
			it.Problem = "anchor payload: " + err.Error()
			return
		}
		if p.Kind != ledger.KindApproved && p.Kind != ledger.KindRepaid {
			it.Problem = fmt.Sprintf("anchor payload: kind %d is neither 1 nor 2", p.Kind)
			return
		}
		for _, k := range it.Keys {
			if ledger.LoanKey(k) == p.LoanKey {
				it.Record, it.LoanID = &p, k
				return
			}
		}
		it.Problem = "anchor payload: loan_key is the hash of none of the item's keys"
	case SchemaBatch:
		var p BatchPayload
		if err := strictDecode(inner, &p); err != nil {
			it.Problem = "batch payload: " + err.Error()
			return
		}
		for _, k := range it.Keys {
			if k == BatchKey(p.Root) {
				it.Batch = &p
				return
			}
		}
		it.Problem = "batch payload: no key is batch:<root>"
	default:
		it.Problem = fmt.Sprintf("schema %q is not one of ours", truncate(head.Schema, 40))
	}
}

func strictDecode(data json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// isBatchKey reports whether a stream key is a batch root's.
func isBatchKey(k string) bool { return strings.HasPrefix(k, batchKeyPrefix) }
