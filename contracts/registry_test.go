package contracts_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/contracts"
	"github.com/aartha/ledger/evm"
)

var (
	anchorerRole = crypto.Keccak256Hash([]byte("ANCHORER_ROLE"))
	adminRole    = common.Hash{} // DEFAULT_ADMIN_ROLE
)

// eventID returns topic 0 of one of the registry's events.
func eventID(t *testing.T, name string) common.Hash {
	t.Helper()
	ev, ok := contracts.NewLoanRegistry().GetABI().Events[name]
	require.True(t, ok, name)
	return ev.ID
}

// onlyLog returns the single log of a receipt, checking it came from the
// registry.
func onlyLog(t *testing.T, h *harness, r *types.Receipt) *types.Log {
	t.Helper()
	require.Len(t, r.Logs, 1)
	require.Equal(t, h.addr, r.Logs[0].Address)
	return r.Logs[0]
}

func TestDeployment(t *testing.T) {
	h := newHarness(t, nil)
	reg := h.reg

	require.True(t, mustCall(h, reg.PackHasRole(adminRole, h.admin.addr), reg.UnpackHasRole))
	require.True(t, mustCall(h, reg.PackHasRole(anchorerRole, h.anchorer.addr), reg.UnpackHasRole))
	require.False(t, mustCall(h, reg.PackHasRole(anchorerRole, h.admin.addr), reg.UnpackHasRole), "admin is not implicitly an anchorer")
	require.False(t, mustCall(h, reg.PackHasRole(adminRole, h.anchorer.addr), reg.UnpackHasRole), "the hot key must not be admin")
	require.Equal(t, [32]byte(adminRole), mustCall(h, reg.PackGetRoleAdmin(anchorerRole), reg.UnpackGetRoleAdmin))

	require.Equal(t, [32]byte(anchorerRole), mustCall(h, reg.PackANCHORERROLE(), reg.UnpackANCHORERROLE))
	require.Equal(t, uint8(1), mustCall(h, reg.PackKINDAPPROVED(), reg.UnpackKINDAPPROVED))
	require.Equal(t, uint8(2), mustCall(h, reg.PackKINDREPAID(), reg.UnpackKINDREPAID))
	require.Equal(t, uint16(1), mustCall(h, reg.PackVERSION(), reg.UnpackVERSION))
	require.False(t, mustCall(h, reg.PackPaused(), reg.UnpackPaused))
	require.Zero(t, mustCall(h, reg.PackBatchCount(), reg.UnpackBatchCount))
	// ERC-165 ids of IERC165 and IAccessControl.
	require.True(t, mustCall(h, reg.PackSupportsInterface([4]byte{0x01, 0xff, 0xc9, 0xa7}), reg.UnpackSupportsInterface))
	require.True(t, mustCall(h, reg.PackSupportsInterface([4]byte{0x79, 0x65, 0xdb, 0x0b}), reg.UnpackSupportsInterface))

	// The constructor emitted one RoleGranted per role.
	it, err := bind.FilterEvents(h.inst, &bind.FilterOpts{Context: h.ctx}, reg.UnpackRoleGrantedEvent)
	require.NoError(t, err)
	granted := map[[32]byte]common.Address{}
	for it.Next() {
		granted[it.Value().Role] = it.Value().Account
	}
	require.NoError(t, it.Error())
	require.Equal(t, map[[32]byte]common.Address{adminRole: h.admin.addr, anchorerRole: h.anchorer.addr}, granted)

	// A zero admin or anchorer is refused by the constructor.
	for _, tc := range []struct{ admin, anchorer common.Address }{
		{common.Address{}, h.anchorer.addr},
		{h.admin.addr, common.Address{}},
	} {
		opts := bind.NewKeyedTransactor(h.admin.key, simChainID)
		opts.Context = h.ctx
		_, _, err := bind.DeployContract(opts, common.FromHex(contracts.LoanRegistryMetaData.Bin), h.client, reg.PackConstructor(tc.admin, tc.anchorer))
		requireRevert(t, err, "ZeroAddress")
	}
	// evm.SendDeploy refuses them before asking the chain.
	_, err = evm.SendDeploy(h.ctx, h.client, h.admin.key, common.Address{}, h.anchorer.addr)
	require.Error(t, err)
}

