// Package k8s holds the Kubernetes manifests of the Aartha ledger and the
// test that validates them offline.
//
// The manifests are decoded strictly into the official API types
// (k8s.io/api): an unknown or misspelt field, a value of the wrong type or
// a malformed quantity fails, as `kubectl apply --validate=strict` would
// fail. On top, the test checks what a schema cannot: that selectors,
// labels, ports, probes, volumes and secret references agree with one
// another and with the service (/health, /ready, `aartha migrate`,
// NAME_FILE paths), and the security settings every pod must have.
//
// It is its own module so that the Kubernetes API modules never become
// dependencies of the aartha binary. It does not check what only a cluster
// knows (admission policies, the Secret's existence, image pulls).
package k8s
