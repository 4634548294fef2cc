package txmgr

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

var _ Journal = (*MemJournal)(nil)

// MemJournal is an in-memory Journal for tests and for the embedded,
// in-memory development setup. It keeps the Journal contract except
// durability: everything is gone when the process ends. Safe for
// concurrent use.
type MemJournal struct {
	mu      sync.Mutex
	now     func() time.Time
	records map[string]*Record
	order   []string
	next    map[common.Address]uint64
}

// NewMemJournal returns an empty journal; now is its clock (nil for
// time.Now).
func NewMemJournal(now func() time.Time) *MemJournal {
	if now == nil {
		now = time.Now
	}
	return &MemJournal{now: now, records: map[string]*Record{}, next: map[common.Address]uint64{}}
}

// clone deep-copies a record so callers cannot alias journal state.
func clone(r *Record) Record {
	c := *r
	c.Data = slices.Clone(r.Data)
	c.Attempts = make([]Attempt, len(r.Attempts))
	for i, a := range r.Attempts {
		a.Raw = slices.Clone(a.Raw)
		a.TipCap, a.FeeCap = copyBig(a.TipCap), copyBig(a.FeeCap)
		c.Attempts[i] = a
	}
	if r.Inclusion != nil {
		inc := *r.Inclusion
		inc.EffectiveGasPrice = copyBig(inc.EffectiveGasPrice)
		c.Inclusion = &inc
	}
	return c
}

func copyBig(b *big.Int) *big.Int {
	if b == nil {
		return nil
	}
	return new(big.Int).Set(b)
}

// Create implements Journal.
func (j *MemJournal) Create(_ context.Context, rec Record) (Record, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if r, ok := j.records[rec.Key]; ok {
		return clone(r), false, nil
	}
	if rec.Key == "" {
		return Record{}, false, errors.New("create send: empty key")
	}
	now := j.now()
	r := clone(&rec)
	r.Phase, r.HasNonce, r.Nonce, r.Attempts, r.Inclusion = PhaseQueued, false, 0, nil, nil
	r.CreatedAt, r.UpdatedAt = now, now
	j.records[rec.Key] = &r
	j.order = append(j.order, rec.Key)
	return clone(&r), true, nil
}

// Get implements Journal.
func (j *MemJournal) Get(_ context.Context, key string) (Record, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.records[key]
	if !ok {
		return Record{}, fmt.Errorf("get send %q: %w", key, ErrNotFound)
	}
	return clone(r), nil
}

// AssignNonce implements Journal.
func (j *MemJournal) AssignNonce(_ context.Context, key string, floor uint64) (uint64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.records[key]
	if !ok {
		return 0, fmt.Errorf("assign nonce to %q: %w", key, ErrNotFound)
	}
	if r.HasNonce {
		return r.Nonce, nil
	}
	n := max(j.next[r.From], floor)
	r.Nonce, r.HasNonce = n, true
	j.next[r.From] = n + 1
	r.UpdatedAt = j.now()
	return n, nil
}

// AddAttempt implements Journal.
func (j *MemJournal) AddAttempt(_ context.Context, key string, a Attempt) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.records[key]
	if !ok {
		return fmt.Errorf("add attempt to %q: %w", key, ErrNotFound)
	}
	for _, old := range r.Attempts {
		if old.Hash == a.Hash {
			return nil
		}
	}
	tmp := Record{Attempts: []Attempt{a}}
	r.Attempts = append(r.Attempts, clone(&tmp).Attempts[0])
	r.UpdatedAt = j.now()
	return nil
}

// Update implements Journal.
func (j *MemJournal) Update(_ context.Context, key string, st Status) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.records[key]
	if !ok {
		return fmt.Errorf("update send %q: %w", key, ErrNotFound)
	}
	if r.Phase.Done() {
		return fmt.Errorf("update send %q: it is already %s", key, r.Phase)
	}
	tmp := Record{Inclusion: st.Inclusion}
	r.Phase, r.Inclusion, r.Reason, r.Tries = st.Phase, clone(&tmp).Inclusion, st.Reason, st.Tries
	r.UpdatedAt = j.now()
	return nil
}

// Unfinished implements Journal.
func (j *MemJournal) Unfinished(_ context.Context, from common.Address) ([]Record, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Record
	for _, key := range j.order {
		r := j.records[key]
		if r.From == from && !r.Phase.Done() {
			out = append(out, clone(r))
		}
	}
	slices.SortStableFunc(out, func(a, b Record) int {
		switch {
		case a.HasNonce && b.HasNonce:
			return cmp.Compare(a.Nonce, b.Nonce)
		case a.HasNonce:
			return -1
		case b.HasNonce:
			return 1
		}
		return 0
	})
	return out, nil
}

// Reopen implements Journal.
func (j *MemJournal) Reopen(_ context.Context, key, reason string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.records[key]
	switch {
	case !ok:
		return fmt.Errorf("reopen send %q: %w", key, ErrNotFound)
	case r.Phase == PhaseFailed:
		return fmt.Errorf("reopen send %q: it failed, and a failed send is never reopened", key)
	case r.Phase != PhaseFinal:
		return nil
	}
	r.Phase, r.Inclusion, r.Reason = PhaseSubmitted, nil, reason
	r.UpdatedAt = j.now()
	return nil
}

// ByNonce implements Journal.
func (j *MemJournal) ByNonce(_ context.Context, from common.Address, nonce uint64) (Record, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, key := range j.order {
		if r := j.records[key]; r.From == from && r.HasNonce && r.Nonce == nonce {
			return clone(r), nil
		}
	}
	return Record{}, fmt.Errorf("send with nonce %d of %s: %w", nonce, from.Hex(), ErrNotFound)
}

// NextNonce implements Journal.
func (j *MemJournal) NextNonce(_ context.Context, from common.Address) (uint64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.next[from], nil
}
