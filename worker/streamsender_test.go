package worker_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/multichain/multichaintest"
	"github.com/aartha/ledger/worker"
)

// streamRig is a store and a fake MultiChain node mining every 50 ms, with
// the stream initialised.
type streamRig struct {
	rig
	node        *multichaintest.Node
	adapter     *multichain.Adapter
	adapterFrom string
}

func newStreamRig(t *testing.T, mode string) *streamRig {
	t.Helper()
	ctx := context.Background()
	db := openStore(t)

	node := multichaintest.Start(t, multichaintest.Options{})
	node.MineEvery(t, 50*time.Millisecond)
	c, err := multichain.NewClient(multichain.ClientConfig{URL: node.URL, User: node.User, Password: node.Password})
	require.NoError(t, err)
	from := node.NewAddress()
	a, err := multichain.New(c, multichain.Options{Stream: "loans", ChainName: "testchain", From: from,
		Confirmations: 2, PollInterval: 20 * time.Millisecond, PageSize: 3})
	require.NoError(t, err)
	_, err = a.Init(ctx)
	require.NoError(t, err)
	return &streamRig{
		rig:  rig{db: db, mode: mode, svc: &ledger.LoanService{Store: db, Now: time.Now, Rand: detRand{}, AnchorMode: mode}},
		node: node, adapter: a, adapterFrom: from,
	}
}

func (r *streamRig) start(t *testing.T, sender ledger.ChainSender) {
	t.Helper()
	r.startWith(t, sender, func(*worker.Config) {})
}

// startWith starts a worker sending 8 direct-mode records at once, with
// edit applied to its configuration.
func (r *streamRig) startWith(t *testing.T, sender ledger.ChainSender, edit func(*worker.Config)) {
	t.Helper()
	cfg := worker.Config{
		Mode: r.mode, Contract: r.adapter.Stream(), BatchMax: 4, BatchWindow: 100 * time.Millisecond,
		MaxRetries: 10, RetryDelay: 100 * time.Millisecond, Network: r.adapter.Chain(), Concurrency: 8,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	edit(&cfg)
	w, err := worker.New(r.db, sender, cfg)
	require.NoError(t, err)
	r.db.SetJobHook(w)
	require.NoError(t, w.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Stop(ctx)
	})
}

// TestStreamSenderAnchorsEachRecordOnce runs the worker on a MultiChain
// stream in both modes: every record (approval, then repayment) becomes
// final with the item's txid, block and output, exactly one item per record
// or root is in the stream, batches are numbered 1, 2, ... and the audit
// rows name the chain and the stream.
func TestStreamSenderAnchorsEachRecordOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{ledger.ModeDirect, ledger.ModeBatch} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newStreamRig(t, mode)
			r.start(t, multichain.NewChain(r.adapter))
			ids := r.approve(t, "MC-"+mode, 6)
			_, err := r.svc.MarkRepaid(ctx, ledger.CLIActor("test"), ids[0], "1100")
			require.NoError(t, err)
			var anchors []*ledger.Anchor
			require.Eventually(t, func() bool {
				anchors, err = r.db.Anchors(ctx, ledger.AnchorFilter{})
				require.NoError(t, err)
				final := 0
				for _, a := range anchors {
					require.NotEqual(t, ledger.AnchorFailed, a.Status, a.LastError)
					if a.Status == ledger.AnchorFinal {
						final++
					}
				}
				return final == 7
			}, 60*time.Second, 50*time.Millisecond)

			items := map[string]*multichain.Item{}
			var seqs []uint64
			require.NoError(t, r.adapter.Items(ctx, func(it *multichain.Item) error {
				require.Empty(t, it.Problem)
				key := multichain.TxIDString(it.TxID)
				require.NotContains(t, items, key)
				items[key] = it
				if it.Batch != nil {
					seqs = append(seqs, it.Batch.Seq)
				}
				return nil
			}))
			records := map[ledger.RecordKey]int{}
			for _, it := range items {
				if it.Record != nil {
					records[ledger.RecordKey{LoanKey: it.Record.LoanKey, Kind: it.Record.Kind}]++
				}
			}
			for _, a := range anchors {
				it := items[multichain.TxIDString(a.TxHash)]
				require.NotNil(t, it, "anchor %s %s names an item of the stream", a.LoanID, a.Kind)
				require.Equal(t, it.BlockHash, a.BlockHash)
				require.Equal(t, it.BlockHeight, a.BlockNumber)
				require.Equal(t, uint(it.Vout), a.LogIndex)
				if mode == ledger.ModeDirect {
					require.Equal(t, a.Commitment, it.Record.Commitment)
					require.Equal(t, 1, records[ledger.RecordKey{LoanKey: a.LoanKey, Kind: a.Kind}])
					continue
				}
				b, err := r.db.Batch(ctx, a.BatchID)
				require.NoError(t, err)
				require.Equal(t, b.Root, it.Batch.Root)
				require.Equal(t, it.Batch.Seq, b.Seq)
				require.Equal(t, b.Root, ledger.ProcessProof(a.Leaf, a.Proof))
				require.Zero(t, b.GasUsed, "a stream has no gas")
			}
			if mode == ledger.ModeDirect {
				require.Len(t, items, 7)
			} else {
				require.NotEmpty(t, seqs)
				for i, s := range seqs {
					require.Equal(t, uint64(i+1), s, "batch sequence numbers have no gaps")
				}
			}

			action := "anchor.final"
			if mode == ledger.ModeBatch {
				action = "batch.final"
			}
			es, err := r.db.AuditEntries(ctx, ledger.AuditFilter{Action: action, Limit: 10})
			require.NoError(t, err)
			require.NotEmpty(t, es)
			for _, e := range es {
				require.NotNil(t, e.Chain)
				require.Equal(t, "multichain:testchain", e.Chain.Network)
				require.Equal(t, "loans", e.Chain.Contract)
				require.Zero(t, e.Chain.GasUsed)
				var after map[string]any
				require.NoError(t, json.Unmarshal(e.After, &after))
				require.Equal(t, e.Chain.TxHash, after["tx_hash"])
			}
		})
	}
}

