// Package store keeps the ledger's loans and audit trail in SQLite or
// PostgreSQL behind one type, DB, which implements ledger.Store.
//
// Placeholder.
package store
