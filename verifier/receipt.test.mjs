// node --test: the offline checks against the golden and tampered receipts
// of testdata/receipts (the chain checks run in Chromium against the
// embedded chain, in cmd/aartha's TestOfflineVerifierInBrowser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Checks, checkOffline } from './src/receipt.js';

const dir = new URL('../testdata/receipts/', import.meta.url);
const read = (name) => readFileSync(new URL(name, dir), 'utf8');

test('every golden receipt passes the offline checks', () => {
  for (const name of ['evm-direct.json', 'evm-batch-one.json', 'evm-batch-many.json', 'multichain-direct.json']) {
    const checks = new Checks();
    assert.ok(checkOffline(read(name), checks), name + ': ' + JSON.stringify(checks.list));
    assert.ok(checks.verified, name);
  }
});

test('every tampered receipt fails at the check cases.json names', () => {
  const cases = JSON.parse(read('tampered/cases.json'));
  assert.ok(cases.length > 20);
  for (const c of cases) {
    const checks = new Checks();
    const r = checkOffline(read(`tampered/${c.name}.json`), checks);
    if (c.needs_chain) {
      assert.ok(r, `${c.name}: consistent offline`);
      continue;
    }
    assert.equal(r, null, c.name);
    const failed = checks.list.filter((x) => !x.ok).map((x) => x.name);
    assert.deepEqual(failed, [c.fails], `${c.name}: ${JSON.stringify(checks.list.at(-1))}`);
  }
});

test('strict JSON: duplicate keys and trailing data are refused', () => {
  const good = read('evm-direct.json');
  for (const [text, why] of [
    [good.replace('"mode": "direct",', '"mode": "direct", "mode": "direct",'), 'appears twice'],
    [good + '{}', 'data after'],
    ['[1]', 'not an object'],
  ]) {
    const checks = new Checks();
    assert.equal(checkOffline(text, checks), null);
    assert.equal(checks.list.at(-1).name, 'json');
    assert.match(checks.list.at(-1).found, new RegExp(why));
  }
});
