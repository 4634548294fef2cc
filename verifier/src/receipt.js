// The offline checks of docs/receipt.md §3 and the chain checks of §4,
// written from the specification (docs/fingerprint.md, docs/receipt.md,
// docs/contract.md). Hashing is @noble/hashes' audited keccak_256.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { parseStrict, JSONNumber, StrictJSONError } from './json.js';

const enc = new TextEncoder();

export const hex = (bytes) => '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
export const unhex = (s) => {
  const out = new Uint8Array((s.length - 2) / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(s.slice(2 + 2 * k, 4 + 2 * k), 16);
  return out;
};
export const keccak = (...parts) => {
  const h = keccak_256.create();
  for (const p of parts) h.update(p);
  return h.digest();
};
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const compare = (a, b) => {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] - b[k];
  return 0;
};
const HASH = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;
const TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

const BASE_FIELDS = ['schema', 'chain', 'contract', 'mode', 'kind', 'loan_id', 'record', 'salt', 'commitment',
  'loan_key', 'tx_hash', 'block_number', 'block_hash', 'log_index'];
const BATCH_FIELDS = ['leaf', 'root', 'proof', 'batch_seq'];
const RECORD_FIELDS = {
  'aartha.loan/v1': { kind: 1, strings: ['schema', 'loan_id', 'borrower', 'lender', 'borrower_address', 'lender_address', 'principal', 'currency', 'approved_at'], integers: ['interest_rate_bps', 'term_months'] },
  'aartha.repayment/v1': { kind: 2, strings: ['schema', 'loan_id', 'amount_repaid', 'currency', 'repaid_at'], integers: [] },
};

// Checks is the list of comparisons made, each {name, expected, found, ok}.
export class Checks {
  constructor() { this.list = []; }
  compare(name, expected, found) {
    const ok = expected === found;
    this.list.push({ name, expected: String(expected), found: String(found), ok });
    return ok;
  }
  get verified() { return this.list.length > 0 && this.list.every((c) => c.ok); }
}

// Rejected stops the checks: the named check failed.
class Rejected extends Error {}

