// Strict JSON for receipts: one object, no duplicate keys, numbers kept as
// their text so that "1.0" and "1e0" can be refused (receipts and records
// hold plain integers only, docs/receipt.md §1). JSON.parse can do neither.

export class StrictJSONError extends Error {}

export function parseStrict(text) {
  let i = 0;
  const fail = (msg) => { throw new StrictJSONError(`${msg} at character ${i}`); };
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    return fail(c === undefined ? 'unexpected end of the text' : `unexpected ${JSON.stringify(c)}`);
  };
  const object = () => {
    i++; // {
    const out = new Map();
    ws();
    if (text[i] === '}') { i++; return out; }
    for (;;) {
      ws();
      if (text[i] !== '"') fail('expected a key');
      const key = string();
      if (out.has(key)) fail(`key ${JSON.stringify(key)} appears twice`);
      ws();
      if (text[i] !== ':') fail('expected ":"');
      i++;
      out.set(key, value());
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '}') { i++; return out; }
      fail('expected "," or "}"');
    }
  };
  const array = () => {
    i++; // [
    const out = [];
    ws();
    if (text[i] === ']') { i++; return out; }
    for (;;) {
      out.push(value());
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === ']') { i++; return out; }
      fail('expected "," or "]"');
    }
  };
  const string = () => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
    if (!m) fail('a string is not valid JSON');
    i += m[0].length;
    const s = JSON.parse(m[0]);
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) fail('a string holds a lone surrogate');
    return s;
  };
  const number = () => {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m) fail('a number is not valid JSON');
    i += m[0].length;
    return new JSONNumber(m[0]);
  };
  const out = value();
  ws();
  if (i !== text.length) fail('data after the JSON value');
  return out;
}

// JSONNumber is a number as written.
export class JSONNumber {
  constructor(text) { this.text = text; }
  // plainInteger is the number as a BigInt if it is written as a
  // non-negative integer below 2^53, else null.
  plainInteger() {
    if (!/^(0|[1-9][0-9]*)$/.test(this.text)) return null;
    const n = BigInt(this.text);
    return n < 2n ** 53n ? n : null;
  }
}
