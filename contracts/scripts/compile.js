// compile.js builds LoanRegistry.sol with the solc-js version pinned in
// package-lock.json and writes, under build/:
//
//   LoanRegistry.abi.json     the ABI (input of abigen)
//   LoanRegistry.bin          the creation bytecode, hex (input of abigen)
//   LoanRegistry.input.json   the complete standard-JSON input, every imported
//                             source inlined: upload it as-is to a block
//                             explorer ("Solidity (Standard-Json-Input)") to
//                             verify a deployment
//   LoanRegistry.storage.json the storage layout, to review packing in diffs
//
// Run it through `go generate ./contracts/...` from the repository root, or
// `npm run compile` here. The output is byte-for-byte deterministic: CI
// regenerates it and fails on any difference.
"use strict";

const fs = require("fs");
const path = require("path");
const solc = require("solc");

const WANT_SOLC = "0.8.37";
const CONTRACT = "LoanRegistry";
const MAIN = `${CONTRACT}.sol`;

const root = path.resolve(__dirname, "..");
const buildDir = path.join(root, "build");

function fail(msg) {
  process.stderr.write(`compile: ${msg}\n`);
  process.exit(1);
}

const version = solc.version();
if (!version.startsWith(`${WANT_SOLC}+`)) {
  fail(`solc ${version} found, want ${WANT_SOLC}: run "npm ci" in contracts/`);
}

const settings = {
  optimizer: {
    enabled: true,
    // The registry is deployed once and called for every loan, so optimise
    // for run-time cost over code size.
    runs: 10000,
  },
  // Pinned rather than left to the compiler's default, which moves with
  // each solc release (0.8.37 would target a newer fork). Cancun is the
  // newest instruction set that every chain we may anchor on (Ethereum
  // mainnet and the common L2s and sidechains such as Polygon PoS, Arbitrum,
  // Base, Optimism) executes, so one bytecode, and one verification, fits
  // all of them. The contract uses no opcode newer than that.
  evmVersion: "cancun",
  metadata: { bytecodeHash: "ipfs" },
  outputSelection: {
    [MAIN]: {
      [CONTRACT]: ["abi", "evm.bytecode.object", "storageLayout"],
    },
  },
};

// First pass: resolve imports from node_modules through the import callback,
// remembering every file it hands to the compiler.
const sources = { [MAIN]: { content: fs.readFileSync(path.join(root, MAIN), "utf8") } };

function findImports(importPath) {
  if (!importPath.startsWith("@openzeppelin/contracts/")) {
    return { error: `import ${importPath} is outside @openzeppelin/contracts` };
  }
  const file = path.join(root, "node_modules", importPath);
  try {
    const content = fs.readFileSync(file, "utf8");
    sources[importPath] = { content };
    return { contents: content };
  } catch (err) {
    return { error: `cannot read ${file}: ${err.message}` };
  }
}

function compile(input, callbacks) {
  const out = JSON.parse(solc.compile(JSON.stringify(input), callbacks));
  let bad = false;
  for (const e of out.errors || []) {
    process.stderr.write(e.formattedMessage || e.message);
    if (e.severity === "error") bad = true;
  }
  if (bad) fail("compilation failed");
  return out;
}

compile({ language: "Solidity", sources: { [MAIN]: sources[MAIN] }, settings }, { import: findImports });

// Second pass: compile the self-contained input, with sources in a fixed
// order and no callback, so what we commit is exactly what built the bytecode.
const sorted = {};
for (const key of Object.keys(sources).sort()) sorted[key] = sources[key];
const input = { language: "Solidity", sources: sorted, settings };
const out = compile(input, {});

const c = out.contracts[MAIN][CONTRACT];
if (!c.evm.bytecode.object) fail("empty bytecode");

fs.mkdirSync(buildDir, { recursive: true });
const write = (name, text) => fs.writeFileSync(path.join(buildDir, name), text);
write(`${CONTRACT}.abi.json`, JSON.stringify(c.abi, null, 2) + "\n");
write(`${CONTRACT}.bin`, c.evm.bytecode.object + "\n");
write(`${CONTRACT}.input.json`, JSON.stringify(input, null, 2) + "\n");
write(`${CONTRACT}.storage.json`, JSON.stringify(c.storageLayout, null, 2) + "\n");
process.stdout.write(`compile: ${CONTRACT} with solc ${version}, ${c.evm.bytecode.object.length / 2} bytes\n`);
