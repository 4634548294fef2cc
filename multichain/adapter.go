package multichain

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// ChainPrefix is the namespace of MultiChain chain ids in receipts:
// "multichain:<chain-name>".
const ChainPrefix = "multichain:"

// Options configure an Adapter. Zero values take the documented defaults.
type Options struct {
	Stream    string // MULTICHAIN_STREAM; required, at most 32 bytes
	ChainName string // MULTICHAIN_CHAIN_NAME; required, checked against the node
	From      string // MULTICHAIN_FROM_ADDRESS: the address that publishes; required
	// Publishers are further addresses whose items count as ours
	// (MULTICHAIN_PUBLISHERS): the earlier publishers after a key
	// rotation. From always counts. An item none of whose publishers is
	// ours is foreign: it is read and reported, but it never stands for,
	// blocks or contradicts one of our records or batches.
	Publishers []string
	// Confirmations is how deep an item must be to be final; default 2.
	Confirmations uint64
	// PollInterval is how often a pending item is re-read; default 2 s, a
	// fraction of a block: a chain made by multichain-util create has a
	// target-block-time of 15 s, and chains tuned for anchoring often 2 s.
	PollInterval time.Duration
	// OnForeign, if set, is told of every foreign item found under one of
	// our keys (a loan id or a batch key) while reading back before a
	// publish. It must not block.
	OnForeign func(key string, it *Item)
	// PageSize is the count asked of liststream(key)items; default 500.
	PageSize int
}

var (
	streamNameRule = regexp.MustCompile(`^[^\x00-\x1f]{1,32}$`)
	chainNameRule  = regexp.MustCompile(`^[-_a-zA-Z0-9]{1,32}$`)
)

// Validate names the first option that is missing or malformed.
func (o *Options) Validate() error {
	switch {
	case !streamNameRule.MatchString(o.Stream):
		return ledger.Errorf(ledger.EINVALID, "MULTICHAIN_STREAM must be 1-32 printable bytes")
	case o.ChainName == "":
		return ledger.Errorf(ledger.EINVALID, "MULTICHAIN_CHAIN_NAME is required (the chain's name, as getinfo reports it)")
	case !chainNameRule.MatchString(o.ChainName):
		return ledger.Errorf(ledger.EINVALID, "MULTICHAIN_CHAIN_NAME must be 1-32 of [-_a-zA-Z0-9] (it becomes the receipt's chain id)")
	case o.From == "":
		return ledger.Errorf(ledger.EINVALID, "MULTICHAIN_FROM_ADDRESS is required (the address that publishes)")
	}
	if _, err := PublisherHash(o.From); err != nil {
		return ledger.Errorf(ledger.EINVALID, "MULTICHAIN_FROM_ADDRESS: %s", ledger.ErrorMessage(err))
	}
	for _, p := range o.Publishers {
		if _, err := PublisherHash(p); err != nil {
			return ledger.Errorf(ledger.EINVALID, "MULTICHAIN_PUBLISHERS: %s", ledger.ErrorMessage(err))
		}
	}
	if o.PageSize < 0 || o.PollInterval < 0 {
		return ledger.Errorf(ledger.EINVALID, "multichain page size and poll interval must not be negative")
	}
	return nil
}

func (o *Options) defaults() {
	if o.Confirmations == 0 {
		o.Confirmations = 2
	}
	if o.PollInterval == 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.PageSize == 0 {
		o.PageSize = 500
	}
}

// Adapter anchors records in one MultiChain stream and reads them back. It
// holds no state beyond its options and is safe for concurrent use (batch
// publishes of one Adapter take turns), but like the EVM worker it assumes
// one publisher: two processes publishing batches at once could give two
// batches the same sequence number.
type Adapter struct {
	rpc       *Client
	opts      Options
	publisher common.Address
	ours      map[common.Address]bool // From and Publishers

	// batchMu makes reading the last batch sequence number and publishing
	// the next one a unit within this process, so that batches sent
	// concurrently (the worker keeps several awaiting finality) never get
	// the same number.
	batchMu sync.Mutex
}

// New returns an adapter; it does not contact the node (Check and Init do).
func New(c *Client, opts Options) (*Adapter, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.defaults()
	pub, _ := PublisherHash(opts.From) // validated above
	ours := map[common.Address]bool{pub: true}
	for _, p := range opts.Publishers {
		h, _ := PublisherHash(p)
		ours[h] = true
	}
	return &Adapter{rpc: c, opts: opts, publisher: pub, ours: ours}, nil
}