// checkOffline runs the offline steps on the receipt's text. It returns the
// parsed receipt (fields as JS values, integers as BigInt) or null after
// recording the failing check.
export function checkOffline(text, checks) {
  const fail = (name, expected, found) => { checks.compare(name, expected, found); throw new Rejected(name); };
  try {
    let doc;
    try {
      doc = parseStrict(text);
    } catch (e) {
      if (e instanceof StrictJSONError) fail('json', 'one JSON object', 'not valid: ' + e.message);
      throw e;
    }
    if (!(doc instanceof Map)) fail('json', 'one JSON object', 'not an object');
    const mode = doc.get('mode');
    const want = mode === 'batch' ? [...BASE_FIELDS, ...BATCH_FIELDS] : BASE_FIELDS;
    const extra = [...doc.keys()].filter((k) => !want.includes(k));
    const missing = want.filter((k) => (!doc.has(k) || doc.get(k) === null) && !(k === 'proof' && mode === 'batch'));
    if (extra.length || missing.length) {
      fail('fields', `the fields of a ${mode === 'batch' ? 'batch' : 'direct'} receipt`,
        [...extra.map((k) => 'unknown field ' + JSON.stringify(k)), ...missing.map((k) => 'missing ' + k)].join(', '));
    }
    const r = {};
    const str = (k, re) => {
      const v = doc.get(k);
      if (typeof v !== 'string' || (re && !re.test(v))) fail('json', `${k}: ${re === HASH ? 'a hash' : re === ADDRESS ? 'an address' : 'a string'}`, JSON.stringify(v instanceof JSONNumber ? v.text : v ?? null));
      return v;
    };
    const int = (k) => {
      const v = doc.get(k);
      const n = v instanceof JSONNumber ? v.plainInteger() : null;
      if (n === null) fail('json', `${k}: a plain integer`, v instanceof JSONNumber ? v.text : JSON.stringify(v ?? null));
      return n;
    };
    r.schema = str('schema'); r.chain = str('chain'); r.contract = str('contract', ADDRESS); r.mode = str('mode');
    r.kind = int('kind'); r.loan_id = str('loan_id'); r.salt = str('salt', /^0x([0-9a-f]{2})*$/);
    r.commitment = str('commitment', HASH); r.loan_key = str('loan_key', HASH);
    r.tx_hash = str('tx_hash', HASH); r.block_number = int('block_number'); r.block_hash = str('block_hash', HASH);
    r.log_index = int('log_index');
    if (mode === 'batch') {
      r.leaf = str('leaf', HASH); r.root = str('root', HASH); r.batch_seq = int('batch_seq');
      const proof = doc.has('proof') ? doc.get('proof') : [];
      if (!Array.isArray(proof) || !proof.every((p) => typeof p === 'string' && HASH.test(p))) fail('json', 'proof: an array of hashes', JSON.stringify(proof));
      r.proof = proof;
    }

    // Step 1.
    if (!checks.compare('schema', 'aartha.receipt/v1', r.schema)) throw new Rejected('schema');
    if (!checks.compare('mode', 'direct or batch', r.mode === 'direct' || r.mode === 'batch' ? 'direct or batch' : r.mode)) throw new Rejected('mode');
    if (r.kind !== 1n && r.kind !== 2n) fail('kind', '1 or 2', r.kind);
    if (!checks.compare('salt', '32 bytes', `${(r.salt.length - 2) / 2} bytes`)) throw new Rejected('salt');

    // Step 2: the record.
    const rec = doc.get('record');
    if (!(rec instanceof Map)) fail('record', 'a record object', 'not an object');
    const spec = RECORD_FIELDS[rec.get('schema')];
    if (!spec) fail('record', 'schema aartha.loan/v1 or aartha.repayment/v1', JSON.stringify(rec.get('schema') ?? null));
    const recKeys = [...spec.strings, ...spec.integers];
    const badKeys = [...[...rec.keys()].filter((k) => !recKeys.includes(k)).map((k) => 'unexpected key ' + JSON.stringify(k)),
      ...recKeys.filter((k) => !rec.has(k)).map((k) => 'missing ' + k)];
    if (badKeys.length) fail('record', 'exactly the keys of ' + rec.get('schema'), badKeys.join(', '));
    for (const k of spec.strings) if (typeof rec.get(k) !== 'string') fail('record', `${k}: a string`, JSON.stringify(rec.get(k) instanceof JSONNumber ? rec.get(k).text : rec.get(k)));
    for (const k of spec.integers) {
      const v = rec.get(k);
      if (!(v instanceof JSONNumber) || v.plainInteger() === null) fail('record', `${k}: a plain integer`, v instanceof JSONNumber ? v.text : JSON.stringify(v));
    }
    for (const k of ['approved_at', 'repaid_at']) if (rec.has(k) && !TIME.test(rec.get(k))) fail('record', `${k}: RFC 3339 UTC, whole seconds`, rec.get(k));
    for (const k of ['principal', 'amount_repaid']) if (rec.has(k) && !DECIMAL.test(rec.get(k))) fail('record', `${k}: a decimal string`, rec.get(k));
    for (const k of ['borrower_address', 'lender_address']) if (rec.has(k) && rec.get(k) !== '' && !ADDRESS.test(rec.get(k))) fail('record', `${k}: a lower-case address or ""`, rec.get(k));
    if (!checks.compare('kind', `${spec.kind} (${rec.get('schema')})`, `${r.kind} (${rec.get('schema')})`)) throw new Rejected('kind');
    if (!checks.compare('loan_id', rec.get('loan_id'), r.loan_id)) throw new Rejected('loan_id');
    r.record = rec;

    // Step 3: commitment = keccak256(salt ‖ JCS(record)). A record holds
    // strings and integers only, so JCS is: keys sorted by UTF-16 code
    // units, strings as JSON.stringify writes them (RFC 8785 §3.2.2.2),
    // integers in decimal.
    const keys = [...rec.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const canonical = '{' + keys.map((k) => {
      const v = rec.get(k);
      return JSON.stringify(k) + ':' + (v instanceof JSONNumber ? v.plainInteger().toString() : JSON.stringify(v));
    }).join(',') + '}';
    const commitment = hex(keccak(unhex(r.salt), enc.encode(canonical)));
    if (!checks.compare('commitment', commitment, r.commitment)) throw new Rejected('commitment');

    // Step 4.
    const loanKey = hex(keccak(enc.encode(r.loan_id)));
    if (!checks.compare('loan_key', loanKey, r.loan_key)) throw new Rejected('loan_key');

    // Step 5: leaf = keccak256(keccak256(abi.encode(loan_key, kind, commitment))),
    // then the sorted-pair fold of the proof.
    if (r.mode === 'batch') {
      const kind = new Uint8Array(32);
      kind[31] = Number(r.kind);
      const leaf = keccak(keccak(concat(unhex(loanKey), kind, unhex(commitment))));
      if (!checks.compare('leaf', hex(leaf), r.leaf)) throw new Rejected('leaf');
      let node = leaf;
      for (const p of r.proof) {
        const sib = unhex(p);
        node = compare(node, sib) < 0 ? keccak(node, sib) : keccak(sib, node);
      }
      if (!checks.compare('root', r.root, hex(node))) throw new Rejected('root');
    }
    return r;
  } catch (e) {
    if (e instanceof Rejected) return null;
    throw e;
  }
}

// Event topics and function selectors of the LoanRegistry (docs/contract.md).
const sig = (s) => hex(keccak(enc.encode(s)));
const TOPIC = {
  LoanStored: sig('LoanStored(bytes32,address,address,bytes32)'),
  LoanRepaid: sig('LoanRepaid(bytes32,bytes32)'),
  BatchAnchored: sig('BatchAnchored(bytes32,uint64,uint32)'),
};
const selector = (s) => sig(s).slice(0, 10);
const word = (n) => BigInt(n).toString(16).padStart(64, '0');

// rpc returns a JSON-RPC caller for url; each call returns the result or
// throws an Error with the node's message.
export function rpcClient(url, fetchFn = fetch) {
  let id = 0;
  return async (method, params) => {
    const res = await fetchFn(url, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    if (!res.ok) throw new Error(`${method}: the node answered HTTP ${res.status}`);
    const body = await res.json();
    if (body.error) throw new CallError(`${method}: ${body.error.message || JSON.stringify(body.error)}`);
    return body.result;
  };
}

// CallError is a call the node answered with an error (a revert): a failed
// check, not a failure to reach the node.
export class CallError extends Error {}

// checkChain runs the EVM checks of docs/receipt.md §4 for a receipt that
// passed checkOffline, with the names `aartha verify --json` uses. It
// returns the confirmations (0 when the transaction was not found).
export async function checkChain(r, call, checks) {
  if (!r.chain.startsWith('eip155:')) {
    checks.compare('chain', 'an EVM chain (eip155:…)', r.chain + ': check it with `aartha verify` against a node of that chain');
    return 0;
  }
  const chainId = BigInt(await call('eth_chainId', []));
  if (!checks.compare('chain', r.chain, 'eip155:' + chainId)) return 0;
  const tx = await call('eth_getTransactionReceipt', [r.tx_hash]);
  if (!tx) {
    checks.compare('transaction', r.tx_hash, 'not found on chain');
    return 0;
  }
  checks.compare('transaction status', 'success', BigInt(tx.status) === 1n ? 'success' : 'reverted');
  checks.compare('block hash', r.block_hash, tx.blockHash);
  checks.compare('block number', r.block_number.toString(), BigInt(tx.blockNumber).toString());
  const log = (tx.logs || []).find((l) => BigInt(l.logIndex) === r.log_index && l.address.toLowerCase() === r.contract);
  if (!log) {
    checks.compare('registry event', `log ${r.log_index} of ${r.contract}`, 'absent');
    return 0;
  }
  const event = Object.keys(TOPIC).find((k) => TOPIC[k] === log.topics[0]) || 'another event';
  const callView = async (name, data) => {
    try {
      return await call('eth_call', [{ to: r.contract, data }, 'latest']);
    } catch (e) {
      if (e instanceof CallError) return { failed: e.message };
      throw e;
    }
  };
  if (r.mode === 'direct') {
    const want = r.kind === 1n ? 'LoanStored' : 'LoanRepaid';
    if (!checks.compare('registry event', want, event)) return 0;
    checks.compare('event loan key', r.loan_key, log.topics[1]);
    if (r.kind === 1n) {
      checks.compare('event commitment', r.commitment, log.data.slice(0, 66));
      const got = await callView('getLoan', selector('getLoan(bytes32)') + r.loan_key.slice(2));
      checks.compare('registry getLoan commitment', r.commitment, got.failed ? 'could not be read: ' + got.failed : got.slice(0, 66));
    } else {
      checks.compare('event repayment commitment', r.commitment, log.data.slice(0, 66));
    }
  } else {
    if (!checks.compare('registry event', 'BatchAnchored', event)) return 0;
    checks.compare('event root', r.root, log.topics[1]);
    checks.compare('event batch sequence', r.batch_seq.toString(), BigInt(log.topics[2]).toString());
    const batch = await callView('getBatch', selector('getBatch(bytes32)') + r.root.slice(2));
    checks.compare('registry getBatch sequence', r.batch_seq.toString(), batch.failed ? 'could not be read: ' + batch.failed : BigInt('0x' + batch.slice(2, 66)).toString());
    const data = selector('verifyLeaf(bytes32,bytes32,uint8,bytes32,bytes32[])') + r.root.slice(2) + r.loan_key.slice(2) +
      word(r.kind) + r.commitment.slice(2) + word(5 * 32) + word(r.proof.length) + r.proof.map((p) => p.slice(2)).join('');
    const ok = await callView('verifyLeaf', data);
    checks.compare('registry verifyLeaf', 'true', ok.failed ? 'could not be read: ' + ok.failed : String(BigInt(ok) === 1n));
  }
  const head = BigInt(await call('eth_blockNumber', []));
  return head >= r.block_number ? Number(head - r.block_number + 1n) : 0;
}
