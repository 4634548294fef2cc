package store_test

import (
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// TestErasureCertificateAndCounts erases a repaid, anchored loan on both
// stores and reads back its certificate (the erasure, both deleted salts,
// the kept commitments with their transactions and blocks) and the
// month's erasure and legal hold counts the compliance report shows.
func TestErasureCertificateAndCounts(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			f.db.SetPersonalDataKeys(testKeys(t, 9))
			f.svc.AnchorMode = ledger.ModeDirect
			erasure := &ledger.ErasureService{Store: f.db, Now: f.clock.Now}

			loan := personal
			loan.ID = "certify-me-1"
			_, err := f.svc.Create(f.ctx, f.admin, loan)
			require.NoError(t, err)
			_, err = f.svc.Approve(f.ctx, f.admin, loan.ID)
			require.NoError(t, err)
			repaid, err := f.svc.MarkRepaid(f.ctx, f.admin, loan.ID, "250000")
			require.NoError(t, err)
			approval, err := repaid.ApprovalRecord()
			require.NoError(t, err)
			repayment, err := repaid.RepaymentRecord()
			require.NoError(t, err)
			held := []ledger.Fingerprint{ledger.NewFingerprint(approval, repaid.Salt), ledger.NewFingerprint(repayment, repaid.RepaymentSalt)}
			require.NoError(t, f.db.InTx(f.ctx, func(tx ledger.Tx) error {
				anchors, err := tx.AnchorsForUpdate(f.ctx, ledger.AnchorFilter{LoanID: loan.ID})
				require.NoError(t, err)
				for i, a := range anchors {
					a.Status, a.BlockNumber = ledger.AnchorFinal, uint64(100+i)
					a.TxHash, a.BlockHash = common.BytesToHash([]byte{0xa0, byte(i)}), common.BytesToHash([]byte{0xb0, byte(i)})
					if err := tx.UpdateAnchor(f.ctx, a); err != nil {
						return err
					}
				}
				return nil
			}))

			// Not erased: no certificate.
			_, err = ledger.ErasureCertificateFor(f.ctx, f.db, loan.ID, "eip155:31337")
			requireCode(t, ledger.ENOTFOUND, err)

			_, err = erasure.SetLegalHold(f.ctx, f.admin, loan.ID, "audit by the regulator")
			require.NoError(t, err)
			n, err := f.db.LegalHoldCount(f.ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			require.NoError(t, erasure.LiftLegalHold(f.ctx, f.admin, loan.ID, "audit done"))
			e, err := erasure.Erase(f.ctx, f.admin, loan.ID, "borrower asked, ticket 9")
			require.NoError(t, err)

			c, err := ledger.ErasureCertificateFor(f.ctx, f.db, loan.ID, "eip155:31337")
			require.NoError(t, err)
			require.Equal(t, *e, c.Erasure)
			require.Equal(t, "eip155:31337", c.Chain)
			require.Equal(t, ledger.PersonalFields, c.ErasedFields)
			require.Equal(t, []string{"approved", "repaid"}, c.ErasedSalts)
			require.Equal(t, ledger.ErasureCertificateStatement, c.Statement)
			require.Len(t, c.Commitments, 2)
			for i, k := range c.Commitments {
				require.Equal(t, []ledger.Kind{ledger.KindApproved, ledger.KindRepaid}[i].String(), k.Record)
				require.Equal(t, held[i].Commitment.Hex(), k.Commitment, "the commitment the borrower's receipt hashes to")
				require.Equal(t, held[i].LoanKey.Hex(), k.LoanKey)
				require.Equal(t, ledger.AnchorFinal, k.Status)
				require.Equal(t, uint64(100+i), k.BlockNumber)
				require.Equal(t, common.BytesToHash([]byte{0xa0, byte(i)}).Hex(), k.TxHash)
				require.Empty(t, k.BatchRoot)
			}

			// The month's counts.
			from := f.clock.Now().Add(-time.Hour)
			until := f.clock.Now().Add(time.Hour)
			counts, err := f.db.ErasureCounts(f.ctx, from, until)
			require.NoError(t, err)
			require.Equal(t, []ledger.ErasureCount{{ErasedBy: f.admin.ID, Count: 1}}, counts)
			listed, err := f.db.ErasuresBetween(f.ctx, from, until, 0)
			require.NoError(t, err)
			require.Equal(t, []ledger.Erasure{*e}, listed)
			listed, err = f.db.ErasuresBetween(f.ctx, until, until.Add(time.Hour), 0)
			require.NoError(t, err)
			require.Empty(t, listed)
			n, err = f.db.LegalHoldCount(f.ctx)
			require.NoError(t, err)
			require.Zero(t, n)
			_, err = f.db.Erasure(f.ctx, "no-such-loan")
			requireCode(t, ledger.ENOTFOUND, err)
		})
	}
}
