package multichaintest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/aartha/ledger/multichain"
)

// globalPerms are the permissions that are not per stream.
var globalPerms = map[string]bool{"connect": true, "send": true, "receive": true, "issue": true, "create": true, "mine": true, "activate": true, "admin": true}

// dispatch answers one call; crash reports a call that would have crashed
// the real node. The caller holds n.mu.
func (n *Node) dispatch(method string, p []json.RawMessage) (result any, e *rpcErr, crash bool) {
	str := func(i int) string {
		if i >= len(p) {
			return ""
		}
		return trimQuotes(p[i])
	}
	switch method {
	case "getinfo":
		return map[string]any{
			"version": "2.3.3", "nodeversion": 20303901, "edition": "Community", "protocolversion": 20013,
			"chainname": n.opts.ChainName, "description": "MultiChain " + n.opts.ChainName, "protocol": "multichain",
			"blocks": n.tip().height, "streams": len(n.order) + 1, "errors": "",
		}, nil, false
	case "getblockchaininfo":
		return map[string]any{
			"chain": "main", "chainname": n.opts.ChainName, "description": "MultiChain " + n.opts.ChainName,
			"protocol": "multichain", "blocks": n.tip().height, "headers": n.tip().height,
			"bestblockhash": hashHex(n.tip().hash),
		}, nil, false
	case "getblockhash":
		var h int64
		if len(p) < 1 || json.Unmarshal(p[0], &h) != nil {
			return nil, help(method, "height"), false
		}
		if h < 0 || uint64(h) > n.tip().height {
			return nil, errorf(-711, "Block height out of range"), false
		}
		return hashHex(n.blocks[h].hash), nil, false
	case "getaddresses":
		return n.wallet, nil, false
	case "validateaddress":
		if len(p) < 1 {
			return nil, help(method, `"address"|"pubkey"|"privkey"`), false
		}
		if !validAddress(str(0)) {
			return map[string]any{"isvalid": false}, nil, false
		}
		return map[string]any{"isvalid": true, "address": str(0), "ismine": n.inWallet(str(0)), "iswatchonly": false, "isscript": false, "account": ""}, nil, false
	case "getnewaddress":
		return n.newAddressLocked(), nil, false
	case "dumpprivkey":
		if !n.inWallet(str(0)) {
			return nil, errorf(-4, "Private key for address %s is not known", str(0)), false
		}
		return "V" + strings.Repeat("x", 50), nil, false
	case "listpermissions":
		return n.listPermissions(str(0), str(1)), nil, false
	case "grant":
		return n.grant(str(0), str(1))
	case "create":
		if len(p) < 3 {
			return nil, help(method, `"entity-type" "entity-name" open|restrictions`), false
		}
		return n.create(str(0), str(1), p[2])
	case "liststreams":
		name := str(0)
		var out []any
		for _, s := range n.order {
			if name == "" || name == "*" || name == s.name || name == hashHex(s.createTxID) {
				out = append(out, n.streamJSON(s))
			}
		}
		if out == nil && name != "" && name != "*" {
			return nil, errorf(-708, "Stream with this name not found: %s", name), false
		}
		return out, nil, false
	case "subscribe":
		s, e := n.entity(str(0))
		if e != nil {
			return nil, e, false
		}
		s.subscribed = true
		return nil, nil, false
	case "publish":
		if len(p) < 3 {
			return nil, help(method, `"stream-identifier" "key"|keys "data-hex"|data-obj "options"`), false
		}
		return n.publish(n.address, str(0), p[1], p[2])
	case "publishfrom":
		if len(p) < 4 {
			return nil, help(method, `"from-address" "stream-identifier" "key"|keys "data-hex"|data-obj "options"`), false
		}
		return n.publish(str(0), str(1), p[2], p[3])
	case "liststreamkeyitems":
		if len(p) < 2 {
			return nil, help(method, `"stream-identifier" "key" ( verbose count start local-ordering )`), false
		}
		return n.listItems(str(0), func(it *item) bool { return contains(it.keys, str(1)) }, p[2:])
	case "liststreamitems":
		if len(p) < 1 {
			return nil, help(method, `"stream-identifier" ( verbose count start local-ordering )`), false
		}
		return n.listItems(str(0), func(*item) bool { return true }, p[1:])
	case "getstreamitem":
		if len(p) < 2 {
			return nil, help(method, `"stream-identifier" "txid" ( verbose )`), false
		}
		if !validTxID(str(1)) {
			return nil, nil, true
		}
		// Unlike the list calls, getstreamitem answers on a stream the
		// node is not subscribed to (real-node-answers-2.md).
		s, e := n.stream(str(0))
		if e != nil {
			return nil, e, false
		}
		for _, it := range s.items {
			if hashHex(it.tx.id) == str(1) {
				return n.itemJSON(it, boolAt(p, 2)), nil, false
			}
		}
		return nil, errorf(-710, "This transaction was not found in this stream"), false
	case "getrawtransaction", "gettransaction", "getwallettransaction":
		if len(p) < 1 {
			return nil, help(method, `"txid" ( verbose )`), false
		}
		if !validTxID(str(0)) {
			return nil, nil, true
		}
		t := n.txs[common.HexToHash(str(0))]
		switch {
		case t == nil && method == "getrawtransaction":
			return nil, errorf(-710, "No information available about transaction"), false
		case t == nil:
			return nil, errorf(-5, "Invalid or non-wallet transaction id"), false
		}
		if method == "getrawtransaction" && !boolAt(p, 1) {
			return "01000000" + hashHex(t.id), nil, false
		}
		return n.txJSON(t, method), nil, false
	case "gettxoutdata":
		if len(p) < 2 {
			return nil, help(method, `"txid" vout ( count-bytes start-byte )`), false
		}
		if !validTxID(str(0)) {
			return nil, nil, true
		}
		t := n.txs[common.HexToHash(str(0))]
		if t == nil {
			return nil, errorf(-710, "No information available about transaction"), false
		}
		var vout int
		if json.Unmarshal(p[1], &vout) != nil || vout < 0 || vout >= len(t.items) {
			return nil, errorf(-712, "Invalid vout"), false
		}
		return t.items[vout].data, nil, false
	case "stop":
		n.crashed = true // answers, then is gone
		return "MultiChain server stopping", nil, false
	}
	return nil, errorf(-32601, "Method not found"), false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func boolAt(p []json.RawMessage, i int) bool {
	if i >= len(p) {
		return false
	}
	var b bool
	if json.Unmarshal(p[i], &b) == nil {
		return b
	}
	var n int
	return json.Unmarshal(p[i], &n) == nil && n != 0
}

func intAt(p []json.RawMessage, i int, def int) (int, bool) {
	if i >= len(p) {
		return def, true
	}
	var v int
	if json.Unmarshal(p[i], &v) != nil {
		return 0, false
	}
	return v, true
}

func (n *Node) inWallet(addr string) bool { return contains(n.wallet, addr) }

func (n *Node) stream(name string) (*stream, *rpcErr) {
	if s := n.streams[name]; s != nil {
		return s, nil
	}
	for _, s := range n.order {
		if hashHex(s.createTxID) == name {
			return s, nil
		}
	}
	return nil, errorf(-708, "Stream with this name not found: %s", name)
}

// entity is stream for the calls that name any entity (subscribe, grant):
// their message for a missing one says "Entity".
func (n *Node) entity(name string) (*stream, *rpcErr) {
	s, e := n.stream(name)
	if e != nil {
		return nil, errorf(-708, "Entity with this name not found: %s", name)
	}
	return s, nil
}

// streamRef is a stream's reference, "<block>-<offset>-<n>" as the node
// shows it once the creating transaction is mined; nil before.
func (n *Node) streamRef(s *stream) any {
	t := n.txs[s.createTxID]
	if t == nil || t.block == nil {
		return nil
	}
	return fmt.Sprintf("%d-%d-%d", t.block.height, 264+t.index, int(s.createTxID[30])<<8|int(s.createTxID[31]))
}

func (n *Node) readableStream(name string) (*stream, *rpcErr) {
	s, e := n.stream(name)
	if e != nil {
		return nil, e
	}
	if !s.subscribed {
		return nil, errorf(-703, "Not subscribed to this stream")
	}
	return s, nil
}

func (n *Node) streamJSON(s *stream) map[string]any {
	return map[string]any{
		"name": s.name, "createtxid": hashHex(s.createTxID), "streamref": n.streamRef(s),
		"restrict":   map[string]bool{"write": !s.open, "read": false, "onchain": false, "offchain": false},
		"details":    map[string]any{},
		"subscribed": s.subscribed,
	}
}

func (n *Node) create(kind, name string, open json.RawMessage) (any, *rpcErr, bool) {
	if kind != "stream" {
		return nil, errorf(-8, "Invalid entity type, should be stream"), false
	}
	if !n.perms[n.address]["create"] {
		return nil, errorf(-704, "Creating new streams not allowed from this address"), false
	}
	if name == "" || len(name) > 32 {
		return nil, errorf(-8, "Invalid stream name"), false
	}
	if n.streams[name] != nil {
		return nil, errorf(-705, "Entity with this name already exists"), false
	}
	var isOpen bool
	if json.Unmarshal(open, &isOpen) != nil {
		return nil, errorf(-8, "Invalid open flag"), false
	}
	t := n.addTx(n.address)
	s := &stream{name: name, createTxID: t.id, open: isOpen}
	n.streams[name] = s
	n.order = append(n.order, s)
	for _, perm := range []string{"admin", "activate", "write"} {
		n.perms[n.address][name+"."+perm] = true
	}
	return hashHex(t.id), nil, false
}

func (n *Node) grant(addresses, permissions string) (any, *rpcErr, bool) {
	addrs := strings.Split(addresses, ",")
	perms := strings.Split(permissions, ",")
	for _, perm := range perms {
		stream, sp, isStream := strings.Cut(perm, ".")
		switch {
		case isStream:
			if _, e := n.entity(stream); e != nil {
				return nil, e, false
			}
			if sp != "write" && sp != "read" && sp != "admin" && sp != "activate" {
				return nil, errorf(-8, "Invalid permission: %s", perm), false
			}
			if !n.perms[n.address]["admin"] && !n.perms[n.address][stream+".admin"] {
				return nil, errorf(-704, "No admin or activate permission for this stream"), false
			}
		case !globalPerms[perm]:
			return nil, errorf(-8, "Invalid permission: %s", perm), false
		case perm == "connect" || perm == "send" || perm == "receive":
			if !n.perms[n.address]["admin"] && !n.perms[n.address]["activate"] {
				return nil, errorf(-704, "Address doesn't have admin or activate permission"), false
			}
		case !n.perms[n.address]["admin"]:
			return nil, errorf(-704, "Address doesn't have admin permission"), false
		}
	}
	for _, a := range addrs {
		if n.perms[a] == nil {
			n.perms[a] = map[string]bool{} // an address outside the wallet may be granted too
		}
		for _, perm := range perms {
			n.perms[a][perm] = true
		}
	}
	return hashHex(n.addTx(n.address).id), nil, false
}

func (n *Node) listPermissions(permissions, addresses string) []any {
	out := []any{}
	var addrs []string
	if addresses == "" || addresses == "*" {
		for a := range n.perms {
			addrs = append(addrs, a)
		}
	} else {
		addrs = strings.Split(addresses, ",")
	}
	for _, a := range addrs {
		for perm := range n.perms[a] {
			if permissions != "" && permissions != "*" && !contains(strings.Split(permissions, ","), perm) {
				continue
			}
			var forStream any
			typ := perm
			if name, sp, ok := strings.Cut(perm, "."); ok {
				typ = sp
				if s := n.streams[name]; s != nil {
					forStream = map[string]any{"type": "stream", "name": name, "streamref": n.streamRef(s)}
				}
			}
			out = append(out, map[string]any{"address": a, "for": forStream, "type": typ, "startblock": 0, "endblock": 4294967295})
		}
	}
	return out
}

func (n *Node) publish(from, streamName string, keyParam, dataParam json.RawMessage) (any, *rpcErr, bool) {
	s, e := n.stream(streamName)
	if e != nil {
		return nil, e, false
	}
	var keys []string
	var one string
	if json.Unmarshal(keyParam, &one) == nil {
		keys = []string{one}
	} else if json.Unmarshal(keyParam, &keys) != nil {
		return nil, errorf(-8, "Invalid keys, should be string or array"), false
	}
	for _, k := range keys {
		if len(k) > 256 {
			return nil, errorf(-8, "Item key is too long"), false
		}
	}
	if !validData(dataParam) {
		return nil, errorf(-8, "data should be hexadecimal string or recognized object"), false
	}
	switch {
	case !validAddress(from):
		return nil, errorf(-5, "Invalid address: %s", from), false
	case !n.inWallet(from):
		return nil, errorf(-709, "Private key for from-address is not found in this wallet"), false
	}
	if !n.perms[from]["send"] || (!s.open && !n.perms[from][s.name+".write"]) {
		return nil, errorf(-704, "Publishing in this stream is not allowed from this address"), false
	}
	t := n.addTx(from)
	data := dataParam
	var hexData string
	if json.Unmarshal(dataParam, &hexData) == nil {
		data, _ = json.Marshal(strings.ToLower(hexData))
	}
	it := &item{stream: s, tx: t, keys: keys, publishers: []string{from}, data: data}
	t.items = append(t.items, it)
	s.items = append(s.items, it)
	return hashHex(t.id), nil, false
}

// validData accepts a hex string, {"json": any JSON} or {"text": string}.
func validData(raw json.RawMessage) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return isHex(s)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || len(obj) != 1 {
		return false
	}
	if v, ok := obj["json"]; ok {
		return json.Valid(v)
	}
	if v, ok := obj["text"]; ok {
		return json.Unmarshal(v, &s) == nil
	}
	return false
}

