package main

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
	"github.com/spf13/cobra"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/evm"
)

// verifyWorkers is how many receipts of a folder are checked at once.
const verifyWorkers = 8

// verifyFolder checks every *.json receipt in dir against the EVM chain at
// rpcURL, with a progress bar on a terminal, and prints each receipt that
// fails and a summary. Reads the receipts share (the chain id, the head,
// a batch's transaction and getBatch) are made once.
func verifyFolder(cmd *cobra.Command, dir, rpcURL string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return fmt.Errorf("list receipts: %w", err)
	}
	if len(files) == 0 {
		return fmt.Errorf("%s holds no *.json receipt", dir)
	}
	if rpcURL == "" {
		return fmt.Errorf("--rpc is required: the JSON-RPC URL of the chain the receipts name")
	}
	ctx := cmd.Context()
	client, err := evm.Dial(ctx, rpcURL, "", evm.ClientOptions{})
	if err != nil {
		return err
	}
	defer client.Close()
	shared := newSharedReads(client)
	bar := barProgress{bar: progressFor(cmd, len(files), "verifying receipts")}

	start := time.Now()
	failures := make([]string, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var fatal error
	for range verifyWorkers {
		wg.Go(func() {
			for i := range jobs {
				msg, err := verifyFile(ctx, shared, files[i])
				mu.Lock()
				if err != nil && fatal == nil {
					fatal = err
				}
				failures[i] = msg
				_ = bar.Add(1)
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
	bar.finish(cmd.ErrOrStderr())
	if fatal != nil {
		return fatal
	}
	return reportFolder(cmd.OutOrStdout(), files, failures, time.Since(start))
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

func reportFolder(out io.Writer, files, failures []string, took time.Duration) error {
	bad := 0
	for i, msg := range failures {
		if msg != "" {
			bad++
			fmt.Fprintf(out, "NOT verified: %s: %s\n", filepath.Base(files[i]), msg)
		}
	}
	rate := float64(len(files)) / took.Seconds()
	fmt.Fprintf(out, "%d of %d receipts verified in %s (%.0f receipts/s)\n", len(files)-bad, len(files), took.Round(time.Millisecond), rate)
	if bad > 0 {
		return errNotVerified{}
	}
	return nil
}

// sharedReads is a VerifyBackend that makes the reads many receipts have
// in common once: the chain id, the head (taken once, at the first ask:
// confirmations count to it), transaction receipts (one per batch
// transaction) and contract calls at the latest block (getBatch of a
// root). Safe for concurrent use.
type sharedReads struct {
	evm.VerifyBackend

	mu    sync.Mutex
	cache map[string]*sharedRead
}

type sharedRead struct {
	once sync.Once
	val  any
	err  error
}

var _ evm.VerifyBackend = (*sharedReads)(nil)

func newSharedReads(b evm.VerifyBackend) *sharedReads {
	return &sharedReads{VerifyBackend: b, cache: map[string]*sharedRead{}}
}

// read makes the read under key once; an error is not kept, so a read
// that failed is made again.
func (s *sharedReads) read(key string, fn func() (any, error)) (any, error) {
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

func (s *sharedReads) ChainID(ctx context.Context) (*big.Int, error) {
	v, err := s.read("chainid", func() (any, error) { return s.VerifyBackend.ChainID(ctx) })
	id, _ := v.(*big.Int)
	return id, err
}

func (s *sharedReads) HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error) {
	key := "head"
	if number != nil {
		key = "header:" + number.String()
	}
	v, err := s.read(key, func() (any, error) { return s.VerifyBackend.HeaderByNumber(ctx, number) })
	h, _ := v.(*types.Header)
	return h, err
}

func (s *sharedReads) TransactionReceipt(ctx context.Context, tx common.Hash) (*types.Receipt, error) {
	v, err := s.read("tx:"+tx.Hex(), func() (any, error) { return s.VerifyBackend.TransactionReceipt(ctx, tx) })
	r, _ := v.(*types.Receipt)
	return r, err
}

func (s *sharedReads) CallContract(ctx context.Context, call ethereum.CallMsg, block *big.Int) ([]byte, error) {
	if block != nil || call.To == nil {
		return s.VerifyBackend.CallContract(ctx, call, block)
	}
	v, err := s.read("call:"+call.To.Hex()+":"+hex.EncodeToString(call.Data), func() (any, error) {
		return s.VerifyBackend.CallContract(ctx, call, nil)
	})
	b, _ := v.([]byte)
	return slices.Clone(b), err
}
