package multichain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// The typed calls below are thin: one RPC each, errors as Call returns them.

// BlockchainInfo is part of getblockchaininfo's answer.
type BlockchainInfo struct {
	ChainName     string `json:"chainname"`
	Blocks        uint64 `json:"blocks"`
	BestBlockHash string `json:"bestblockhash"`
}

// BlockchainInfo calls getblockchaininfo.
func (c *Client) BlockchainInfo(ctx context.Context) (*BlockchainInfo, error) {
	var info BlockchainInfo
	if err := c.Call(ctx, "getblockchaininfo", nil, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// StreamInfo is one entry of liststreams.
type StreamInfo struct {
	Name       string `json:"name"`
	CreateTxID string `json:"createtxid"`
	Restrict   struct {
		Write bool `json:"write"`
	} `json:"restrict"`
	Subscribed bool `json:"subscribed"`
}

// Stream calls liststreams [name]; a missing stream is ErrStreamNotFound.
func (c *Client) Stream(ctx context.Context, name string) (*StreamInfo, error) {
	var streams []StreamInfo
	if err := c.Call(ctx, "liststreams", []any{name}, &streams); err != nil {
		return nil, err
	}
	for i := range streams {
		if streams[i].Name == name {
			return &streams[i], nil
		}
	}
	return nil, &RPCError{Method: "liststreams", Code: CodeEntityNotFound, Message: "Stream with this name not found: " + name}
}

// CreateStream calls create ["stream", name, open]; open false makes the
// stream write-restricted. It returns the creating transaction's id.
func (c *Client) CreateStream(ctx context.Context, name string, open bool) (common.Hash, error) {
	return c.callTxID(ctx, "create", []any{"stream", name, open})
}

// Subscribe calls subscribe [name]. Subscribing twice is harmless.
func (c *Client) Subscribe(ctx context.Context, name string) error {
	return c.Call(ctx, "subscribe", []any{name}, nil)
}

// Grant calls grant [address, permission], e.g. "loans.write" or "send".
func (c *Client) Grant(ctx context.Context, address, permission string) (common.Hash, error) {
	return c.callTxID(ctx, "grant", []any{address, permission})
}

// HasPermission reports whether listpermissions [permission, address]
// lists address (permission is "send", "loans.write", ...).
func (c *Client) HasPermission(ctx context.Context, address, permission string) (bool, error) {
	var perms []struct {
		Address string `json:"address"`
	}
	if err := c.Call(ctx, "listpermissions", []any{permission, address}, &perms); err != nil {
		return false, err
	}
	for _, p := range perms {
		if p.Address == address {
			return true, nil
		}
	}
	return false, nil
}

// PublishFrom calls publishfrom [from, stream, keys, data]; a single key is
// sent as a string, several as an array.
func (c *Client) PublishFrom(ctx context.Context, from, stream string, keys []string, data any) (common.Hash, error) {
	var key any = keys
	if len(keys) == 1 {
		key = keys[0]
	}
	return c.callTxID(ctx, "publishfrom", []any{from, stream, key, data})
}

// NodeItem is a stream item as the node reports it. BlockHash, BlockHeight
// and Vout are only present in verbose answers; BlockTime is absent while
// the item is in the mempool (Confirmations 0).
type NodeItem struct {
	Publishers    []string        `json:"publishers"`
	Keys          []string        `json:"keys"`
	Offchain      bool            `json:"offchain"`
	Available     bool            `json:"available"`
	Data          json.RawMessage `json:"data"`
	Confirmations uint64          `json:"confirmations"`
	BlockHash     string          `json:"blockhash,omitempty"`
	BlockHeight   *uint64         `json:"blockheight,omitempty"`
	BlockTime     *int64          `json:"blocktime,omitempty"`
	TxID          string          `json:"txid"`
	Vout          *uint32         `json:"vout,omitempty"`
	Valid         *bool           `json:"valid,omitempty"`
}

// StreamKeyItems calls liststreamkeyitems [stream, key, verbose, count,
// start]. start < 0 counts from the end; the node's own default (count 10,
// start -10) is what a call without count and start gets.
func (c *Client) StreamKeyItems(ctx context.Context, stream, key string, verbose bool, count, start int) ([]NodeItem, error) {
	var items []NodeItem
	err := c.Call(ctx, "liststreamkeyitems", []any{stream, key, verbose, count, start}, &items)
	return items, err
}

// StreamItems calls liststreamitems [stream, verbose, count, start].
func (c *Client) StreamItems(ctx context.Context, stream string, verbose bool, count, start int) ([]NodeItem, error) {
	var items []NodeItem
	err := c.Call(ctx, "liststreamitems", []any{stream, verbose, count, start}, &items)
	return items, err
}

// StreamItem calls getstreamitem [stream, txid, verbose]; an id that is not
// an item of the stream is ErrItemNotFound.
func (c *Client) StreamItem(ctx context.Context, stream string, txid common.Hash, verbose bool) (*NodeItem, error) {
	var item NodeItem
	if err := c.Call(ctx, "getstreamitem", []any{stream, TxIDString(txid), verbose}, &item); err != nil {
		return nil, err
	}
	return &item, nil
}

// RawTx is the part of getrawtransaction [txid, 1] that verification reads.
type RawTx struct {
	TxID          string `json:"txid"`
	BlockHash     string `json:"blockhash"`
	Confirmations uint64 `json:"confirmations"`
	BlockTime     int64  `json:"blocktime"`
	Vout          []struct {
		N     uint32 `json:"n"`
		Items []struct {
			Type       string          `json:"type"`
			Name       string          `json:"name"`
			CreateTxID string          `json:"createtxid"`
			Publishers []string        `json:"publishers"`
			Keys       []string        `json:"keys"`
			Offchain   bool            `json:"offchain"`
			Data       json.RawMessage `json:"data"`
		} `json:"items"`
	} `json:"vout"`
}

// RawTransaction calls getrawtransaction [txid, 1]. It needs no wallet and
// no subscription (MultiChain keeps a transaction index); an unknown id is
// ErrTxUnknown (-710 on MultiChain 2.3.3; an older node's -5 is reported as
// -710 too).
func (c *Client) RawTransaction(ctx context.Context, txid common.Hash) (*RawTx, error) {
	var tx RawTx
	if err := c.Call(ctx, "getrawtransaction", []any{TxIDString(txid), 1}, &tx); err != nil {
		var re *RPCError
		if errors.As(err, &re) && re.Code == CodeInvalidAddress {
			return nil, &RPCError{Method: re.Method, Code: CodeTxNotFound, Message: re.Message}
		}
		return nil, err
	}
	return &tx, nil
}

// AddressInfo is part of validateaddress's answer.
type AddressInfo struct {
	IsValid bool   `json:"isvalid"`
	Address string `json:"address"`
	IsMine  bool   `json:"ismine"`
}

// ValidateAddress calls validateaddress [address]: whether the address is
// one of this chain's and whether its private key is in the node's wallet
// (ismine). It is a wallet call.
func (c *Client) ValidateAddress(ctx context.Context, address string) (*AddressInfo, error) {
	var info AddressInfo
	if err := c.Call(ctx, "validateaddress", []any{address}, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// Addresses calls getaddresses: the addresses of the node's wallet.
func (c *Client) Addresses(ctx context.Context) ([]string, error) {
	var out []string
	err := c.Call(ctx, "getaddresses", nil, &out)
	return out, err
}

// TxOutData calls gettxoutdata [txid, vout]: the full data of an item too
// large for the node to show inline (over its maxshowndata).
func (c *Client) TxOutData(ctx context.Context, txid common.Hash, vout uint32) (json.RawMessage, error) {
	var data json.RawMessage
	err := c.Call(ctx, "gettxoutdata", []any{TxIDString(txid), vout}, &data)
	return data, err
}

// BlockHash calls getblockhash [height]; a height beyond the chain is
// ErrBlockOutOfRange (-711 "Block height out of range").
func (c *Client) BlockHash(ctx context.Context, height uint64) (common.Hash, error) {
	var s string
	if err := c.Call(ctx, "getblockhash", []any{height}, &s); err != nil {
		return common.Hash{}, err
	}
	h, err := ParseTxID(s)
	if err != nil {
		return common.Hash{}, fmt.Errorf("getblockhash: %w", err)
	}
	return h, nil
}

func (c *Client) callTxID(ctx context.Context, method string, params []any) (common.Hash, error) {
	var s string
	if err := c.Call(ctx, method, params, &s); err != nil {
		return common.Hash{}, err
	}
	h, err := ParseTxID(s)
	if err != nil {
		return common.Hash{}, fmt.Errorf("%s answered: %w", method, err)
	}
	return h, nil
}

// unixTime converts a node timestamp; nil (mempool) is the zero time.
func unixTime(t *int64) time.Time {
	if t == nil {
		return time.Time{}
	}
	return time.Unix(*t, 0).UTC()
}
