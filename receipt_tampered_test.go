package ledger_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

// tamperedCase is one edit of a golden receipt and the check it must
// fail. The edit sets one top-level field to a JSON value (adding the
// field if it is new), so a verifier author can apply it to any receipt of
// the same shape, including real ones on a development chain.
type tamperedCase struct {
	Name       string          `json:"name"`  // file name under tampered/, without .json
	From       string          `json:"from"`  // the golden receipt edited
	Field      string          `json:"field"` // the top-level field set
	Value      json.RawMessage `json:"value"` // its new JSON value
	Fails      string          `json:"fails"` // the check that must fail (docs/receipt.md, "Tampered receipts")
	NeedsChain bool            `json:"needs_chain"`
	Why        string          `json:"why"`
}

// offlineFailures are the offline checks' ids and what Aartha's own
// verifier (ParseReceipt, then CheckOffline) says when each fails.
var offlineFailures = map[string]*regexp.Regexp{
	"json":       regexp.MustCompile(`receipt is not valid JSON|duplicate|data after`),
	"fields":     regexp.MustCompile(`unknown field|lacks|needs leaf, root and batch_seq`),
	"schema":     regexp.MustCompile(`receipt schema`),
	"mode":       regexp.MustCompile(`receipt mode`),
	"kind":       regexp.MustCompile(`receipt kind`),
	"salt":       regexp.MustCompile(`receipt salt`),
	"record":     regexp.MustCompile(`record (is not valid|has unexpected key|lacks key|key)|record schema|time .* is not RFC 3339`),
	"loan_id":    regexp.MustCompile(`receipt loan_id .* does not match`),
	"commitment": regexp.MustCompile(`^invalid: commitment does not match`),
	"loan_key":   regexp.MustCompile(`^invalid: loan_key does not match`),
	"leaf":       regexp.MustCompile(`^invalid: leaf does not match`),
	"root":       regexp.MustCompile(`proof does not lead to the stated root`),
}

func hexOf(b byte) string {
	return `"0x` + strings.Repeat(string("0123456789abcdef"[b>>4])+string("0123456789abcdef"[b&15]), 32) + `"`
}