func TestStoreLoan(t *testing.T) {
	h := newHarness(t, nil)
	reg := h.reg
	key, c := loanKey("LN-2026-0001"), commitmentOf("approved 1")
	borrower, lender := addressOf("borrower"), addressOf("lender")

	_, err := call(h, reg.PackGetLoan(key), reg.UnpackGetLoan)
	v := requireRevert(t, err, "LoanNotFound")
	require.Equal(t, key, v.(*contracts.LoanRegistryLoanNotFound).LoanKey)

	r := h.mustSend(h.anchorer, reg.PackStoreLoan(key, c, borrower, lender))
	loan := mustCall(h, reg.PackGetLoan(key), reg.UnpackGetLoan)
	require.Equal(t, contracts.GetLoanOutput{
		Commitment: c, Borrower: borrower, Lender: lender, StoredAt: h.blockTime(r), RepaidAt: 0,
	}, loan)

	// The event carries the key and both addresses as topics and the
	// commitment as data.
	lg := onlyLog(t, h, r)
	require.Equal(t, []common.Hash{
		eventID(t, "LoanStored"), key, common.BytesToHash(borrower.Bytes()), common.BytesToHash(lender.Bytes()),
	}, lg.Topics)
	require.Equal(t, c[:], lg.Data)
	ev, err := reg.UnpackLoanStoredEvent(lg)
	require.NoError(t, err)
	require.Equal(t, key, ev.LoanKey)
	require.Equal(t, borrower, ev.Borrower)
	require.Equal(t, lender, ev.Lender)
	require.Equal(t, c, ev.Commitment)

	// A second store of the same key fails, whatever the commitment.
	for _, again := range [][32]byte{c, commitmentOf("other")} {
		v := h.sendRevert(h.anchorer, reg.PackStoreLoan(key, again, borrower, lender), "LoanAlreadyStored")
		require.Equal(t, key, v.(*contracts.LoanRegistryLoanAlreadyStored).LoanKey)
	}
	h.sendRevert(h.anchorer, reg.PackStoreLoan(loanKey("LN-zero"), [32]byte{}, borrower, lender), "ZeroCommitment")

	// docs/fingerprint.md allows empty addresses: they are stored and reported as zero.
	key2, c2 := loanKey("LN-2026-0002"), commitmentOf("approved 2")
	r2 := h.mustSend(h.anchorer, reg.PackStoreLoan(key2, c2, common.Address{}, common.Address{}))
	require.Equal(t, contracts.GetLoanOutput{Commitment: c2, StoredAt: h.blockTime(r2)},
		mustCall(h, reg.PackGetLoan(key2), reg.UnpackGetLoan))
	require.Equal(t, common.Hash{}, onlyLog(t, h, r2).Topics[3])

	// The first loan is untouched by the failures and the second store.
	require.Equal(t, loan, mustCall(h, reg.PackGetLoan(key), reg.UnpackGetLoan))
}

func TestMarkRepaid(t *testing.T) {
	h := newHarness(t, nil)
	reg := h.reg
	key, c, rc := loanKey("LN-7"), commitmentOf("approved 7"), commitmentOf("repaid 7")
	borrower, lender := addressOf("b7"), addressOf("l7")

	v := h.sendRevert(h.anchorer, reg.PackMarkRepaid(key, rc), "LoanNotFound")
	require.Equal(t, key, v.(*contracts.LoanRegistryLoanNotFound).LoanKey)

	stored := h.mustSend(h.anchorer, reg.PackStoreLoan(key, c, borrower, lender))
	h.sendRevert(h.anchorer, reg.PackMarkRepaid(key, [32]byte{}), "ZeroCommitment")

	r := h.mustSend(h.anchorer, reg.PackMarkRepaid(key, rc))
	require.Equal(t, contracts.GetLoanOutput{
		Commitment: c, Borrower: borrower, Lender: lender, StoredAt: h.blockTime(stored), RepaidAt: h.blockTime(r),
	}, mustCall(h, reg.PackGetLoan(key), reg.UnpackGetLoan))

	lg := onlyLog(t, h, r)
	require.Equal(t, []common.Hash{eventID(t, "LoanRepaid"), key}, lg.Topics)
	require.Equal(t, rc[:], lg.Data)
	ev, err := reg.UnpackLoanRepaidEvent(lg)
	require.NoError(t, err)
	require.Equal(t, key, ev.LoanKey)
	require.Equal(t, rc, ev.RepaymentCommitment)

	for _, again := range [][32]byte{rc, commitmentOf("other repayment")} {
		v := h.sendRevert(h.anchorer, reg.PackMarkRepaid(key, again), "LoanAlreadyRepaid")
		require.Equal(t, key, v.(*contracts.LoanRegistryLoanAlreadyRepaid).LoanKey)
	}
}

