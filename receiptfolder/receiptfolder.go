// Package receiptfolder checks a folder of proof receipts against an EVM
// chain: several receipts at once, the reads they share (the chain id, the
// head, a batch's transaction and getBatch) made once, with progress
// reported as receipts are done. `aartha verify FOLDER` is its command.
package receiptfolder

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
)

// How many receipts are checked at once when Options does not say: with
// batched calls many more, so that each batch has calls to gather.
const (
	DefaultWorkers      = 8
	DefaultBatchWorkers = 256
)

// Batched calls: at most this many eth_calls in one JSON-RPC request, and
// this many requests on the wire at once.
const (
	maxBatchCalls = 100
	batchSenders  = 2
)

// Progress is told about every receipt checked.
type Progress interface{ Add(n int) error }

// Options tunes Verify.
type Options struct {
	Workers  int      // receipts checked at once; 0 is DefaultWorkers (DefaultBatchWorkers with Batch)
	Progress Progress // nil reports nothing
	// Batch, if set, carries the calls each receipt makes on its own (a
	// batch receipt's verifyLeaf, a direct one's getLoan) as JSON-RPC
	// batches to the same node as the backend.
	Batch BatchCaller
}

// Result is the outcome of a folder: per file, "" when the receipt is
// verified, otherwise why not.
type Result struct {
	Files    []string
	Failures []string
	Took     time.Duration
}

// Failed is how many receipts were not verified.
func (r *Result) Failed() int {
	bad := 0
	for _, msg := range r.Failures {
		if msg != "" {
			bad++
		}
	}
	return bad
}

// Report prints every receipt not verified and a summary with the rate.
func (r *Result) Report(out io.Writer) {
	for i, msg := range r.Failures {
		if msg != "" {
			fmt.Fprintf(out, "NOT verified: %s: %s\n", filepath.Base(r.Files[i]), msg)
		}
	}
	rate := float64(len(r.Files)) / r.Took.Seconds()
	fmt.Fprintf(out, "%d of %d receipts verified in %s (%.0f receipts/s)\n",
		len(r.Files)-r.Failed(), len(r.Files), r.Took.Round(time.Millisecond), rate)
}

// List returns the *.json files of dir, sorted; none is an error.
func List(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list receipts: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no *.json receipt", dir)
	}
	return files, nil
}

// Verify checks every file against the chain b. A receipt that does not
// parse or does not verify is a failure in the Result; an unreadable file
// or a chain that cannot be asked stops the run with an error.
func Verify(ctx context.Context, b evm.VerifyBackend, files []string, opts Options) (*Result, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = DefaultWorkers
		if opts.Batch != nil {
			workers = DefaultBatchWorkers
		}
	}
	shared := NewSharedReads(b)
	if opts.Batch != nil {
		batchCtx, stop := context.WithCancel(ctx)
		defer stop()
		shared.batch = startCallBatcher(batchCtx, opts.Batch, batchSenders, maxBatchCalls)
	}
	start := time.Now()
	res := &Result{Files: files, Failures: make([]string, len(files))}
	jobs := make(chan int)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fatal error
	)
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				msg, err := verifyFile(ctx, shared, files[i])
				mu.Lock()
				if err != nil && fatal == nil {
					fatal = err
				}
				res.Failures[i] = msg
				if opts.Progress != nil {
					_ = opts.Progress.Add(1)
				}
				mu.Unlock()
			}
		})
	}
	for i := range files {
		mu.Lock()
		stop := fatal != nil
		mu.Unlock()
		if stop {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	res.Took = time.Since(start)
	if fatal != nil {
		return nil, fatal
	}
	return res, nil
}

// verifyFile checks one receipt file; a receipt that does not parse or
// does not verify is a failure message, an unreachable chain an error.
func verifyFile(ctx context.Context, b evm.VerifyBackend, path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read receipt: %w", err)
	}
	r, err := ledger.ParseReceipt(data)
	if err != nil {
		return ledger.ErrorMessage(err), nil
	}
	v, err := evm.VerifyReceipt(ctx, b, r)
	if err != nil {
		return "", err
	}
	if v.Verified {
		return "", nil
	}
	var failed []string
	for _, c := range v.Checks {
		if !c.OK {
			failed = append(failed, fmt.Sprintf("%s (expected %s, found %s)", c.Name, c.Expected, c.Found))
		}
	}
	return "failed " + strings.Join(failed, "; "), nil
}