// tamperedCases is the set published in testdata/receipts/tampered/cases.json.
var tamperedCases = []tamperedCase{
	{"evm-direct.principal", "evm-direct.json", "record", json.RawMessage(`{"schema":"aartha.loan/v1","loan_id":"LOAN-2026-0001","borrower":"cust-10442","lender":"aartha-capital","borrower_address":"0x52908400098527886e0f7030069857d2e4169ee7","lender_address":"0xde709f2102306220921060314715629080e2fb77","principal":"150000001","currency":"INR","interest_rate_bps":1450,"term_months":24,"approved_at":"2026-03-01T09:30:00Z"}`), "commitment", false, "one minor unit more principal: the record no longer gives the commitment"},
	{"evm-direct.rate", "evm-direct.json", "record", json.RawMessage(`{"schema":"aartha.loan/v1","loan_id":"LOAN-2026-0001","borrower":"cust-10442","lender":"aartha-capital","borrower_address":"0x52908400098527886e0f7030069857d2e4169ee7","lender_address":"0xde709f2102306220921060314715629080e2fb77","principal":"150000000","currency":"INR","interest_rate_bps":1400,"term_months":24,"approved_at":"2026-03-01T09:30:00Z"}`), "commitment", false, "a lower interest rate"},
	{"evm-direct.extra-record-key", "evm-direct.json", "record", json.RawMessage(`{"schema":"aartha.loan/v1","loan_id":"LOAN-2026-0001","borrower":"cust-10442","lender":"aartha-capital","borrower_address":"0x52908400098527886e0f7030069857d2e4169ee7","lender_address":"0xde709f2102306220921060314715629080e2fb77","principal":"150000000","currency":"INR","interest_rate_bps":1450,"term_months":24,"approved_at":"2026-03-01T09:30:00Z","collateral":"none"}`), "record", false, "a record with a key its schema does not have"},
	{"evm-direct.record-float", "evm-direct.json", "record", json.RawMessage(`{"schema":"aartha.loan/v1","loan_id":"LOAN-2026-0001","borrower":"cust-10442","lender":"aartha-capital","borrower_address":"0x52908400098527886e0f7030069857d2e4169ee7","lender_address":"0xde709f2102306220921060314715629080e2fb77","principal":"150000000","currency":"INR","interest_rate_bps":1450.0,"term_months":24,"approved_at":"2026-03-01T09:30:00Z"}`), "record", false, "an integer written with a fraction: records hold plain integers only"},
	{"evm-direct.salt", "evm-direct.json", "salt", json.RawMessage(hexOf(0x01)), "commitment", false, "another salt gives another commitment"},
	{"evm-direct.short-salt", "evm-direct.json", "salt", json.RawMessage(`"0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"`), "salt", false, "a salt of 31 bytes"},
	{"evm-direct.commitment", "evm-direct.json", "commitment", json.RawMessage(`"0x7d9e2811aa2af9796bf22d9cb7a5e4749e4a0bfc6d01a7ddb2b1732b50679d91"`), "commitment", false, "the stated commitment is not the record's"},
	{"evm-direct.loan-key", "evm-direct.json", "loan_key", json.RawMessage(`"0x1fab8d3f2d451bf8209d14879c7e962399158e1376832d7f5bcfaadf70e614f8"`), "loan_key", false, "the stated loan key is not keccak256 of the loan id"},
	{"evm-direct.loan-id", "evm-direct.json", "loan_id", json.RawMessage(`"LOAN-2026-0002"`), "loan_id", false, "the receipt names another loan than its record"},
	{"evm-direct.kind", "evm-direct.json", "kind", json.RawMessage(`2`), "kind", false, "an approval record presented as a repayment"},
	{"evm-direct.kind-float", "evm-direct.json", "kind", json.RawMessage(`1.0`), "json", false, "kind written with a fraction: receipts hold plain integers only"},
	{"evm-direct.schema", "evm-direct.json", "schema", json.RawMessage(`"aartha.receipt/v2"`), "schema", false, "an unknown receipt schema"},
	{"evm-direct.mode", "evm-direct.json", "mode", json.RawMessage(`"sideways"`), "mode", false, "a mode that is neither direct nor batch"},
	{"evm-direct.unknown-field", "evm-direct.json", "rooot", json.RawMessage(`"0x00"`), "fields", false, "a misspelt field: a receipt has exactly the fields of its mode"},
	{"multichain-direct.borrower", "multichain-direct.json", "record", json.RawMessage(`{"schema":"aartha.loan/v1","loan_id":"a","borrower":"Zoe \"Z\" Ñúñez\\back\tslash\u0001","lender":"श्री लेंडर € 😀","borrower_address":"","lender_address":"","principal":"1","currency":"KWD","interest_rate_bps":100000,"term_months":600,"approved_at":"2026-01-01T00:00:00Z"}`), "commitment", false, "one letter of the borrower's name without its accent"},
	{"evm-batch-one.amount", "evm-batch-one.json", "record", json.RawMessage(`{"schema":"aartha.repayment/v1","loan_id":"LOAN-2026-0001","amount_repaid":"171750001","currency":"INR","repaid_at":"2028-03-01T10:00:00Z"}`), "commitment", false, "a repayment of another amount"},
	{"evm-batch-one.proof", "evm-batch-one.json", "proof", json.RawMessage(`[` + hexOf(0x22) + `]`), "root", false, "a sibling added to the proof of a one-leaf batch"},
	{"evm-batch-one.no-batch-seq", "evm-batch-one.json", "batch_seq", json.RawMessage(`null`), "fields", false, "a batch receipt without its batch number"},
	{"evm-batch-many.leaf", "evm-batch-many.json", "leaf", json.RawMessage(`"0xc16498d8e233a48f7c0bd3dbe417a6db32263b41ef3c57eec4a1791e707e4f4c"`), "leaf", false, "the stated leaf is not the record's"},
	{"evm-batch-many.root", "evm-batch-many.json", "root", json.RawMessage(`"0xa70860f57530e238f773dde2095909d298f29b51c22855d17a68365ae9114e1e"`), "root", false, "the proof does not lead to the stated root"},
	{"evm-batch-many.proof", "evm-batch-many.json", "proof", json.RawMessage(`["0xbd86ff41c36de73f0130d6046550cf943cba831916978e5fa7201975f2899417","0x76368c1b7c3c9768d6a23862afb1efa90799d9a67458391bde3393c944b2ac45"]`), "root", false, "a proof with one sibling changed"},
	{"evm-batch-many.proof-order", "evm-batch-many.json", "proof", json.RawMessage(`["0x76368c1b7c3c9768d6a23862afb1efa90799d9a67458391bde3393c944b2ac45","0xbd86ff41c36de73f0130d6046550cf943cba831916978e5fa7201975f2899416"]`), "root", false, "the proof's siblings in the wrong order"},
	{"evm-batch-many.proof-short", "evm-batch-many.json", "proof", json.RawMessage(`["0xbd86ff41c36de73f0130d6046550cf943cba831916978e5fa7201975f2899416"]`), "root", false, "a proof missing its last sibling"},

	// Consistent offline; a chain that holds the original receipt refutes
	// them. Each "fails" is the name of the check in `aartha verify --json`.
	{"evm-direct.tx-hash", "evm-direct.json", "tx_hash", json.RawMessage(hexOf(0xcd)), "transaction", true, "a transaction that is not on the chain"},
	{"evm-direct.block-hash", "evm-direct.json", "block_hash", json.RawMessage(hexOf(0xbb)), "block hash", true, "the transaction is in another block"},
	{"evm-direct.block-number", "evm-direct.json", "block_number", json.RawMessage(`1`), "block number", true, "the transaction is at another height"},
	{"evm-direct.log-index", "evm-direct.json", "log_index", json.RawMessage(`99`), "registry event", true, "no registry event at that log index"},
	{"evm-direct.contract", "evm-direct.json", "contract", json.RawMessage(`"0x000000000000000000000000000000000000dead"`), "registry event", true, "another contract than the registry that wrote the event"},
	{"evm-direct.chain", "evm-direct.json", "chain", json.RawMessage(`"eip155:1"`), "chain", true, "another chain than the one asked"},
	{"evm-batch-many.batch-seq", "evm-batch-many.json", "batch_seq", json.RawMessage(`99`), "event batch sequence", true, "another batch number than the chain's"},
}