// listItems pages through the matching items of a readable stream: count
// (default 10) items starting at start (default -count: the last ones).
func (n *Node) listItems(name string, match func(*item) bool, opt []json.RawMessage) (any, *rpcErr, bool) {
	s, e := n.readableStream(name)
	if e != nil {
		return nil, e, false
	}
	verbose := boolAt(opt, 0)
	count, ok1 := intAt(opt, 1, 10)
	start, ok2 := intAt(opt, 2, -count)
	if !ok1 || !ok2 || count < 0 {
		return nil, errorf(-8, "Invalid count or start"), false
	}
	var matched []*item
	for _, it := range s.items {
		if match(it) {
			matched = append(matched, it)
		}
	}
	if start < 0 {
		start = max(len(matched)+start, 0)
	}
	end := min(start+count, len(matched))
	out := []any{}
	for i := start; i < end; i++ {
		out = append(out, n.itemJSON(matched[i], verbose))
	}
	return out, nil, false
}

// itemJSON renders an item with the fields, and in the order, of the
// transcript; blocktime only once mined, block fields only when verbose.
func (n *Node) itemJSON(it *item, verbose bool) any {
	type itemOut struct {
		Publishers    []string        `json:"publishers"`
		Keys          []string        `json:"keys"`
		Offchain      bool            `json:"offchain"`
		Available     bool            `json:"available"`
		Data          json.RawMessage `json:"data"`
		Confirmations uint64          `json:"confirmations"`
		BlockHash     string          `json:"blockhash,omitempty"`
		BlockHeight   *uint64         `json:"blockheight,omitempty"`
		BlockIndex    *int            `json:"blockindex,omitempty"`
		BlockTime     *int64          `json:"blocktime,omitempty"`
		TxID          string          `json:"txid"`
		Vout          *int            `json:"vout,omitempty"`
		Valid         *bool           `json:"valid,omitempty"`
		Time          *int64          `json:"time,omitempty"`
		TimeReceived  *int64          `json:"timereceived,omitempty"`
	}
	out := itemOut{
		Publishers: it.publishers, Keys: it.keys, Available: true, Data: n.shownData(it),
		Confirmations: n.confirmations(it.tx), TxID: hashHex(it.tx.id),
	}
	if b := it.tx.block; b != nil {
		out.BlockTime = &b.time
		if verbose {
			out.BlockHash, out.BlockHeight, out.BlockIndex = hashHex(b.hash), &b.height, &it.tx.index
		}
	}
	if verbose {
		vout, valid := slicesIndex(it.tx.items, it), true
		out.Vout, out.Valid, out.Time, out.TimeReceived = &vout, &valid, &it.tx.time, &it.tx.received
	}
	return out
}

