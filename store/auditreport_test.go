package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/store"
)

func TestWriteAuditReport(t *testing.T) {
	t.Parallel()
	t.Run("holding, with every note", func(t *testing.T) {
		var out strings.Builder
		err := store.WriteAuditReport(&out, ledger.AuditChainReport{
			Rows: 7, Head: "0xab", Legacy: 2, Unkeyed: 3, Skipped: 1, Unsealed: 4,
			Checkpoint: &ledger.AuditCheckpoint{Seq: 5, LastID: 6, TakenAt: time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)},
		}, "sqlite")
		require.NoError(t, err)
		require.Equal(t, "2 rows from before the hash chain existed are not covered\n"+
			"audit trail holds: 7 rows chained, head 0xab\n"+
			"proven up to anchored checkpoint 5 (row 6, taken 2026-10-01T12:00:00Z); rows after it are protected by the seal key only\n"+
			"3 rows were sealed before the cut-over to keyed seals; only an anchored checkpoint above them proves them\n"+
			"1 ids were missing when the sealer passed them and are sealed over as gaps (on SQLite a rollback leaves no gap, so rows deleted before they were sealed)\n"+
			"4 recent rows are not sealed yet, so not protected yet (the sealer of `aartha serve` seals them once settled: 10s after they are written on PostgreSQL)\n",
			out.String())
	})
	t.Run("no checkpoint", func(t *testing.T) {
		var out strings.Builder
		require.NoError(t, store.WriteAuditReport(&out, ledger.AuditChainReport{Rows: 1, Head: "0x01"}, "postgres"))
		require.Contains(t, out.String(), "no checkpoint is anchored yet")
	})
	t.Run("broken", func(t *testing.T) {
		var out strings.Builder
		err := store.WriteAuditReport(&out, ledger.AuditChainReport{Rows: 3, Break: &ledger.AuditBreak{ID: 4, Reason: "row 4 was edited"}}, "postgres")
		require.ErrorIs(t, err, store.ErrAuditTrailBroken)
		require.Equal(t, "audit trail is BROKEN after 3 good rows: row 4 was edited\n", out.String())
	})
	t.Run("rows outside the chain", func(t *testing.T) {
		var out strings.Builder
		err := store.WriteAuditReport(&out, ledger.AuditChainReport{Rows: 3, Head: "0x03", Late: 1, LateIDs: []int64{2}}, "postgres")
		require.ErrorIs(t, err, store.ErrAuditTrailOutside)
		require.Contains(t, out.String(), "ANOMALY: 1 rows lie below the chain head but are not sealed (ids [2])")
	})
}