// TestStreamSenderRepaymentOfUnknownLoanFails: a repayment whose approval is
// not in the stream fails for good, as the EVM registry's revert does,
// without a retry.
func TestStreamSenderRepaymentOfUnknownLoanFails(t *testing.T) {
	t.Parallel()
	r := newStreamRig(t, ledger.ModeDirect)
	var calls int
	err := multichain.NewChain(r.adapter).Send(context.Background(), ledger.SendRequest{
		Key:    "anchor:1",
		Record: &ledger.RecordWrite{LoanID: "NOPE-1", Kind: ledger.KindRepaid, Commitment: ledger.LoanKey("x")},
	}, func(ledger.SendUpdate) error { calls++; return nil })
	require.Error(t, err)
	require.True(t, ledger.Permanent(err), "%v", err)
	require.Zero(t, calls)

	err = multichain.NewChain(r.adapter).Send(context.Background(), ledger.SendRequest{Key: "anchor:2"},
		func(ledger.SendUpdate) error { return nil })
	require.True(t, ledger.Permanent(err), "%v", err)
}

// TestStreamSenderCrashNeverPublishesTwice cuts the first send off right
// after its item was published, or after it became final but before that
// was recorded; the retry reads the stream back, finds the item and
// completes the record with it instead of publishing a second one.
func TestStreamSenderCrashNeverPublishesTwice(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode string
		at   ledger.AnchorStatus
	}{
		{ledger.ModeBatch, ledger.AnchorSubmitted}, {ledger.ModeDirect, ledger.AnchorSubmitted},
		{ledger.ModeBatch, ledger.AnchorFinal}, {ledger.ModeDirect, ledger.AnchorFinal},
	} {
		t.Run(c.mode+" at "+string(c.at), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newStreamRig(t, c.mode)
			sender := &crashingSender{at: c.at, inner: multichain.NewChain(r.adapter)}
			r.start(t, sender)
			ids := r.approve(t, "C", 3)
			anchors := r.waitFinal(t, ids)
			require.True(t, sender.crashed.Load(), "the crash happened")

			perKey := map[string]int{}
			require.NoError(t, r.adapter.Items(ctx, func(it *multichain.Item) error {
				perKey[it.Keys[0]]++
				return nil
			}))
			for k, n := range perKey {
				require.Equal(t, 1, n, "one item under %s", k)
			}
			txs := map[string]bool{}
			for _, a := range anchors {
				txs[a.TxHash.Hex()] = true
				it, err := r.adapter.Item(ctx, a.TxHash)
				require.NoError(t, err, "anchor %s names the item on chain", a.LoanID)
				require.Equal(t, a.BlockHash, it.BlockHash)
			}
			require.Len(t, perKey, len(txs), "every item in the stream is one the database records")
		})
	}
}

