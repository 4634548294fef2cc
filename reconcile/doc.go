// Package reconcile compares the anchor index in the database with the
// LoanRegistry on chain, in both directions.
//
// Run is `aartha reconcile`: it recomputes every selected record's salted
// commitment from the loan as the database holds it, checks it against the
// stored anchor, and checks the anchor against the chain — the commitment of
// a direct-mode anchor against its LoanStored/LoanRepaid event, the Merkle
// proof of a batch-mode anchor against the set of roots the registry has
// anchored (an offline proof check against roots fetched once, which gives
// the same answer as the contract's verifyLeaf and is much faster). Each
// record ends up match, mismatch, missing on chain or pending; registry
// writes that no anchor or batch row explains are "unknown on chain".
//
// Rebuild is `aartha rebuild`: it reads the registry's events alone and
// restores the anchor index from them. Its limit is the chain's: a direct
// write carries the loan key and commitment, so direct-mode anchors come
// back completely (the loan key is matched to a loan id by hashing the ids
// the database has); a batch write carries only the root, its sequence
// number and leaf count, so batch rows come back but which records a batch
// holds does not. Those come from a leaf list — the export file written by
// Export (`aartha export`), whose batch lines list every leaf — and are
// trusted only when the leaves rebuild to the root on chain. Fields that are
// not on chain (attempts, last errors, our own timestamps, gas prices of
// direct anchors) cannot be restored; Rebuild sets them to what a fresh
// anchor would have.
//
// Scan reads the chain's writes once; for a real chain, pass the block the
// registry was deployed at as the start, since providers limit log ranges
// and a scan from block 0 walks the whole chain in steps.
package reconcile