func TestAccessControl(t *testing.T) {
	h := newHarness(t, nil)
	reg := h.reg
	key, c := loanKey("LN-roles"), commitmentOf("roles")

	requireUnauthorized := func(v any, who common.Address, role common.Hash) {
		t.Helper()
		e := v.(*contracts.LoanRegistryAccessControlUnauthorizedAccount)
		require.Equal(t, who, e.Account)
		require.Equal(t, [32]byte(role), e.NeededRole)
	}

	// Neither a stranger nor the admin may write anchors.
	for _, a := range []account{h.stranger, h.admin} {
		requireUnauthorized(h.sendRevert(a, reg.PackStoreLoan(key, c, common.Address{}, common.Address{}), "AccessControlUnauthorizedAccount"), a.addr, anchorerRole)
		requireUnauthorized(h.sendRevert(a, reg.PackMarkRepaid(key, c), "AccessControlUnauthorizedAccount"), a.addr, anchorerRole)
		requireUnauthorized(h.sendRevert(a, reg.PackAnchorBatch(c, 1), "AccessControlUnauthorizedAccount"), a.addr, anchorerRole)
	}
	// Only the admin manages roles and pausing; the hot key cannot.
	for _, a := range []account{h.stranger, h.anchorer} {
		requireUnauthorized(h.sendRevert(a, reg.PackGrantRole(anchorerRole, h.stranger.addr), "AccessControlUnauthorizedAccount"), a.addr, adminRole)
		requireUnauthorized(h.sendRevert(a, reg.PackRevokeRole(anchorerRole, h.anchorer.addr), "AccessControlUnauthorizedAccount"), a.addr, adminRole)
		requireUnauthorized(h.sendRevert(a, reg.PackPause(), "AccessControlUnauthorizedAccount"), a.addr, adminRole)
	}

	// The admin grants the role to a second key, which can then anchor.
	r := h.mustSend(h.admin, reg.PackGrantRole(anchorerRole, h.stranger.addr))
	granted, err := reg.UnpackRoleGrantedEvent(onlyLog(t, h, r))
	require.NoError(t, err)
	require.Equal(t, [32]byte(anchorerRole), granted.Role)
	require.Equal(t, h.stranger.addr, granted.Account)
	require.Equal(t, h.admin.addr, granted.Sender)
	h.mustSend(h.stranger, reg.PackStoreLoan(key, c, common.Address{}, common.Address{}))

	// Revoked, it cannot anymore; the original anchorer still can.
	r = h.mustSend(h.admin, reg.PackRevokeRole(anchorerRole, h.stranger.addr))
	revoked, err := reg.UnpackRoleRevokedEvent(onlyLog(t, h, r))
	require.NoError(t, err)
	require.Equal(t, h.stranger.addr, revoked.Account)
	requireUnauthorized(h.sendRevert(h.stranger, reg.PackMarkRepaid(key, c), "AccessControlUnauthorizedAccount"), h.stranger.addr, anchorerRole)
	h.mustSend(h.anchorer, reg.PackMarkRepaid(key, c))

	// A key can renounce its own role, naming itself as confirmation.
	h.sendRevert(h.anchorer, reg.PackRenounceRole(anchorerRole, h.stranger.addr), "AccessControlBadConfirmation")
	h.mustSend(h.anchorer, reg.PackRenounceRole(anchorerRole, h.anchorer.addr))
	require.False(t, mustCall(h, reg.PackHasRole(anchorerRole, h.anchorer.addr), reg.UnpackHasRole))
	h.sendRevert(h.anchorer, reg.PackAnchorBatch(c, 1), "AccessControlUnauthorizedAccount")
}

func TestPause(t *testing.T) {
	h := newHarness(t, nil)
	reg := h.reg
	key, c, rc := loanKey("LN-pause"), commitmentOf("pause"), commitmentOf("pause repaid")
	root := commitmentOf("pause root")
	h.mustSend(h.anchorer, reg.PackStoreLoan(key, c, common.Address{}, common.Address{}))
	h.mustSend(h.anchorer, reg.PackAnchorBatch(root, 1))

	h.sendRevert(h.admin, reg.PackUnpause(), "ExpectedPause")
	r := h.mustSend(h.admin, reg.PackPause())
	paused, err := reg.UnpackPausedEvent(onlyLog(t, h, r))
	require.NoError(t, err)
	require.Equal(t, h.admin.addr, paused.Account)
	require.True(t, mustCall(h, reg.PackPaused(), reg.UnpackPaused))
	h.sendRevert(h.admin, reg.PackPause(), "EnforcedPause")

	// Every write is blocked...
	h.sendRevert(h.anchorer, reg.PackStoreLoan(loanKey("LN-other"), c, common.Address{}, common.Address{}), "EnforcedPause")
	h.sendRevert(h.anchorer, reg.PackMarkRepaid(key, rc), "EnforcedPause")
	h.sendRevert(h.anchorer, reg.PackAnchorBatch(commitmentOf("another root"), 1), "EnforcedPause")

	// ...and every read still works.
	require.Equal(t, c, mustCall(h, reg.PackGetLoan(key), reg.UnpackGetLoan).Commitment)
	require.Equal(t, uint64(1), mustCall(h, reg.PackGetBatch(root), reg.UnpackGetBatch).Seq)
	require.Equal(t, [32]byte(root), mustCall(h, reg.PackBatchBySeq(1), reg.UnpackBatchBySeq).Root)
	require.Equal(t, uint64(1), mustCall(h, reg.PackBatchCount(), reg.UnpackBatchCount))
	// A one-leaf tree's root is its leaf and its proof is empty.
	single := mustCall(h, reg.PackLeafHash(key, 1, c), reg.UnpackLeafHash)
	h.sendRevert(h.anchorer, reg.PackAnchorBatch(single, 1), "EnforcedPause")

	r = h.mustSend(h.admin, reg.PackUnpause())
	unpaused, err := reg.UnpackUnpausedEvent(onlyLog(t, h, r))
	require.NoError(t, err)
	require.Equal(t, h.admin.addr, unpaused.Account)
	h.mustSend(h.anchorer, reg.PackMarkRepaid(key, rc))
	h.mustSend(h.anchorer, reg.PackAnchorBatch(single, 1))
	require.True(t, mustCall(h, reg.PackVerifyLeaf(single, key, 1, c, nil), reg.UnpackVerifyLeaf))
}

