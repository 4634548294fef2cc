package reconcile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// SchemaChainLog is the schema of each line of the chain-log export.
const SchemaChainLog = "aartha.chainlog/v1"

// Entry types of the chain log.
const (
	EntryAnchor = "anchor" // one direct-mode storeLoan or markRepaid
	EntryBatch  = "batch"  // one anchorBatch, with every leaf it holds
)

// LogEntry is one line of the chain log: one final registry write, as the
// database knows it. Lines are in chain order (block number, log index), so
// a log only ever grows at its end and can be resumed from its last line.
type LogEntry struct {
	Schema      string      `json:"schema"`
	Type        string      `json:"type"`
	BlockNumber uint64      `json:"block_number"`
	LogIndex    uint        `json:"log_index"`
	BlockHash   common.Hash `json:"block_hash"`
	TxHash      common.Hash `json:"tx_hash"`
	FinalAt     *time.Time  `json:"final_at,omitempty"`

	// Direct anchors.
	LoanID     string       `json:"loan_id,omitempty"`
	Kind       ledger.Kind  `json:"kind,omitempty"`
	LoanKey    *common.Hash `json:"loan_key,omitempty"`
	Commitment *common.Hash `json:"commitment,omitempty"`
	// Erased says the loan's personal data had been erased when the line
	// was written (docs/privacy.md): its record can no longer be
	// recomputed, the commitment stands. Lines are never rewritten, so a
	// later erasure does not show in lines written before it.
	Erased bool `json:"erased,omitempty"`

	// Batches.
	Root        *common.Hash `json:"root,omitempty"`
	Seq         uint64       `json:"seq,omitempty"`
	LeafCount   int          `json:"leaf_count,omitempty"`
	GasUsed     uint64       `json:"gas_used,omitempty"`
	GasPriceWei string       `json:"gas_price_wei,omitempty"`
	Leaves      []LogLeaf    `json:"leaves,omitempty"`
}

// LogLeaf is one record under a batch root: enough to rebuild the tree and
// to know which loan each leaf belongs to.
type LogLeaf struct {
	LoanID     string      `json:"loan_id"`
	Kind       ledger.Kind `json:"kind"`
	Commitment common.Hash `json:"commitment"`
	Erased     bool        `json:"erased,omitempty"` // as LogEntry.Erased
}

// after reports whether e comes after the position (block, log).
func (e *LogEntry) after(block uint64, log uint) bool {
	return e.BlockNumber > block || (e.BlockNumber == block && e.LogIndex > log)
}

// ExportStore is what Export reads; *store.DB satisfies it.
type ExportStore interface {
	ForEachAnchor(ctx context.Context, loanIDs []string, fn func(*ledger.Anchor, *ledger.Loan) error) error
	AllBatches(ctx context.Context) ([]*ledger.Batch, error)
}

