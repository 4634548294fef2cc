//go:build !race

package main

// buildFlags are the `go build` flags that match how this test binary was
// compiled: without the race detector.
var buildFlags []string
