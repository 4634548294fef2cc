package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for raw edits
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

// opsEnv is a data directory with an embedded chain and a database (SQLite
// in the directory, or a fresh PostgreSQL schema) that `aartha demo` has
// filled.
type opsEnv struct {
	vars map[string]string
	dir  string
}

func newOpsEnv(t *testing.T, mode string, postgres bool) *opsEnv {
	t.Helper()
	dir := t.TempDir()
	e := &opsEnv{dir: dir, vars: map[string]string{
		"AARTHA_DATA_DIR": dir, "AARTHA_DEV_CHAIN_RPC": "off",
		"BLOCKCHAIN_ANCHOR_MODE": mode, "BLOCKCHAIN_BATCH_WINDOW": "200ms",
	}}
	if postgres {
		e.vars["DATABASE_URL"] = postgresURL(t)
		_, err := run(t, context.Background(), e.vars, "migrate")
		require.NoError(t, err)
	}
	e.demo(t, 4)
	return e
}

func (e *opsEnv) demo(t *testing.T, loans int) {
	t.Helper()
	out, err := run(t, context.Background(), e.vars, "demo", "--loans", fmt.Sprint(loans), "--timeout", "90s")
	require.NoError(t, err, out)
}

func (e *opsEnv) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return run(t, context.Background(), e.vars, args...)
}

// exec runs SQL on the environment's database directly, as an attacker or
// a careless operator with database access would.
func (e *opsEnv) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	var db *sql.DB
	var err error
	if url := e.vars["DATABASE_URL"]; url != "" {
		db, err = sql.Open("pgx", url)
		q = rebindDollar(q)
	} else {
		// A running server may hold the write lock for a moment: wait.
		db, err = sql.Open("sqlite", "file:"+filepath.Join(e.dir, "aartha.db")+"?_pragma=busy_timeout(30000)")
	}
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(q, args...)
	require.NoError(t, err, q)
}

func rebindDollar(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// store opens the environment's database; the caller closes it (before the
// next command, which opens the file itself).
func (e *opsEnv) store(t *testing.T) *store.DB {
	t.Helper()
	ctx := context.Background()
	var db *store.DB
	var err error
	if url := e.vars["DATABASE_URL"]; url != "" {
		db, err = store.OpenPostgres(ctx, url)
	} else {
		db, err = store.OpenSQLite(ctx, filepath.Join(e.dir, "aartha.db"))
	}
	require.NoError(t, err)
	return db
}

// anchorIndex is every anchor and batch as the chain could know it: the
// fields rebuild restores, one line per row, sorted.
func (e *opsEnv) anchorIndex(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	db := e.store(t)
	defer db.Close()
	batches, err := db.AllBatches(ctx)
	require.NoError(t, err)
	roots := map[int64]string{}
	var rows []string
	for _, b := range batches {
		roots[b.ID] = b.Root.Hex()
		rows = append(rows, fmt.Sprintf("batch root=%s seq=%d leaves=%d status=%s tx=%s block=%d/%s log=%d",
			b.Root.Hex(), b.Seq, b.LeafCount, b.Status, b.TxHash.Hex(), b.BlockNumber, b.BlockHash.Hex(), b.LogIndex))
	}
	err = db.ForEachAnchor(ctx, nil, func(a *ledger.Anchor, _ *ledger.Loan) error {
		rows = append(rows, fmt.Sprintf("anchor %s/%d mode=%s key=%s commitment=%s leaf=%s status=%s batch=%s proof=%v tx=%s block=%d/%s log=%d",
			a.LoanID, a.Kind, a.Mode, a.LoanKey.Hex(), a.Commitment.Hex(), a.Leaf.Hex(), a.Status, roots[a.BatchID], a.Proof,
			a.TxHash.Hex(), a.BlockNumber, a.BlockHash.Hex(), a.LogIndex))
		return nil
	})
	require.NoError(t, err)
	slices.Sort(rows)
	return rows
}

// forEachOpsCase runs fn for each mode on each database. The PostgreSQL
// cases run one at a time, inside a test that is not parallel (so before
// any parallel test): every embedded chain uses the same development signer,
// and on PostgreSQL the one-sender lock is per signer across schemas, so two
// demos at once would leave one without a sender.
func forEachOpsCase(t *testing.T, fn func(t *testing.T, mode string, postgres bool)) {
	for _, c := range opsCases {
		t.Run(c.name, func(t *testing.T) {
			if !c.postgres {
				t.Parallel()
			}
			fn(t, c.mode, c.postgres)
		})
	}
}

var opsCases = []struct {
	name, mode string
	postgres   bool
}{
	{"sqlite batch", "batch", false},
	{"sqlite direct", "direct", false},
	{"postgres batch", "batch", true},
	{"postgres direct", "direct", true},
}

// TestReconcileFindsTampering reconciles a demo's loans (all match), then
// changes one loan's principal in the database behind the service's back and
// sees the full audit and the stored run report exactly that loan.
func TestReconcileFindsTampering(t *testing.T) {
	forEachOpsCase(t, func(t *testing.T, mode string, postgres bool) {
		e := newOpsEnv(t, mode, postgres)
		out, err := e.run(t, "reconcile", "--all")
		require.NoError(t, err, out)
		require.Contains(t, out, "match 5, mismatch 0, missing on chain 0, unknown on chain 0, pending 0")
		out, err = e.run(t, "reconcile", "--sample", "2", "--json")
		require.NoError(t, err, out)
		require.Contains(t, out, `"scope": "sample"`)

		hooks := make(chan []byte, 4)
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			hooks <- b
		}))
		defer receiver.Close()
		e.vars["BLOCKCHAIN_WEBHOOK_URL"] = receiver.URL + "/alerts"

		ids := e.loanIDs(t)
		e.exec(t, "UPDATE loans SET principal = principal + 1 WHERE id = ?", ids[2])
		out, err = e.run(t, "reconcile", "--all", "--out", filepath.Join(e.dir, "run.json"))
		require.Error(t, err)
		require.Contains(t, err.Error(), "1 problem(s): 1 mismatch")
		require.Contains(t, out, "mismatch         "+ids[2]+" approved: the loan's approved record as stored today gives commitment")

		runs, err := e.store(t).ReconcileRuns(context.Background(), 10, true)
		require.NoError(t, err)
		require.Len(t, runs, 3)
		require.Equal(t, ledger.ReconcileCounts{Match: 4, Mismatch: 1}, runs[0].Counts)
		require.Equal(t, ids[2], runs[0].Findings[0].LoanID)
		require.FileExists(t, filepath.Join(e.dir, "run.json"))
		require.Len(t, hooks, 1, "the failing run alerted the webhook once")
		require.Contains(t, string(<-hooks), `"kind":"reconcile.problems"`)
	})
}