// SharedReads is a VerifyBackend that makes the reads many receipts have
// in common once: the chain id, the head (taken once, at the first ask:
// confirmations count to it), transaction receipts (one per batch
// transaction) and contract calls of one argument at the latest block
// (getBatch of a root). Safe for concurrent use.
type SharedReads struct {
	evm.VerifyBackend

	batch *callBatcher // nil: calls go to the backend one by one
	mu    sync.Mutex
	cache map[string]*sharedRead
}

type sharedRead struct {
	once sync.Once
	val  any
	err  error
}

var _ evm.VerifyBackend = (*SharedReads)(nil)

// NewSharedReads wraps b.
func NewSharedReads(b evm.VerifyBackend) *SharedReads {
	return &SharedReads{VerifyBackend: b, cache: map[string]*sharedRead{}}
}

// read makes the read under key once; an error is not kept, so a read
// that failed is made again.
func (s *SharedReads) read(key string, fn func() (any, error)) (any, error) {
	s.mu.Lock()
	e := s.cache[key]
	if e == nil {
		e = &sharedRead{}
		s.cache[key] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.val, e.err = fn() })
	if e.err != nil && !errors.Is(e.err, ethereum.NotFound) {
		s.mu.Lock()
		if s.cache[key] == e {
			delete(s.cache, key)
		}
		s.mu.Unlock()
	}
	return e.val, e.err
}

// ChainID implements evm.VerifyBackend, asking once.
func (s *SharedReads) ChainID(ctx context.Context) (*big.Int, error) {
	v, err := s.read("chainid", func() (any, error) { return s.VerifyBackend.ChainID(ctx) })
	id, _ := v.(*big.Int)
	return id, err
}

// HeaderByNumber implements evm.VerifyBackend, asking once per block (and
// once for the head).
func (s *SharedReads) HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error) {
	key := "head"
	if number != nil {
		key = "header:" + number.String()
	}
	v, err := s.read(key, func() (any, error) { return s.VerifyBackend.HeaderByNumber(ctx, number) })
	h, _ := v.(*types.Header)
	return h, err
}

// TransactionReceipt implements evm.VerifyBackend, asking once per
// transaction.
func (s *SharedReads) TransactionReceipt(ctx context.Context, tx common.Hash) (*types.Receipt, error) {
	v, err := s.read("tx:"+tx.Hex(), func() (any, error) { return s.VerifyBackend.TransactionReceipt(ctx, tx) })
	r, _ := v.(*types.Receipt)
	return r, err
}

// CallContract implements evm.VerifyBackend, making each call of one
// argument at the latest block once. Longer calls (verifyLeaf with a
// receipt's proof) are each a receipt's own: keeping them would only fill
// memory.
func (s *SharedReads) CallContract(ctx context.Context, call ethereum.CallMsg, block *big.Int) ([]byte, error) {
	if block != nil || call.To == nil {
		return s.VerifyBackend.CallContract(ctx, call, block)
	}
	latest := func() ([]byte, error) {
		if s.batch != nil {
			return s.batch.call(ctx, call)
		}
		return s.VerifyBackend.CallContract(ctx, call, nil)
	}
	if len(call.Data) > 4+32 {
		return latest()
	}
	v, err := s.read("call:"+call.To.Hex()+":"+hex.EncodeToString(call.Data), func() (any, error) { return latest() })
	b, _ := v.([]byte)
	return slices.Clone(b), err
}

// VerifyAt is Verify against the EVM chain at rpcURL: it dials the node
// once for the shared reads and once for the JSON-RPC batches of the
// receipts' own calls (opts.Batch is set here).
func VerifyAt(ctx context.Context, rpcURL string, files []string, opts Options) (*Result, error) {
	client, err := evm.Dial(ctx, rpcURL, "", evm.ClientOptions{})
	if err != nil {
		return nil, err
	}
	defer client.Close()
	batch, err := rpc.DialContext(ctx, rpcURL)
	if err != nil {
		return nil, fmt.Errorf("dial chain for batched calls: %w", err)
	}
	defer batch.Close()
	opts.Batch = batch
	return Verify(ctx, client, files, opts)
}
