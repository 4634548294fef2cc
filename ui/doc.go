// Package ui is the admin web UI: server-rendered HTML pages under /admin,
// built from html/template files and a stylesheet embedded in the binary
// (one template per page), with charts drawn server-side as inline SVG.
// There is no build step and no script: every page works with plain links
// and forms, and the pages make no request to any other origin.
//
// The UI calls the same loan service, store and chain as the REST API in
// package http, and reuses its token authenticator and rate limiter: a
// session is the API's JWT access token kept in an HttpOnly cookie, so
// replicas stay stateless (see session.go for why, and for CSRF).
//
// Limits: the dashboard's charts read the audit trail of the last 14 days
// (at most 1000 rows per kind of chain event), so they undercount on a
// service that writes more than that; gas and cost come from the audit rows
// of mined transactions. Logging out removes the cookie but cannot revoke
// the token inside it before it expires (JWT_EXPIRY_HOURS). The audit page
// checks the whole hash chain on every load, which reads every audit row.
package ui