func slicesIndex(items []*item, it *item) int {
	for i, x := range items {
		if x == it {
			return i
		}
	}
	return -1
}

// shownData is the item's data, or a reference past MaxShownData.
func (n *Node) shownData(it *item) json.RawMessage {
	if n.opts.MaxShownData > 0 && len(it.data) > n.opts.MaxShownData {
		ref, _ := json.Marshal(map[string]any{"txid": hashHex(it.tx.id), "vout": slicesIndex(it.tx.items, it), "size": len(it.data)})
		return ref
	}
	return it.data
}

// txJSON renders getrawtransaction (verbose) and the wallet views, with
// the stream items in their outputs.
func (n *Node) txJSON(t *tx, method string) any {
	out := map[string]any{"txid": hashHex(t.id), "confirmations": n.confirmations(t), "time": t.time}
	if b := t.block; b != nil {
		out["blockhash"], out["blocktime"] = hashHex(b.hash), b.time
		if method != "getrawtransaction" {
			out["blockheight"], out["blockindex"] = b.height, t.index
		}
	}
	var vout []any
	for i, it := range t.items {
		vout = append(vout, map[string]any{"value": 0, "n": i, "items": []any{map[string]any{
			"type": "stream", "name": it.stream.name, "createtxid": hashHex(it.stream.createTxID), "streamref": n.streamRef(it.stream),
			"publishers": it.publishers, "keys": it.keys, "offchain": false, "data": n.shownData(it),
		}}})
	}
	vout = append(vout, map[string]any{"value": 0, "n": len(t.items), "scriptPubKey": map[string]any{"type": "pubkeyhash", "addresses": []string{t.from}}})
	out["vout"] = vout
	if method == "getrawtransaction" {
		out["hex"] = "01000000" + hashHex(t.id)
	}
	return out
}

// validAddress reports whether s is an address of the fake's chain: the
// transcript chain's version bytes and checksum.
func validAddress(s string) bool {
	h, err := multichain.PublisherHash(s)
	if err != nil {
		return false
	}
	enc, err := multichain.EncodeAddress(h, transcriptParams)
	return err == nil && enc == s
}
