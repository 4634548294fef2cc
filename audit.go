package ledger

import (
	"encoding/json"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
)

// Actor is who asked for a change and from where. The zero Actor is not
// valid: every change has an author, even if it is the system itself.
type Actor struct {
	ID   string // user email, "system" or a service name
	Role string // admin, operator, viewer or system
	Addr string // remote address of the request, or "cli"
}

// SystemActor is the actor for changes the service makes on its own.
func SystemActor() Actor { return Actor{ID: "system", Role: "system", Addr: "local"} }

// CLIActor is the actor for changes made with a command on the server.
func CLIActor(user string) Actor { return Actor{ID: user, Role: "admin", Addr: "cli"} }

// AuditEntry is one row of the audit trail. It is written in the same
// database transaction as the change it describes, so the trail and the
// state never disagree.
type AuditEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Actor    Actor           `json:"actor"`
	Action   string          `json:"action"`    // e.g. loan.approve
	Entity   string          `json:"entity"`    // e.g. loan
	EntityID string          `json:"entity_id"` // e.g. the loan id
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	// Chain describes the chain write this row records, if any.
	Chain *ChainWrite `json:"chain,omitempty"`

	// PrevHash and Hash chain the rows (see AuditHash): set by the store
	// when the row is appended. Rows written before the chain existed have
	// neither.
	PrevHash hexutil.Bytes `json:"prev_hash,omitempty"`
	Hash     hexutil.Bytes `json:"hash,omitempty"`
}

// ChainWrite is what an audit row records about a write to the chain.
// Amounts are decimal strings of wei; empty or zero fields are unknown.
type ChainWrite struct {
	Network      string `json:"network,omitempty"`  // CAIP-2 chain id, e.g. eip155:137
	Contract     string `json:"contract,omitempty"` // the LoanRegistry address
	TxHash       string `json:"tx_hash,omitempty"`
	GasUsed      uint64 `json:"gas_used,omitempty"`
	GasPriceWei  string `json:"gas_price_wei,omitempty"`
	TotalCostWei string `json:"total_cost_wei,omitempty"` // gas used × gas price
}

// Audit actions: every Action an audit row may carry, in one table.
const (
	// On loans, by people.
	ActionLoanCreate    = "loan.create"
	ActionLoanApprove   = "loan.approve"
	ActionLoanReject    = "loan.reject"
	ActionLoanRepaid    = "loan.mark_repaid"
	ActionLoanDefaulted = "loan.mark_defaulted"
	ActionLoanAnchor    = "loan.anchor" // an anchor queued (again) by hand
	ActionLoanErase     = "loan.erase"
	ActionLoanHoldSet   = "loan.hold.set"
	ActionLoanHoldLift  = "loan.hold.lift"

	// On loans, by the anchoring lifecycle (AnchorService): AnchorAction
	// of each status an anchor reaches.
	ActionAnchorQueued    = "anchor.queued"
	ActionAnchorSubmitted = "anchor.submitted"
	ActionAnchorIncluded  = "anchor.included"
	ActionAnchorFinal     = "anchor.final"
	ActionAnchorFailed    = "anchor.failed"
	// A final write left the chain and was queued to be sent again (see
	// docs/finality.md).
	ActionAnchorLost = "anchor.lost_after_final"
	// Rebuild restored an anchor from the chain.
	ActionAnchorRestored = "anchor.restored"

	// On batches: BatchAction of each status a batch reaches.
	ActionBatchSubmitted = "batch.submitted"
	ActionBatchIncluded  = "batch.included"
	ActionBatchFinal     = "batch.final"
	ActionBatchFailed    = "batch.failed"
	ActionBatchLost      = "batch.lost_after_final"

	// On users and the service.
	ActionUserCreate  = "user.create"
	ActionMaintenance = "service.maintenance"

	// Key rotation (aartha keys rotate): the new key granted the anchorer
	// role, the old key's transactions drained, its role revoked.
	ActionKeysRotateGrant  = "keys.rotate.grant"
	ActionKeysRotateDrain  = "keys.rotate.drain"
	ActionKeysRotateRevoke = "keys.rotate.revoke"
	// Rotation of the personal-data master key (aartha keys rotate-pii):
	// the data keys re-wrapped under the new master key.
	ActionKeysRotatePII = "keys.rotate_pii"
)

// AnchorAction is the audit action of an anchor reaching status.
func AnchorAction(status AnchorStatus) string { return "anchor." + string(status) }

// BatchAction is the audit action of a batch reaching status.
func BatchAction(status AnchorStatus) string { return "batch." + string(status) }

// snapshot is the audit view of a loan: every field but the salts.
func snapshot(l *Loan) json.RawMessage {
	if l == nil {
		return nil
	}
	b, err := json.Marshal(l)
	if err != nil {
		// A Loan has only plain fields; Marshal cannot fail on it.
		panic("ledger: marshal loan snapshot: " + err.Error())
	}
	return b
}
