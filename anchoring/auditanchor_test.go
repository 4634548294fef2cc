package anchoring_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/reconcile"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/store/storetest"
)

// TestAuditCheckpointOnChain anchors the audit trail's head on the
// embedded chain, on both stores: the checkpoint becomes final, its
// receipt passes the ordinary receipt verifier (and a receipt with a
// changed head does not), and `audit verify`'s check names it.
func TestAuditCheckpointOnChain(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := open(t)
			_, err := db.Migrate(ctx)
			require.NoError(t, err)
			db.SetAuditSealKey([]byte("a test seal key of at least thirty-two bytes"))

			dir := t.TempDir()
			cfg, _, err := config.Load(func(name string) (string, bool) {
				v, ok := map[string]string{"AARTHA_DATA_DIR": dir, "AARTHA_DEV_CHAIN_RPC": "off"}[name]
				return v, ok
			}, os.ReadFile)
			require.NoError(t, err)
			ch, err := anchoring.Open(ctx, cfg, anchoring.Options{Journal: db.TxJournal()})
			require.NoError(t, err)
			t.Cleanup(ch.Close)

			svc := &ledger.LoanService{Store: db, Now: time.Now}
			admin := ledger.CLIActor("ops")
			for _, id := range []string{"cp-1", "cp-2"} {
				_, err := svc.Create(ctx, admin, ledger.NewLoan{ID: id, Borrower: "b", Lender: "l", Principal: "100", Currency: "INR", InterestRateBps: 100, TermMonths: 6})
				require.NoError(t, err)
			}
			_, err = store.NewAuditSealer(db, store.AuditSealerConfig{Now: func() time.Time { return time.Now().Add(time.Hour) }}).Seal(ctx)
			require.NoError(t, err)

			a := &anchoring.AuditAnchorer{Store: db, Chain: ch}
			cp, err := a.Checkpoint(ctx)
			require.NoError(t, err)
			require.EqualValues(t, 1, cp.Seq)
			require.EqualValues(t, 2, cp.LastID)
			require.Equal(t, ledger.AnchorFinal, cp.Status)
			require.Equal(t, ch.Network(), cp.Chain)

			// The receipt is an ordinary one: the chain's receipt verifier
			// finds its commitment under the checkpoint's key.
			rc, err := cp.Receipt()
			require.NoError(t, err)
			require.Equal(t, "aartha.audit/1", rc.LoanID)
			v, err := ch.VerifyReceipt(ctx, rc)
			require.NoError(t, err)
			require.True(t, v.Verified, "%+v", v.Checks)

			// A receipt claiming another head does not verify.
			forged := *cp
			forged.Head = make([]byte, ledger.AuditHashSize)
			frc, err := forged.Receipt()
			require.NoError(t, err)
			frc.Commitment = rc.Commitment // the commitment on chain, with the forged record
			_, err = frc.CheckOffline()
			require.ErrorContains(t, err, "commitment does not match")

			// The trail is proven up to the checkpoint.
			r, err := db.VerifyAuditChain(ctx)
			require.NoError(t, err)
			require.Nil(t, r.Break, "%+v", r.Break)
			require.NotNil(t, r.Checkpoint)
			require.EqualValues(t, 1, r.Checkpoint.Seq)

			// Reconcile and rebuild tell the checkpoint from a loan.
			idx, err := reconcile.Scan(ctx, ch, 0)
			require.NoError(t, err)
			run, err := reconcile.Run(ctx, db, idx, reconcile.Options{})
			require.NoError(t, err)
			require.Empty(t, run.Findings, "a checkpoint is not an unknown write")
			rep, err := reconcile.Rebuild(ctx, db, idx, reconcile.RebuildOptions{DryRun: true})
			require.NoError(t, err)
			require.Equal(t, 1, rep.AuditCheckpoints)
			require.Empty(t, rep.Newer)

			// An idle trail is not anchored again.
			again, err := a.Checkpoint(ctx)
			require.NoError(t, err)
			require.EqualValues(t, 1, again.Seq)
		})
	}
}