func TestAnchorBatch(t *testing.T) {
	h := newHarness(t, nil)
	reg := h.reg

	h.sendRevert(h.anchorer, reg.PackAnchorBatch([32]byte{}, 3), "ZeroRoot")
	h.sendRevert(h.anchorer, reg.PackAnchorBatch(commitmentOf("empty"), 0), "EmptyBatch")
	for _, seq := range []uint64{0, 1} {
		v := errOf(call(h, reg.PackBatchBySeq(seq), reg.UnpackBatchBySeq))
		require.Equal(t, seq, requireRevert(t, v, "UnknownBatchSeq").(*contracts.LoanRegistryUnknownBatchSeq).Seq)
	}

	roots := [][32]byte{commitmentOf("root a"), commitmentOf("root b"), commitmentOf("root c"), commitmentOf("root d")}
	counts := []uint32{1, 2, 1000, 4294967295}
	for i, root := range roots {
		want := uint64(i + 1)
		// The return value, seen through a call before sending.
		seq, err := simulate(h, h.anchorer, reg.PackAnchorBatch(root, counts[i]), reg.UnpackAnchorBatch)
		require.NoError(t, err)
		require.Equal(t, want, seq)

		r := h.mustSend(h.anchorer, reg.PackAnchorBatch(root, counts[i]))
		lg := onlyLog(t, h, r)
		require.Equal(t, []common.Hash{eventID(t, "BatchAnchored"), root, common.BigToHash(new(big.Int).SetUint64(want))}, lg.Topics)
		ev, err := reg.UnpackBatchAnchoredEvent(lg)
		require.NoError(t, err)
		require.Equal(t, contracts.LoanRegistryBatchAnchored{Root: root, Seq: want, LeafCount: counts[i], Raw: lg}, *ev)

		byRoot := mustCall(h, reg.PackGetBatch(root), reg.UnpackGetBatch)
		require.Equal(t, contracts.GetBatchOutput{
			Seq: want, AnchoredAt: h.blockTime(r), BlockNumber: r.BlockNumber.Uint64(), LeafCount: counts[i],
		}, byRoot)
		bySeq := mustCall(h, reg.PackBatchBySeq(want), reg.UnpackBatchBySeq)
		require.Equal(t, contracts.BatchBySeqOutput{
			Root: root, AnchoredAt: byRoot.AnchoredAt, BlockNumber: byRoot.BlockNumber, LeafCount: counts[i],
		}, bySeq)
		require.Equal(t, want, mustCall(h, reg.PackBatchCount(), reg.UnpackBatchCount))
	}

	// Anchoring a root twice fails and names the first anchor's number.
	v := h.sendRevert(h.anchorer, reg.PackAnchorBatch(roots[1], 7), "BatchAlreadyAnchored").(*contracts.LoanRegistryBatchAlreadyAnchored)
	require.Equal(t, roots[1], v.Root)
	require.Equal(t, uint64(2), v.Seq)
	require.Equal(t, uint64(len(roots)), mustCall(h, reg.PackBatchCount(), reg.UnpackBatchCount), "a failed anchor takes no number")

	_, err := call(h, reg.PackGetBatch(commitmentOf("never")), reg.UnpackGetBatch)
	require.Equal(t, [32]byte(commitmentOf("never")), requireRevert(t, err, "UnknownBatch").(*contracts.LoanRegistryUnknownBatch).Root)
	_, err = call(h, reg.PackBatchBySeq(uint64(len(roots)+1)), reg.UnpackBatchBySeq)
	requireRevert(t, err, "UnknownBatchSeq")
}

// errOf drops a value and keeps the error, for asserting on reverts of views.
func errOf[T any](_ T, err error) error { return err }