// Publishers lists the public key hashes whose items count as ours: From's
// first, then MULTICHAIN_PUBLISHERS' in order.
func (a *Adapter) Publishers() []common.Address {
	out := []common.Address{a.publisher}
	for _, p := range a.opts.Publishers {
		h, _ := PublisherHash(p)
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// mark sets it.Foreign: true unless one of its publishers is ours.
func (a *Adapter) mark(it *Item) *Item {
	it.Foreign = !publishedBy(it.Publishers, a.ours)
	return it
}

// publishedBy reports whether one of publishers has a hash in ours.
func publishedBy(publishers []string, ours map[common.Address]bool) bool {
	for _, p := range publishers {
		if h, err := PublisherHash(p); err == nil && ours[h] {
			return true
		}
	}
	return false
}

func (a *Adapter) foreign(key string, it *Item) {
	if a.opts.OnForeign != nil {
		a.opts.OnForeign(key, it)
	}
}

// Client is the adapter's node client.
func (a *Adapter) Client() *Client { return a.rpc }

// Chain is the receipt's chain id: "multichain:<chain-name>".
func (a *Adapter) Chain() string { return ChainPrefix + a.opts.ChainName }

// Stream is the stream the adapter writes.
func (a *Adapter) Stream() string { return a.opts.Stream }

// Publisher is the public key hash of the From address: what a receipt
// carries in its contract field.
func (a *Adapter) Publisher() common.Address { return a.publisher }

// Confirmations is the depth at which an item is final.
func (a *Adapter) Confirmations() uint64 { return a.opts.Confirmations }

// RecordRequest is a record to anchor directly: one item under the loan id.
type RecordRequest struct {
	LoanID     string
	Kind       ledger.Kind
	Commitment common.Hash
}

// BatchRequest is a Merkle root to anchor.
type BatchRequest struct {
	Root      common.Hash
	LeafCount int
}

// PublishRecord publishes a record's item unless the stream already holds
// it. It first reads every item under the loan id (paging through all of
// them, mempool included) and considers only our own (published by From or
// one of Publishers; foreign items are passed to OnForeign and otherwise
// ignored): the same kind with the same commitment is returned as is
// (existed true) — so a retry after a crash between publish and record
// never publishes twice; the same kind with another commitment is a
// *ConflictError; a repayment of a loan with no approval item is a
// permanent ENOTFOUND error (the EVM registry reverts both).
func (a *Adapter) PublishRecord(ctx context.Context, r RecordRequest) (item *Item, existed bool, err error) {
	if err := ledger.ValidateLoanID(r.LoanID); err != nil {
		return nil, false, err
	}
	if r.Kind != ledger.KindApproved && r.Kind != ledger.KindRepaid {
		return nil, false, ledger.Errorf(ledger.EINVALID, "record kind %d is neither 1 nor 2", r.Kind)
	}
	items, err := a.KeyItems(ctx, r.LoanID)
	if err != nil {
		return nil, false, fmt.Errorf("read back %s before publishing: %w", r.LoanID, err)
	}
	approved := false
	for _, it := range items {
		if it.Foreign {
			a.foreign(r.LoanID, it)
			continue
		}
		if it.Record == nil {
			continue
		}
		approved = approved || it.Record.Kind == ledger.KindApproved
		if it.Record.Kind != r.Kind {
			continue
		}
		if it.Record.Commitment == r.Commitment {
			return it, true, nil
		}
		return nil, false, &ConflictError{Key: r.LoanID, Existing: it}
	}
	if r.Kind == ledger.KindRepaid && !approved {
		return nil, false, permanentError{ledger.Errorf(ledger.ENOTFOUND, "loan %s has no approval item in stream %s: a repayment cannot be anchored before it", r.LoanID, a.opts.Stream)}
	}
	payload := RecordPayload{Schema: SchemaAnchor, Kind: r.Kind, LoanKey: ledger.LoanKey(r.LoanID), Commitment: r.Commitment}
	txid, err := a.rpc.PublishFrom(ctx, a.opts.From, a.opts.Stream, []string{r.LoanID}, map[string]any{"json": payload})
	if err != nil {
		return nil, false, a.publishError(err)
	}
	item, err = a.Item(ctx, txid)
	return item, false, err
}

// PublishBatch publishes a batch root's item unless the stream already
// holds it (read back under BatchKey first, as PublishRecord does, our
// items only). A new item gets the sequence number after our last batch
// item's. The same root with another leaf count is a *ConflictError.
func (a *Adapter) PublishBatch(ctx context.Context, b BatchRequest) (item *Item, existed bool, err error) {
	if b.LeafCount < 1 || b.LeafCount > 1<<32-1 {
		return nil, false, ledger.Errorf(ledger.EINVALID, "batch leaf count %d is out of range", b.LeafCount)
	}
	a.batchMu.Lock()
	defer a.batchMu.Unlock()
	key := BatchKey(b.Root)
	items, err := a.KeyItems(ctx, key)
	if err != nil {
		return nil, false, fmt.Errorf("read back %s before publishing: %w", key, err)
	}
	for _, it := range items {
		if it.Foreign {
			a.foreign(key, it)
			continue
		}
		if it.Batch == nil || it.Batch.Root != b.Root {
			continue
		}
		if it.Batch.LeafCount == uint32(b.LeafCount) {
			return it, true, nil
		}
		return nil, false, &ConflictError{Key: key, Existing: it}
	}
	seq, err := a.lastBatchSeq(ctx)
	if err != nil {
		return nil, false, err
	}
	payload := BatchPayload{Schema: SchemaBatch, Root: b.Root, LeafCount: uint32(b.LeafCount), Seq: seq + 1}
	txid, err := a.rpc.PublishFrom(ctx, a.opts.From, a.opts.Stream, []string{key, BatchIndexKey}, map[string]any{"json": payload})
	if err != nil {
		return nil, false, a.publishError(err)
	}
	item, err = a.Item(ctx, txid)
	return item, false, err
}

// lastBatchSeq is the sequence number of our newest batch item, 0 if none.
// It reads the last page of the index key and, should that page hold only
// foreign items (anyone with <stream>.write may publish under that key),
// the whole key.
func (a *Adapter) lastBatchSeq(ctx context.Context) (uint64, error) {
	count := a.opts.PageSize
	nodeItems, err := a.rpc.StreamKeyItems(ctx, a.opts.Stream, BatchIndexKey, false, count, -count)
	if err != nil {
		return 0, fmt.Errorf("read the last batch item: %w", a.readError(err))
	}
	items := make([]*Item, 0, len(nodeItems))
	for i := range nodeItems {
		it, err := toItem(ctx, &nodeItems[i], a.rpc.TxOutData)
		if err != nil {
			return 0, err
		}
		items = append(items, a.mark(it))
	}
	if len(items) == count && !slices.ContainsFunc(items, func(it *Item) bool { return !it.Foreign }) {
		if items, err = a.KeyItems(ctx, BatchIndexKey); err != nil {
			return 0, fmt.Errorf("read the batch items: %w", err)
		}
	}
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		if it.Foreign {
			a.foreign(BatchIndexKey, it)
			continue
		}
		if it.Batch == nil {
			return 0, ledger.Errorf(ledger.ECONFLICT, "our last item under %s in stream %s (txid %s) is not a batch item: %s", BatchIndexKey, a.opts.Stream, TxIDString(it.TxID), it.Problem)
		}
		return it.Batch.Seq, nil
	}
	return 0, nil
}

// Item reads one item of the stream by txid, verbose (block hash, height
// and output). An id that is not an item of the stream is an error
// matching ErrItemNotFound.
func (a *Adapter) Item(ctx context.Context, txid common.Hash) (*Item, error) {
	n, err := a.rpc.StreamItem(ctx, a.opts.Stream, txid, true)
	if err != nil {
		return nil, fmt.Errorf("read item %s: %w", TxIDString(txid), a.readError(err))
	}
	it, err := toItem(ctx, n, a.rpc.TxOutData)
	if err != nil {
		return nil, err
	}
	return a.mark(it), nil
}

// KeyItems reads every item under key, oldest first, paging (the node
// returns only the last 10 unless asked otherwise); foreign items are
// included, marked Foreign.
func (a *Adapter) KeyItems(ctx context.Context, key string) ([]*Item, error) {
	var out []*Item
	err := a.pages(ctx, func(start int) ([]NodeItem, error) {
		return a.rpc.StreamKeyItems(ctx, a.opts.Stream, key, true, a.opts.PageSize, start)
	}, func(it *Item) error {
		out = append(out, it)
		return nil
	})
	return out, err
}

// Items calls fn with every item of the stream, oldest first (mempool
// items last), reading PageSize at a time; fn's error stops the walk and is
// returned. Foreign items are included, marked Foreign: the caller decides
// how to report them. It is what a rebuild and a reconciliation read.
func (a *Adapter) Items(ctx context.Context, fn func(*Item) error) error {
	return a.pages(ctx, func(start int) ([]NodeItem, error) {
		return a.rpc.StreamItems(ctx, a.opts.Stream, true, a.opts.PageSize, start)
	}, fn)
}

func (a *Adapter) pages(ctx context.Context, page func(start int) ([]NodeItem, error), fn func(*Item) error) error {
	for start := 0; ; start += a.opts.PageSize {
		nodeItems, err := page(start)
		if err != nil {
			return a.readError(err)
		}
		for i := range nodeItems {
			it, err := toItem(ctx, &nodeItems[i], a.rpc.TxOutData)
			if err != nil {
				return err
			}
			if err := fn(a.mark(it)); err != nil {
				return err
			}
		}
		if len(nodeItems) < a.opts.PageSize {
			return nil
		}
	}
}

// Head is the height of the node's best block.
func (a *Adapter) Head(ctx context.Context) (uint64, error) {
	info, err := a.rpc.BlockchainInfo(ctx)
	if err != nil {
		return 0, err
	}
	return info.Blocks, nil
}

// readError explains the read errors that need an operator.
func (a *Adapter) readError(err error) error {
	switch {
	case errors.Is(err, ErrNotSubscribed):
		return fmt.Errorf("the node is not subscribed to stream %s (run aartha multichain init, or subscribe %s): %w", a.opts.Stream, a.opts.Stream, err)
	case errors.Is(err, ErrStreamNotFound):
		return fmt.Errorf("stream %s does not exist on chain %s (run aartha multichain init): %w", a.opts.Stream, a.opts.ChainName, err)
	}
	return err
}

// publishError explains the publish errors that need an operator.
func (a *Adapter) publishError(err error) error {
	switch {
	case errors.Is(err, ErrNoPermission):
		return fmt.Errorf("address %s may not publish to stream %s: it needs send and %s.write (run aartha multichain init): %w", a.opts.From, a.opts.Stream, a.opts.Stream, err)
	case errors.Is(err, ErrNotInWallet):
		return fmt.Errorf("%w: %w", notInWallet(a.opts.From, a.rpc.Host()), err)
	}
	return fmt.Errorf("publish to stream %s: %w", a.opts.Stream, a.readError(err))
}

// Progress is a step of an anchor on its way to finality: submitted (in the
// mempool), included (in a block, not yet deep enough) or final
// (Confirmations deep). Item carries txid, block and output.
type Progress struct {
	Status ledger.AnchorStatus
	Item   Item
}

// AnchorRecord publishes a record (idempotently, as PublishRecord) and
// follows it to finality, calling update at every step — again if a reorg
// moves the item to another block, and from submitted again if it drops out
// of the chain, in which case it is published anew only if the stream no
// longer holds it. update's error stops the anchoring and is returned.
// Errors for which IsPermanent is true must not be retried.
func (a *Adapter) AnchorRecord(ctx context.Context, r RecordRequest, update func(Progress) error) error {
	return a.follow(ctx, func(ctx context.Context) (*Item, error) {
		it, _, err := a.PublishRecord(ctx, r)
		return it, err
	}, update)
}

// AnchorBatch is AnchorRecord for a batch root.
func (a *Adapter) AnchorBatch(ctx context.Context, b BatchRequest, update func(Progress) error) error {
	return a.follow(ctx, func(ctx context.Context) (*Item, error) {
		it, _, err := a.PublishBatch(ctx, b)
		return it, err
	}, update)
}

func (a *Adapter) follow(ctx context.Context, publish func(context.Context) (*Item, error), update func(Progress) error) error {
	item, err := publish(ctx)
	if err != nil {
		return err
	}
	var (
		last      ledger.AnchorStatus
		lastTx    common.Hash
		lastBlock common.Hash
	)
	timer := time.NewTimer(a.opts.PollInterval)
	defer timer.Stop()
	for {
		status := a.statusOf(item)
		if status != last || item.TxID != lastTx || item.BlockHash != lastBlock {
			if err := update(Progress{Status: status, Item: *item}); err != nil {
				return err
			}
			last, lastTx, lastBlock = status, item.TxID, item.BlockHash
		}
		if status == ledger.AnchorFinal {
			return nil
		}
		timer.Reset(a.opts.PollInterval)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		next, err := a.Item(ctx, item.TxID)
		if errors.Is(err, ErrItemNotFound) {
			next, err = publish(ctx) // dropped: the read-back decides whether to publish again
		}
		if err != nil {
			return err
		}
		item = next
	}
}

func (a *Adapter) statusOf(it *Item) ledger.AnchorStatus {
	switch {
	case it.Confirmations >= a.opts.Confirmations:
		return ledger.AnchorFinal
	case it.Confirmations > 0:
		return ledger.AnchorIncluded
	}
	return ledger.AnchorSubmitted
}