// setField sets a top-level field of an indented JSON object in place,
// keeping the other fields' order and layout, or adds it at the end.
func setField(t *testing.T, doc []byte, field string, value json.RawMessage) []byte {
	t.Helper()
	var indented bytes.Buffer
	require.NoError(t, json.Indent(&indented, value, "  ", "  "))
	val := indented.Bytes()
	dec := json.NewDecoder(bytes.NewReader(doc))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	for dec.More() {
		key, err := dec.Token()
		require.NoError(t, err)
		start := dec.InputOffset()
		var raw json.RawMessage
		require.NoError(t, dec.Decode(&raw))
		if key == field {
			end := dec.InputOffset()
			return append(append(append(append([]byte{}, doc[:start]...), ": "...), val...), doc[end:]...)
		}
	}
	end := bytes.LastIndexByte(doc, '}')
	return append(append(append([]byte{}, bytes.TrimRight(doc[:end], "\n")...), []byte(",\n  \""+field+"\": "+string(val)+"\n")...), doc[end:]...)
}

// TestTamperedReceipts publishes the tampered receipts for verifier
// authors (testdata/receipts/tampered/cases.json and the receipts beside it, rewritten
// by -update) and checks that Aartha's own verifier fails each offline one
// at the check it names, and passes the offline part of the ones only a
// chain can refute (cmd/aartha's browser tests apply those edits to real
// receipts on the embedded chain).
func TestTamperedReceipts(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(receiptsDir, "tampered")
	manifest, err := json.MarshalIndent(tamperedCases, "", "  ")
	require.NoError(t, err)
	manifest = append(manifest, '\n')
	files := map[string][]byte{}
	seen := map[string]bool{}
	for _, tc := range tamperedCases {
		require.False(t, seen[tc.Name], "%s twice", tc.Name)
		seen[tc.Name] = true
		base, err := os.ReadFile(filepath.Join(receiptsDir, tc.From))
		require.NoError(t, err)
		files[tc.Name+".json"] = setField(t, base, tc.Field, tc.Value)
		require.NotEqual(t, string(base), string(files[tc.Name+".json"]), tc.Name)
	}
	if *update {
		require.NoError(t, os.RemoveAll(dir))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "cases.json"), manifest, 0o644))
		for name, b := range files {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
		}
	}
	want, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	require.NoError(t, err, "run go test . -run TestTamperedReceipts -update")
	require.Equal(t, string(want), string(manifest))
	onDisk, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.Len(t, onDisk, len(files)+1, "tampered/ holds cases.json and exactly its cases")

	fails := map[string]bool{}
	for _, tc := range tamperedCases {
		b, err := os.ReadFile(filepath.Join(dir, tc.Name+".json"))
		require.NoError(t, err)
		require.Equal(t, string(files[tc.Name+".json"]), string(b), tc.Name)
		r, err := ledger.ParseReceipt(b)
		if err == nil {
			_, err = r.CheckOffline()
		}
		if tc.NeedsChain {
			require.NoError(t, err, "%s: consistent offline", tc.Name)
			continue
		}
		fails[tc.Fails] = true
		require.Error(t, err, tc.Name)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), tc.Name)
		re, ok := offlineFailures[tc.Fails]
		require.True(t, ok, "%s: unknown check %q", tc.Name, tc.Fails)
		require.Regexp(t, re, err.Error(), "%s fails at %s", tc.Name, tc.Fails)
	}
	for id := range offlineFailures {
		require.True(t, fails[id], "no tampered receipt fails the %s check", id)
	}
}
