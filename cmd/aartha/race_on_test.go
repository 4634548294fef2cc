//go:build race

package main

// buildFlags are the `go build` flags that match how this test binary was
// compiled: with the race detector.
var buildFlags = []string{"-race"}
