package evm

import (
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// ClefRules returns a Clef rules file (JavaScript, `clef --rules`) for the
// anchoring account: it approves, with no one at the console, exactly
//
//   - calls from anchorer to the LoanRegistry at registry, carrying no
//     value, and
//   - 0-value transfers from anchorer to itself without data, which is how
//     the transaction manager fills a nonce it cannot use,
//
// and rejects everything else outright (never passing it to a human), as
// well as account listings and data signing. Clef loads the file only after
// `clef attest <sha256 of the file>`.
func ClefRules(registry, anchorer common.Address) string {
	return strings.NewReplacer(
		"{{REGISTRY}}", strings.ToLower(registry.Hex()),
		"{{ANCHORER}}", strings.ToLower(anchorer.Hex()),
	).Replace(clefRulesTemplate)
}

const clefRulesTemplate = `// Clef rules for the Aartha ledger's anchoring account (aartha keys clef-rules).
// Approves only calls to the LoanRegistry without value, and 0-value
// transfers to the account itself without data (a nonce filled when a
// send cannot go ahead). Everything else is rejected.
var REGISTRY = "{{REGISTRY}}";
var ANCHORER = "{{ANCHORER}}";

function lower(s) { return s ? String(s).toLowerCase() : ""; }

function isZero(v) {
	if (!v) { return true; }
	v = String(v);
	if (v.slice(0, 2) == "0x") { return new BigNumber(v.slice(2) || "0", 16).isZero(); }
	return new BigNumber(v).isZero();
}

function noData(tx) {
	return (!tx.data || tx.data == "0x") && (!tx.input || tx.input == "0x");
}

function ApproveTx(req) {
	var tx = req.transaction;
	if (lower(tx.from) != ANCHORER || !isZero(tx.value)) { return "Reject"; }
	if (lower(tx.to) == REGISTRY) { return "Approve"; }
	if (lower(tx.to) == ANCHORER && noData(tx)) { return "Approve"; }
	return "Reject";
}

function ApproveListing(req) { return "Reject"; }
function ApproveSignData(req) { return "Reject"; }
function OnSignerStartup(info) {}
function OnApprovedTx(resp) {}
`