// Export writes, as JSON lines, every final registry write the database knows
// of that comes after position (afterBlock, afterLog) in chain order, and
// returns how many lines it wrote. Only final writes are exported, so a line
// once written never changes.
func Export(ctx context.Context, st ExportStore, w io.Writer, afterBlock uint64, afterLog uint, haveCursor bool) (int, error) {
	batches, err := st.AllBatches(ctx)
	if err != nil {
		return 0, err
	}
	var entries []*LogEntry
	byID := map[int64]*LogEntry{}
	for _, b := range batches {
		if b.Status != ledger.AnchorFinal {
			continue
		}
		root := b.Root
		e := &LogEntry{Schema: SchemaChainLog, Type: EntryBatch, BlockNumber: b.BlockNumber, LogIndex: b.LogIndex,
			BlockHash: b.BlockHash, TxHash: b.TxHash, FinalAt: b.FinalAt,
			Root: &root, Seq: b.Seq, LeafCount: b.LeafCount, GasUsed: b.GasUsed, GasPriceWei: b.GasPriceWei}
		if !haveCursor || e.after(afterBlock, afterLog) {
			byID[b.ID] = e
			entries = append(entries, e)
		}
	}
	err = st.ForEachAnchor(ctx, nil, func(a *ledger.Anchor, l *ledger.Loan) error {
		erased := l != nil && l.ErasedAt != nil
		if a.Mode == ledger.ModeBatch {
			if e := byID[a.BatchID]; e != nil {
				e.Leaves = append(e.Leaves, LogLeaf{LoanID: a.LoanID, Kind: a.Kind, Commitment: a.Commitment, Erased: erased})
			}
			return nil
		}
		if a.Status != ledger.AnchorFinal {
			return nil
		}
		key, commitment := a.LoanKey, a.Commitment
		e := &LogEntry{Schema: SchemaChainLog, Type: EntryAnchor, BlockNumber: a.BlockNumber, LogIndex: a.LogIndex,
			BlockHash: a.BlockHash, TxHash: a.TxHash, FinalAt: a.FinalAt,
			LoanID: a.LoanID, Kind: a.Kind, LoanKey: &key, Commitment: &commitment, Erased: erased}
		if !haveCursor || e.after(afterBlock, afterLog) {
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.SortFunc(entries, func(a, b *LogEntry) int {
		if a.BlockNumber != b.BlockNumber {
			return cmpUint(a.BlockNumber, b.BlockNumber)
		}
		return cmpUint(uint64(a.LogIndex), uint64(b.LogIndex))
	})
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			return 0, fmt.Errorf("write chain log: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("write chain log: %w", err)
	}
	return len(entries), nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// LastPosition returns the chain position of the last complete line of an
// export file, so that an export can resume after it. ok is false for a
// missing or empty file. A torn last line (a crash mid-write) is an error
// that says to truncate it.
func LastPosition(path string) (block uint64, log uint, ok bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, false, err
	}
	size := st.Size()
	if size == 0 {
		return 0, 0, false, nil
	}
	// Read backwards until the start of the last line.
	const chunk = 1 << 16
	var tail []byte
	for off := size; off > 0 && bytes.Count(tail, []byte("\n")) < 2; {
		n := int64(chunk)
		if off < n {
			n = off
		}
		off -= n
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, off); err != nil {
			return 0, 0, false, err
		}
		tail = append(buf, tail...)
	}
	if tail[len(tail)-1] != '\n' {
		return 0, 0, false, fmt.Errorf("%s ends in a torn line (an export was interrupted): remove its last line and run again", path)
	}
	lines := bytes.Split(bytes.TrimRight(tail, "\n"), []byte("\n"))
	var e LogEntry
	if err := json.Unmarshal(lines[len(lines)-1], &e); err != nil || e.Schema != SchemaChainLog {
		return 0, 0, false, fmt.Errorf("%s: last line is not a %s entry", path, SchemaChainLog)
	}
	return e.BlockNumber, e.LogIndex, true, nil
}

// ReadLeavesFile reads the leaf lists of the export file at path
// (ReadLeaves).
func ReadLeavesFile(path string) (map[common.Hash][]LogLeaf, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open leaf list: %w", err)
	}
	defer f.Close()
	leaves, err := ReadLeaves(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return leaves, nil
}

// ReadLeaves reads an export file and returns the leaf list of every batch
// in it, by root. Lines of other types are skipped.
func ReadLeaves(r io.Reader) (map[common.Hash][]LogLeaf, error) {
	out := map[common.Hash][]LogLeaf{}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	for line := 1; ; line++ {
		var e LogEntry
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("chain log entry %d: %w", line, err)
		}
		if e.Schema != SchemaChainLog {
			return nil, fmt.Errorf("chain log entry %d has schema %q, want %s", line, e.Schema, SchemaChainLog)
		}
		if e.Type == EntryBatch && e.Root != nil {
			out[*e.Root] = e.Leaves
		}
	}
}