// TestStreamSenderOutageIsAWait stops the node while records are on their
// way, for far longer than the retries would last (2 attempts, 10 ms
// apart): every record waits, the outage is reported once it has lasted
// OutageAlertAfter, and once the node is back every record becomes final,
// none failed, each published once.
func TestStreamSenderOutageIsAWait(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{ledger.ModeDirect, ledger.ModeBatch} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newStreamRig(t, mode)
			outages := make(chan *worker.Outage, 16)
			r.startWith(t, multichain.NewChain(r.adapter), func(c *worker.Config) {
				c.MaxRetries, c.RetryDelay = 2, 10*time.Millisecond
				c.OutageRetryDelay, c.OutageMaxDelay, c.OutageAlertAfter = 10*time.Millisecond, 40*time.Millisecond, 300*time.Millisecond
				c.OnOutage = func(o *worker.Outage) { outages <- o }
			})
			r.node.Down()
			ids := r.approve(t, "OUT-"+mode, 5)
			var alert *worker.Outage
			select {
			case alert = <-outages:
			case <-time.After(60 * time.Second):
				t.Fatal("no outage alert")
			}
			require.NotNil(t, alert, "the first report is the alert")
			require.NotEmpty(t, alert.Err)
			for _, id := range ids {
				as, err := r.db.Anchors(ctx, ledger.AnchorFilter{LoanID: id})
				require.NoError(t, err)
				for _, a := range as {
					require.NotEqual(t, ledger.AnchorFailed, a.Status, "an outage fails nothing: %s", a.LastError)
				}
			}
			r.node.Up()
			anchors := r.waitFinal(t, ids)
			require.Len(t, anchors, 5)
			select {
			case o := <-outages:
				require.Nil(t, o, "the end of the outage is reported")
			case <-time.After(60 * time.Second):
				t.Fatal("the end of the outage was not reported")
			}
			perKey := map[string]int{}
			require.NoError(t, r.adapter.Items(ctx, func(it *multichain.Item) error {
				perKey[it.Keys[0]]++
				return nil
			}))
			for k, n := range perKey {
				require.Equal(t, 1, n, "one item under %s", k)
			}
		})
	}
}

// TestStreamSenderForeignItemsNeverBlock: another write-permitted address
// publishes, before us, an anchor item under our loan's key with another
// commitment (direct) and batch items under the batch index key with a
// high sequence number (batch). Our records still become final with our
// own items, and our batches are numbered 1, 2, ... as if the foreign
// items were not there.
func TestStreamSenderForeignItemsNeverBlock(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{ledger.ModeDirect, ledger.ModeBatch} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newStreamRig(t, mode)
			c := r.adapter.Client()
			squatter := r.node.NewAddress()
			for _, perm := range []string{"send", r.adapter.Stream() + ".write"} {
				_, err := c.Grant(ctx, squatter, perm)
				require.NoError(t, err)
			}
			ids := []string{"SQ-0", "SQ-1", "SQ-2"}
			for _, id := range ids {
				_, err := c.PublishFrom(ctx, squatter, r.adapter.Stream(), []string{id}, map[string]any{"json": multichain.RecordPayload{
					Schema: multichain.SchemaAnchor, Kind: ledger.KindApproved, LoanKey: ledger.LoanKey(id), Commitment: ledger.LoanKey("0x4242")}})
				require.NoError(t, err)
			}
			_, err := c.PublishFrom(ctx, squatter, r.adapter.Stream(), []string{multichain.BatchKey(ledger.LoanKey("x")), multichain.BatchIndexKey},
				map[string]any{"json": multichain.BatchPayload{Schema: multichain.SchemaBatch, Root: ledger.LoanKey("x"), LeafCount: 1, Seq: 41}})
			require.NoError(t, err)
			var foreign atomic.Int32
			a, err := multichain.New(c, multichain.Options{Stream: r.adapter.Stream(), ChainName: "testchain", From: r.adapterFrom,
				Confirmations: 2, PollInterval: 20 * time.Millisecond, PageSize: 3,
				OnForeign: func(string, *multichain.Item) { foreign.Add(1) }})
			require.NoError(t, err)
			r.start(t, multichain.NewChain(a))
			got := r.approve(t, "SQ", 3)
			require.Equal(t, ids, got)
			anchors := r.waitFinal(t, ids)
			require.NotZero(t, foreign.Load(), "the foreign items were seen and reported")
			for _, an := range anchors {
				it, err := a.Item(ctx, an.TxHash)
				require.NoError(t, err)
				require.False(t, it.Foreign, "the anchor names our item")
				if mode == ledger.ModeDirect {
					require.Equal(t, an.Commitment, it.Record.Commitment)
					continue
				}
				b, err := r.db.Batch(ctx, an.BatchID)
				require.NoError(t, err)
				require.Less(t, b.Seq, uint64(41), "numbered after our own batches, not the foreign one")
			}
			if mode == ledger.ModeBatch {
				var seqs []uint64
				require.NoError(t, a.Items(ctx, func(it *multichain.Item) error {
					if it.Batch != nil && !it.Foreign {
						seqs = append(seqs, it.Batch.Seq)
					}
					return nil
				}))
				require.NotEmpty(t, seqs)
				for i, s := range seqs {
					require.Equal(t, uint64(i+1), s)
				}
			}
		})
	}
}
