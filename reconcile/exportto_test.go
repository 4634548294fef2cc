package reconcile_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/reconcile"
)

// noWrites is a store with nothing final on chain yet.
type noWrites struct{}

func (noWrites) ForEachAnchor(context.Context, []string, func(*ledger.Anchor, *ledger.Loan) error) error {
	return nil
}
func (noWrites) AllBatches(context.Context) ([]*ledger.Batch, error) { return nil, nil }

func TestExportToSaysWhatItWrote(t *testing.T) {
	t.Parallel()
	var stdout strings.Builder
	path := filepath.Join(t.TempDir(), "chain.jsonl")
	require.NoError(t, reconcile.ExportTo(context.Background(), noWrites{}, path, &stdout))
	require.Equal(t, "wrote 0 entries to "+path+"\n", stdout.String())

	stdout.Reset()
	require.NoError(t, reconcile.ExportTo(context.Background(), noWrites{}, "-", &stdout))
	require.Empty(t, stdout.String(), "nothing final: no lines")

	err := reconcile.ExportTo(context.Background(), noWrites{}, filepath.Join(t.TempDir(), "absent", "x.jsonl"), &stdout)
	require.Error(t, err)
}
