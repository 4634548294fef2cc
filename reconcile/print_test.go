package reconcile_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/reconcile"
)

func TestPrintRunAndItsProblems(t *testing.T) {
	t.Parallel()
	run := &ledger.ReconcileRun{ID: 4, Scope: "sample", Counts: ledger.ReconcileCounts{Match: 5, Pending: 1}}
	require.NoError(t, reconcile.ProblemsError(run))

	var text strings.Builder
	require.NoError(t, reconcile.PrintRun(&text, run, false))
	require.Contains(t, text.String(), "match 5, mismatch 0, missing on chain 0, unknown on chain 0, pending 1")

	var asJSON strings.Builder
	require.NoError(t, reconcile.PrintRun(&asJSON, run, true))
	var back ledger.ReconcileRun
	require.NoError(t, json.Unmarshal([]byte(asJSON.String()), &back))
	require.Equal(t, run.Counts, back.Counts)

	run.Counts.Mismatch, run.Counts.Unknown = 1, 2
	require.EqualError(t, reconcile.ProblemsError(run),
		"reconcile run 4 found 3 problem(s): 1 mismatch, 0 missing on chain, 2 unknown on chain")
}

func TestReadLeavesFileNamesTheFile(t *testing.T) {
	t.Parallel()
	_, err := reconcile.ReadLeavesFile(filepath.Join(t.TempDir(), "absent.jsonl"))
	require.ErrorContains(t, err, "open leaf list")

	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	leaves, err := reconcile.ReadLeavesFile(empty)
	require.NoError(t, err)
	require.Empty(t, leaves)

	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("{not json\n"), 0o600))
	_, err = reconcile.ReadLeavesFile(bad)
	require.ErrorContains(t, err, bad)
}
