// The offline verifier's page: read a receipt (pasted or from a file, read
// locally), run the offline checks, then the chain checks against the RPC
// URL typed. The page sends nothing anywhere else.
import { Checks, checkOffline, checkChain, rpcClient } from './receipt.js';

const $ = (id) => document.getElementById(id);

function row(c) {
  const tr = document.createElement('tr');
  tr.dataset.check = c.name;
  tr.className = c.ok ? 'ok' : 'bad';
  for (const text of [c.name, c.expected, c.found, c.ok ? 'match' : 'differs']) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.appendChild(td);
  }
  return tr;
}

function show(checks, verdict, text) {
  const body = $('checks').querySelector('tbody');
  body.replaceChildren(...checks.list.map(row));
  $('results').hidden = false;
  const v = $('verdict');
  v.dataset.verdict = verdict;
  v.className = verdict;
  v.textContent = text;
  const failed = checks.list.filter((c) => !c.ok).map((c) => c.name);
  $('failed').textContent = failed.length ? 'Failed: ' + failed.join(', ') : '';
}

async function verify(event) {
  event.preventDefault();
  const checks = new Checks();
  const button = $('verify');
  button.disabled = true;
  show(checks, 'running', 'Checking…');
  try {
    const r = checkOffline($('receipt').value, checks);
    if (!r) {
      show(checks, 'rejected', '✘ Not verified: the receipt is not consistent in itself (see the failed check). Its record is not what was anchored.');
      return;
    }
    const url = $('rpc').value.trim();
    if (!url) {
      show(checks, 'offline-only', 'The receipt is consistent in itself. Type a JSON-RPC URL of its chain to check that the chain holds it.');
      return;
    }
    let confirmations;
    try {
      confirmations = await checkChain(r, rpcClient(url), checks);
    } catch (e) {
      show(checks, 'error', `The chain at ${url} could not be asked (${e.message}). Check the URL; the node must allow requests from this page (CORS).`);
      return;
    }
    if (checks.verified) {
      show(checks, 'verified', `✔ Verified: the chain holds exactly this ${r.kind === 1n ? 'approval' : 'repayment'} record of loan ${r.loan_id}, ${confirmations} block${confirmations === 1 ? '' : 's'} deep.`);
    } else {
      show(checks, 'rejected', '✘ Not verified: the chain does not hold this receipt as it stands (see the failed checks).');
    }
  } finally {
    button.disabled = false;
  }
}

$('file').addEventListener('change', () => {
  const f = $('file').files[0];
  if (!f) return;
  const reader = new FileReader();
  reader.onload = () => { $('receipt').value = String(reader.result); };
  reader.readAsText(f);
});
$('form').addEventListener('submit', verify);
