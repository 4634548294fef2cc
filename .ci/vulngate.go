//go:build ignore

// Command vulngate reads govulncheck's JSON output (-format json) on
// standard input and fails when the code calls a vulnerable function whose
// OSV id is not in the allow list given as its argument for that module.
// Each allow-list line is an id, the module ("stdlib" for the standard
// library) and the reason it is accepted, separated by white space; #
// starts a comment. Findings that the code does not call are listed, not
// failed.
//
//	govulncheck -db file://... -format json ./... | go run .ci/vulngate.go .ci/govulncheck-allow.txt
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type message struct {
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
		} `json:"trace"`
	} `json:"finding"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run .ci/vulngate.go ALLOWLIST < govulncheck.json")
		os.Exit(2)
	}
	allowed, err := readAllowList(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulngate:", err)
		os.Exit(2)
	}
	summaries := map[string]string{}
	called := map[string]string{}  // "id module" -> "module@version (fixed in ...)"
	reachable := map[string]bool{} // imported or required, not called
	dec := json.NewDecoder(bufio.NewReader(os.Stdin))
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "vulngate: reading govulncheck output:", err)
			os.Exit(2)
		}
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		if f := m.Finding; f != nil && len(f.Trace) > 0 {
			if f.Trace[0].Function != "" {
				fixed := f.FixedVersion
				if fixed == "" {
					fixed = "no fix yet"
				}
				called[f.OSV+" "+f.Trace[0].Module] = fmt.Sprintf("%s@%s (fixed in %s)", f.Trace[0].Module, f.Trace[0].Version, fixed)
			} else {
				reachable[f.OSV] = true
			}
		}
	}
	var failed, accepted []string
	calledIDs := map[string]bool{}
	for key, where := range called {
		id, _, _ := strings.Cut(key, " ")
		calledIDs[id] = true
		line := fmt.Sprintf("%s %s: %s", id, where, summaries[id])
		if reason, ok := allowed[key]; ok {
			accepted = append(accepted, line+"\n    accepted: "+reason)
		} else {
			failed = append(failed, line)
		}
	}
	sort.Strings(failed)
	sort.Strings(accepted)
	for _, l := range accepted {
		fmt.Println("allowed   ", l)
	}
	var notCalled []string
	for id := range reachable {
		if !calledIDs[id] {
			notCalled = append(notCalled, id)
		}
	}
	sort.Strings(notCalled)
	if len(notCalled) > 0 {
		fmt.Println("not called (in imported packages or required modules):", strings.Join(notCalled, " "))
	}
	for key := range allowed {
		if _, ok := called[key]; !ok {
			fmt.Println("stale allow-list entry (no longer found, remove it):", key)
		}
	}
	if len(failed) > 0 {
		for _, l := range failed {
			fmt.Println("VULNERABLE", l)
		}
		fmt.Printf("%d called vulnerabilities are neither fixed nor in %s\n", len(failed), os.Args[1])
		os.Exit(1)
	}
	fmt.Printf("govulncheck: no called vulnerability outside the allow list (%d allowed)\n", len(accepted))
}

func readAllowList(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want an id, a module and a reason", path, i+1)
		}
		out[fields[0]+" "+fields[1]] = strings.Join(fields[2:], " ")
	}
	return out, nil
}
