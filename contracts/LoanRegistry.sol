// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title LoanRegistry
/// @author Aartha
/// @notice Tamper-evident anchors for approved loans and their repayments.
/// A loan record never goes on chain: only its commitment
/// keccak256(salt || JCS(record)) does, keyed by keccak256(utf8(loan_id)).
/// Records can be anchored one at a time (direct mode) or many at once as
/// the root of an OpenZeppelin StandardMerkleTree (batch mode).
/// @dev Immutable by design: no proxy, no self-destruct, no way to edit or
/// delete an anchor. A new version is a new deployment.
///
/// Every write emits an event whose indexed topics and data are enough to
/// rebuild the whole registry from logs alone; the stored-at / repaid-at /
/// anchored-at times are the timestamp of the block that holds the log, so
/// they are not repeated in the event data.
///
/// Storage layout and gas (see contracts/GAS.md for measured numbers):
///  * A loan takes at most three slots: the commitment (32 bytes), the
///    borrower packed with both timestamps (20 + 6 + 6 bytes), and the lender
///    (20 bytes, written only when non-zero, as docs/fingerprint.md allows
///    empty addresses). markRepaid touches only the packed slot, an update of an
///    existing slot, which is why it costs a few thousand gas over the
///    transaction base.
///  * The repayment commitment lives only in the LoanRepaid event. Storing it
///    would cost a fresh slot (~22,100 gas) per repayment and nothing in
///    docs/contract.md needs it from a view: a repayment receipt names the transaction
///    and log that carry it, and logs are committed to by the block's
///    receipts root just as storage is by the state root.
///  * Timestamps are uint48 seconds: enough for millions of years, and small
///    enough to share a slot with an address.
///  * A batch takes two fresh slots (root -> details, sequence -> root) plus an
///    update of the batch counter, which shares the slot of Pausable's flag so
///    that the `whenNotPaused` check has already warmed it.
contract LoanRegistry is AccessControl, Pausable {
    /// @notice The role allowed to write anchors: the service's hot key.
    /// @dev DEFAULT_ADMIN_ROLE (the cold key) grants and revokes it and
    /// pauses or unpauses the registry.
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    /// @notice Leaf kind of an approved loan's commitment.
    uint8 public constant KIND_APPROVED = 1;

    /// @notice Leaf kind of a repayment's commitment.
    uint8 public constant KIND_REPAID = 2;

    /// @notice Version of this registry's interface and storage rules.
    uint16 public constant VERSION = 1;

    /// @dev One directly anchored loan; three storage slots.
    struct Loan {
        bytes32 commitment; // slot 0
        address borrower; // slot 1: 20 bytes
        uint48 storedAt; //   slot 1: 6 bytes; non-zero marks the loan as stored
        uint48 repaidAt; //   slot 1: 6 bytes; non-zero marks it as repaid
        address lender; // slot 2: written only when non-zero
    }

    /// @dev One anchored Merkle root; a single slot (26 of 32 bytes).
    struct Batch {
        uint64 seq; // 1-based, gap-free; non-zero marks the root as anchored
        uint48 anchoredAt;
        uint64 blockNumber;
        uint32 leafCount;
    }

    /// @dev Number of batches anchored so far, which is also the sequence
    /// number of the latest. Declared first so that it packs into the slot of
    /// Pausable's `_paused` flag.
    uint64 private _batchCount;

    mapping(bytes32 loanKey => Loan) private _loans;
    mapping(bytes32 root => Batch) private _batches;
    mapping(uint64 seq => bytes32 root) private _roots;

    /// @notice A loan's approved terms were anchored directly.
    /// @param loanKey keccak256(utf8(loan_id)).
    /// @param borrower The borrower's address, or zero if it has none.
    /// @param lender The lender's address, or zero if it has none.
    /// @param commitment keccak256(salt || JCS(approved record)).
    event LoanStored(
        bytes32 indexed loanKey, address indexed borrower, address indexed lender, bytes32 commitment
    );

    /// @notice A directly anchored loan was marked repaid.
    /// @param loanKey keccak256(utf8(loan_id)).
    /// @param repaymentCommitment keccak256(salt || JCS(repayment record)).
    event LoanRepaid(bytes32 indexed loanKey, bytes32 repaymentCommitment);

    /// @notice A Merkle root of approved and repaid records was anchored.
    /// @param root The StandardMerkleTree root.
    /// @param seq The batch's sequence number: 1 for the first, then +1.
    /// @param leafCount How many leaves the tree has.
    event BatchAnchored(bytes32 indexed root, uint64 indexed seq, uint32 leafCount);

    /// @notice storeLoan was called for a loan key that is already stored.
    error LoanAlreadyStored(bytes32 loanKey);

    /// @notice The loan key was never stored in direct mode.
    error LoanNotFound(bytes32 loanKey);

    /// @notice markRepaid was called for a loan that is already repaid.
    error LoanAlreadyRepaid(bytes32 loanKey);

    /// @notice A commitment was zero, which no real record hashes to.
    error ZeroCommitment();

    /// @notice anchorBatch was called with a zero root.
    error ZeroRoot();

    /// @notice anchorBatch was called with a leaf count of zero.
    error EmptyBatch();

    /// @notice anchorBatch was called for a root that is already anchored.
    error BatchAlreadyAnchored(bytes32 root, uint64 seq);

    /// @notice No batch with this root has been anchored.
    error UnknownBatch(bytes32 root);

    /// @notice No batch has this sequence number (yet).
    error UnknownBatchSeq(uint64 seq);

    /// @notice A leaf kind other than KIND_APPROVED or KIND_REPAID.
    error InvalidKind(uint8 kind);

    /// @notice The constructor was given the zero address for a role.
    error ZeroAddress();

    /// @notice Deploys a registry with its two keys.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE: grants and revokes roles,
    /// pauses and unpauses. Meant to be a cold key or a multisig.
    /// @param anchorer First holder of ANCHORER_ROLE: the service's hot key.
    constructor(address admin, address anchorer) {
        if (admin == address(0) || anchorer == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHORER_ROLE, anchorer);
    }

    // ---------------------------------------------------------------------
    // Direct mode
    // ---------------------------------------------------------------------

    /// @notice Anchors one approved loan's commitment.
    /// @dev Only ANCHORER_ROLE, only while not paused. Emits LoanStored.
    /// Reverts with LoanAlreadyStored if the key was stored before (even if
    /// with the same commitment, so a retried transaction is visible as such)
    /// and with ZeroCommitment for a zero commitment.
    /// @param loanKey keccak256(utf8(loan_id)).
    /// @param commitment keccak256(salt || JCS(approved record)).
    /// @param borrower The borrower's address, or zero if the record has none.
    /// @param lender The lender's address, or zero if the record has none.
    function storeLoan(bytes32 loanKey, bytes32 commitment, address borrower, address lender)
        external
        onlyRole(ANCHORER_ROLE)
        whenNotPaused
    {
        if (commitment == bytes32(0)) revert ZeroCommitment();
        Loan storage loan = _loans[loanKey];
        if (loan.storedAt != 0) revert LoanAlreadyStored(loanKey);
        loan.commitment = commitment;
        // Assigned together so the optimizer emits a single SSTORE for slot 1.
        (loan.borrower, loan.storedAt) = (borrower, uint48(block.timestamp));
        if (lender != address(0)) loan.lender = lender;
        emit LoanStored(loanKey, borrower, lender, commitment);
    }

    /// @notice Records that a directly anchored loan was repaid.
    /// @dev Only ANCHORER_ROLE, only while not paused. Emits LoanRepaid, which
    /// is the only place the repayment commitment is kept (see the contract
    /// notes). Reverts with LoanNotFound for an unknown key,
    /// LoanAlreadyRepaid for a second repayment and ZeroCommitment for a zero
    /// commitment.
    /// @param loanKey keccak256(utf8(loan_id)).
    /// @param repaymentCommitment keccak256(salt || JCS(repayment record)).
    function markRepaid(bytes32 loanKey, bytes32 repaymentCommitment)
        external
        onlyRole(ANCHORER_ROLE)
        whenNotPaused
    {
        if (repaymentCommitment == bytes32(0)) revert ZeroCommitment();
        Loan storage loan = _loans[loanKey];
        if (loan.storedAt == 0) revert LoanNotFound(loanKey);
        if (loan.repaidAt != 0) revert LoanAlreadyRepaid(loanKey);
        loan.repaidAt = uint48(block.timestamp);
        emit LoanRepaid(loanKey, repaymentCommitment);
    }

    /// @notice Returns a directly anchored loan.
    /// @dev Reverts with LoanNotFound for a key that was never stored. Loans
    /// anchored in batch mode are not visible here; use verifyLeaf.
    /// @param loanKey keccak256(utf8(loan_id)).
    /// @return commitment The approved record's commitment.
    /// @return borrower The borrower's address, or zero.
    /// @return lender The lender's address, or zero.
    /// @return storedAt Block timestamp of storeLoan, in Unix seconds.
    /// @return repaidAt Block timestamp of markRepaid, or 0 if not repaid.
    function getLoan(bytes32 loanKey)
        external
        view
        returns (bytes32 commitment, address borrower, address lender, uint64 storedAt, uint64 repaidAt)
    {
        Loan storage loan = _loans[loanKey];
        if (loan.storedAt == 0) revert LoanNotFound(loanKey);
        return (loan.commitment, loan.borrower, loan.lender, loan.storedAt, loan.repaidAt);
    }

    // ---------------------------------------------------------------------
    // Batch mode
    // ---------------------------------------------------------------------

    /// @notice Anchors the root of a StandardMerkleTree of
    /// (bytes32 loanKey, uint8 kind, bytes32 commitment) leaves.
    /// @dev Only ANCHORER_ROLE, only while not paused. Gives the batch the
    /// next sequence number, so batches are numbered 1, 2, 3, ... without
    /// gaps and an auditor can tell that none is missing. Emits
    /// BatchAnchored. Reverts with ZeroRoot, EmptyBatch, or
    /// BatchAlreadyAnchored for a root anchored before.
    /// @param root The tree's root.
    /// @param leafCount How many leaves the tree has; informational, so an
    /// auditor can check a published leaf list is complete.
    /// @return seq The batch's sequence number.
    function anchorBatch(bytes32 root, uint32 leafCount)
        external
        onlyRole(ANCHORER_ROLE)
        whenNotPaused
        returns (uint64 seq)
    {
        if (root == bytes32(0)) revert ZeroRoot();
        if (leafCount == 0) revert EmptyBatch();
        Batch storage batch = _batches[root];
        if (batch.seq != 0) revert BatchAlreadyAnchored(root, batch.seq);
        seq = _batchCount + 1;
        _batchCount = seq;
        _batches[root] = Batch({
            seq: seq,
            anchoredAt: uint48(block.timestamp),
            blockNumber: uint64(block.number),
            leafCount: leafCount
        });
        _roots[seq] = root;
        emit BatchAnchored(root, seq, leafCount);
    }

    /// @notice Returns how many batches have been anchored, which is also the
    /// sequence number of the latest one (0 if none).
    function batchCount() external view returns (uint64) {
        return _batchCount;
    }

    /// @notice Returns an anchored batch by its root.
    /// @dev Reverts with UnknownBatch if the root was never anchored.
    /// @param root The tree's root.
    /// @return seq The batch's sequence number.
    /// @return anchoredAt Block timestamp of anchorBatch, in Unix seconds.
    /// @return blockNumber Number of the block that anchored it.
    /// @return leafCount The leaf count given to anchorBatch.
    function getBatch(bytes32 root)
        external
        view
        returns (uint64 seq, uint64 anchoredAt, uint64 blockNumber, uint32 leafCount)
    {
        Batch storage batch = _batches[root];
        if (batch.seq == 0) revert UnknownBatch(root);
        return (batch.seq, batch.anchoredAt, batch.blockNumber, batch.leafCount);
    }

    /// @notice Returns an anchored batch by its sequence number.
    /// @dev Reverts with UnknownBatchSeq unless 1 <= seq <= batchCount().
    /// @param seq The batch's sequence number.
    /// @return root The tree's root.
    /// @return anchoredAt Block timestamp of anchorBatch, in Unix seconds.
    /// @return blockNumber Number of the block that anchored it.
    /// @return leafCount The leaf count given to anchorBatch.
    function batchBySeq(uint64 seq)
        external
        view
        returns (bytes32 root, uint64 anchoredAt, uint64 blockNumber, uint32 leafCount)
    {
        root = _roots[seq];
        if (root == bytes32(0)) revert UnknownBatchSeq(seq);
        Batch storage batch = _batches[root];
        return (root, batch.anchoredAt, batch.blockNumber, batch.leafCount);
    }

    /// @notice Returns the StandardMerkleTree leaf of one record:
    /// keccak256(bytes.concat(keccak256(abi.encode(loanKey, kind, commitment)))).
    /// @dev Reverts with InvalidKind unless kind is KIND_APPROVED or
    /// KIND_REPAID.
    /// @param loanKey keccak256(utf8(loan_id)).
    /// @param kind KIND_APPROVED or KIND_REPAID.
    /// @param commitment The record's commitment.
    function leafHash(bytes32 loanKey, uint8 kind, bytes32 commitment) public pure returns (bytes32) {
        if (kind != KIND_APPROVED && kind != KIND_REPAID) revert InvalidKind(kind);
        return keccak256(bytes.concat(keccak256(abi.encode(loanKey, kind, commitment))));
    }

    /// @notice Checks that a record is a leaf of an anchored batch.
    /// @dev Reverts with UnknownBatch if the root was never anchored and with
    /// InvalidKind for a bad kind, so that `false` means exactly "this proof
    /// does not lead from this leaf to this anchored root".
    /// @param root An anchored root.
    /// @param loanKey keccak256(utf8(loan_id)).
    /// @param kind KIND_APPROVED or KIND_REPAID.
    /// @param commitment The record's commitment.
    /// @param proof The sibling hashes from the leaf up, as getProof of the
    /// OpenZeppelin merkle-tree library returns them.
    /// @return True if the proof is valid for the anchored root.
    function verifyLeaf(bytes32 root, bytes32 loanKey, uint8 kind, bytes32 commitment, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        if (_batches[root].seq == 0) revert UnknownBatch(root);
        return MerkleProof.verifyCalldata(proof, root, leafHash(loanKey, kind, commitment));
    }

    // ---------------------------------------------------------------------
    // Administration
    // ---------------------------------------------------------------------

    /// @notice Stops storeLoan, markRepaid and anchorBatch; views keep working.
    /// @dev Only DEFAULT_ADMIN_ROLE. Reverts with EnforcedPause if already
    /// paused. Emits Paused.
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @notice Lets writes through again after pause.
    /// @dev Only DEFAULT_ADMIN_ROLE. Reverts with ExpectedPause if not
    /// paused. Emits Unpaused.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }
}
