// Package http serves Aartha ledger over HTTP: for now the liveness and
// readiness probes; the admin API and UI build on the same Server.
//
// The package is named after the technology it adapts, as the other adapter
// packages are; import net/http under another name next to it.
package http
