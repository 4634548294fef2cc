// merkle.js builds an OpenZeppelin StandardMerkleTree over batch leaves, for
// the Go tests to cross-check their own tree against the reference library.
//
// stdin:  JSON array of [loanKey, kind, commitment] (0x hex, number, 0x hex)
// stdout: JSON {root, tree, leaves, proofs}; tree is the library's node
//         array, leaves and proofs are in input order.
"use strict";

const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const values = JSON.parse(input);
  const tree = StandardMerkleTree.of(values, ["bytes32", "uint8", "bytes32"]);
  const out = {
    root: tree.root,
    tree: tree.dump().tree,
    leaves: values.map((v) => tree.leafHash(v)),
    proofs: values.map((_, i) => tree.getProof(i)),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
});