func (e *opsEnv) loanIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	db := e.store(t)
	defer db.Close()
	require.NoError(t, db.LoanIDs(context.Background(), func(id string) error {
		ids = append(ids, id)
		return nil
	}))
	return ids
}

// TestRebuildRestoresDeletedAnchorTables deletes the anchor and batch rows,
// rebuilds from the chain (with the chain-log export's leaf lists in batch
// mode), and gets the same rows back.
func TestRebuildRestoresDeletedAnchorTables(t *testing.T) {
	forEachOpsCase(t, func(t *testing.T, mode string, postgres bool) {
		e := newOpsEnv(t, mode, postgres)
		export := filepath.Join(e.dir, "chainlog.jsonl")
		out, err := e.run(t, "export", "--out", export)
		require.NoError(t, err, out)
		before := e.anchorIndex(t)
		require.GreaterOrEqual(t, len(before), 5, "5 anchors (and their batches)")

		e.exec(t, "DELETE FROM anchors")
		e.exec(t, "DELETE FROM batches")
		args := []string{"rebuild", "--from-block", "0"}
		if mode == "batch" {
			// Without leaf lists the batches come back, their members not.
			out, err = e.run(t, append(args, "--dry-run")...)
			require.NoError(t, err, out)
			require.Contains(t, out, "not restorable from the chain alone")
			require.NotContains(t, out, "\n0 not restorable")
			args = append(args, "--leaves", export)
		}
		out, err = e.run(t, args...)
		require.NoError(t, err, out)
		require.Contains(t, out, "0 altered")
		require.Equal(t, before, e.anchorIndex(t))

		out, err = e.run(t, "reconcile", "--all")
		require.NoError(t, err, out)
		out, err = e.run(t, "rebuild")
		require.NoError(t, err, out)
		require.Contains(t, out, "0 missing")
	})
}

// TestRebuildAgainstOldBackup restores an old SQLite backup after more loans
// were anchored and one was repaid, with one anchor row lost and one loan
// altered in the backup, and checks the exact discrepancy list.
func TestRebuildAgainstOldBackup(t *testing.T) {
	t.Parallel()
	e := newOpsEnv(t, "direct", false)
	backup := filepath.Join(e.dir, "backup.db")
	out, err := e.run(t, "backup", "--out", backup)
	require.NoError(t, err, out)
	old := e.loanIDs(t)
	e.demo(t, 2) // two new loans; the first is repaid
	all := e.loanIDs(t)
	newer := slices.DeleteFunc(slices.Clone(all), func(id string) bool { return slices.Contains(old, id) })
	require.Len(t, newer, 2)

	// Restore the backup, then damage it: one anchor row lost, one loan altered.
	restoreSQLite(t, backup, filepath.Join(e.dir, "aartha.db"))
	e.exec(t, "DELETE FROM anchors WHERE loan_id = ? AND kind = 1", old[1])
	e.exec(t, "UPDATE loans SET interest_rate_bps = 1 WHERE id = ?", old[3])

	out, err = e.run(t, "rebuild", "--json")
	require.NoError(t, err, out)
	var rep struct {
		Missing, Altered, Newer []struct {
			LoanID   string `json:"loan_id"`
			LoanKey  string `json:"loan_key"`
			Kind     int    `json:"kind"`
			Restored bool   `json:"restored"`
		}
	}
	require.NoError(t, jsonUnmarshal(out, &rep), out)
	type item struct {
		ID       string
		Kind     int
		Restored bool
	}
	list := func(xs []struct {
		LoanID   string `json:"loan_id"`
		LoanKey  string `json:"loan_key"`
		Kind     int    `json:"kind"`
		Restored bool   `json:"restored"`
	}) []item {
		var out []item
		for _, x := range xs {
			id := x.LoanID
			if id == "" {
				for _, n := range newer {
					if ledger.LoanKey(n).Hex() == x.LoanKey {
						id = n
					}
				}
			}
			out = append(out, item{id, x.Kind, x.Restored})
		}
		return out
	}
	require.Equal(t, []item{{old[1], 1, true}}, list(rep.Missing))
	require.Equal(t, []item{{old[3], 1, false}}, list(rep.Altered))
	require.ElementsMatch(t, []item{{newer[0], 1, false}, {newer[1], 1, false}, {newer[0], 2, false}}, list(rep.Newer))
}

func restoreSQLite(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(to + suffix)
	}
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o600))
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
