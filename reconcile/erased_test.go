package reconcile_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/reconcile"
	"github.com/aartha/ledger/store"
)

// TestErasedLoansAreLabelledNeverMismatches anchors, repays and erases a
// loan, and a second loan whose repayment never reached the chain: reconcile
// counts the first one's records as matching the chain and says "erased",
// the second one's missing record is labelled as of an erased loan, and a
// rebuild reports only that missing write and counts the erased records;
// the chain log export marks their lines erased.
func TestErasedLoansAreLabelledNeverMismatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "aartha.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	keys, err := store.NewPersonalDataKeys(bytes.Repeat([]byte{3}, store.MasterKeySize))
	require.NoError(t, err)
	db.SetPersonalDataKeys(keys)
	svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader, AnchorMode: ledger.ModeDirect}
	erasure := &ledger.ErasureService{Store: db, Now: time.Now}
	admin := ledger.Actor{ID: "admin@example.com", Role: string(ledger.RoleAdmin), Addr: "127.0.0.1"}

	idx := &reconcile.ChainIndex{Head: 100, Direct: map[ledger.RecordKey]reconcile.DirectWrite{}, Batches: map[common.Hash]reconcile.BatchWrite{}}
	block := uint64(10)
	for _, id := range []string{"ERASED-1", "ERASED-2"} {
		_, err := svc.Create(ctx, admin, ledger.NewLoan{ID: id, Borrower: "Borrower " + id, Lender: "bank-1",
			Principal: "5000", Currency: "INR", InterestRateBps: 900, TermMonths: 6})
		require.NoError(t, err)
		_, err = svc.Approve(ctx, admin, id)
		require.NoError(t, err)
		_, err = svc.MarkRepaid(ctx, admin, id, "5000")
		require.NoError(t, err)
		require.NoError(t, db.InTx(ctx, func(tx ledger.Tx) error {
			anchors, err := tx.AnchorsForUpdate(ctx, ledger.AnchorFilter{LoanID: id})
			require.NoError(t, err)
			for _, a := range anchors {
				block++
				a.TxHash, a.BlockHash, a.BlockNumber = common.BytesToHash([]byte{0x7a, byte(block)}), common.BytesToHash([]byte{0x7b, byte(block)}), block
				now := time.Now().UTC()
				a.Status, a.FinalAt = ledger.AnchorFinal, &now
				if err := tx.UpdateAnchor(ctx, a); err != nil {
					return err
				}
				// ERASED-2's repayment never reached the chain.
				if id == "ERASED-2" && a.Kind == ledger.KindRepaid {
					continue
				}
				key := ledger.RecordKey{LoanKey: a.LoanKey, Kind: a.Kind}
				idx.Direct[key] = reconcile.DirectWrite{Key: key, Commitment: a.Commitment,
					Write: reconcile.Write{TxHash: a.TxHash, BlockNumber: a.BlockNumber, BlockHash: a.BlockHash, LogIndex: a.LogIndex}}
				idx.DirectOrder = append(idx.DirectOrder, key)
			}
			return nil
		}))
		_, err = erasure.Erase(ctx, admin, id, "borrower asked")
		require.NoError(t, err)
	}

	run, err := reconcile.Run(ctx, db, idx, reconcile.Options{})
	require.NoError(t, err)
	require.Equal(t, 4, run.Records)
	require.Equal(t, 4, run.Erased)
	require.Equal(t, ledger.ReconcileCounts{Match: 3, Missing: 1}, run.Counts, "erased records match the chain; none is a mismatch")
	require.Len(t, run.Findings, 1)
	today := time.Now().UTC().Format("2006-01-02")
	require.Equal(t, "ERASED-2", run.Findings[0].LoanID)
	require.Contains(t, run.Findings[0].Detail, "Personal data erased "+today+" (record not recomputed): the database says final")
	var out bytes.Buffer
	reconcile.WriteRun(&out, run)
	require.Contains(t, out.String(), "match 3, mismatch 0, missing on chain 1")
	require.Contains(t, out.String(), "erased 4: records of loans whose personal data was erased, compared with the chain only")

	// The chain log export marks the erased loans' lines.
	out.Reset()
	n, err := reconcile.Export(ctx, db, &out, 0, 0, false)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 4)
	for _, line := range lines {
		var e reconcile.LogEntry
		require.NoError(t, json.Unmarshal([]byte(line), &e))
		require.True(t, e.Erased, line)
		require.Contains(t, line, `"erased":true`)
	}

	rep, err := reconcile.Rebuild(ctx, db, idx, reconcile.RebuildOptions{DryRun: true})
	require.NoError(t, err)
	// Only the write the chain lacks is reported, never the erased
	// records' missing salts.
	require.Len(t, rep.Altered, 1)
	require.Equal(t, "ERASED-2", rep.Altered[0].LoanID)
	require.Contains(t, rep.Altered[0].Detail, "the registry has no such write")
	require.Empty(t, rep.Missing)
	require.Equal(t, 3, rep.Unchanged)
	require.Equal(t, 3, rep.Erased)
	out.Reset()
	rep.WriteText(&out)
	require.Contains(t, out.String(), "3 records of loans whose personal data was erased: compared with the chain only")
}
