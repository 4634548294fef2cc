package ledger_test

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/aartha/ledger"

// chainPackages know which chain they talk to: only the chain backends,
// the factory that picks one and the commands may import them.
var chainPackages = []string{
	module + "/evm", module + "/evmchain", module + "/multichain", module + "/simchain",
}

// goList returns, for each package, the import paths the template lists
// (space-separated), as `go list` reports them.
func goList(t *testing.T, template string, pkgs ...string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-f", "{{.ImportPath}}:" + template}, pkgs...)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, list, ok := strings.Cut(line, ":")
		require.True(t, ok, "go list line %q", line)
		got[pkg] = strings.Fields(list)
	}
	return got
}

// TestChainSeamInImportGraph keeps the chain behind ledger.Chain: the
// worker, the HTTP API, the UI and reconcile reach no chain backend at
// all, not even through another package; nor does the doctor, which reads
// only txmgr's journal records.
func TestChainSeamInImportGraph(t *testing.T) {
	t.Parallel()
	deps := goList(t, `{{join .Deps " "}}`, "./worker", "./http", "./ui", "./reconcile")
	require.Len(t, deps, 4)
	for pkg, list := range deps {
		for _, banned := range append(chainPackages, module+"/txmgr") {
			require.NotContains(t, list, banned, "%s depends on %s", pkg, banned)
		}
	}
	doctorDeps := goList(t, `{{join .Deps " "}}`, "./doctor")[module+"/doctor"]
	require.NotEmpty(t, doctorDeps)
	for _, banned := range chainPackages {
		require.NotContains(t, doctorDeps, banned, "doctor depends on %s", banned)
	}
}

// TestCommandsReachChainsThroughTheFactory keeps cmd/aartha wiring only:
// its files import no chain backend; they reach one through package
// anchoring, the factory that chooses it.
func TestCommandsReachChainsThroughTheFactory(t *testing.T) {
	t.Parallel()
	files := goList(t, `{{join .GoFiles " "}}`, "./cmd/aartha")[module+"/cmd/aartha"]
	require.NotEmpty(t, files)
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join("cmd", "aartha", name), nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			require.NotContains(t, chainPackages, path, "cmd/aartha/%s imports %s: go through package anchoring", name, path)
		}
	}
}

// TestDomainImportsNoTechnology keeps the root package the domain: it
// imports none of the project's packages and, beside the standard
// library, only the value types and hashes its formats are made of
// (addresses, hashes, keccak256, bcrypt); no database, network or chain
// client.
func TestDomainImportsNoTechnology(t *testing.T) {
	t.Parallel()
	allowed := []string{
		"github.com/ethereum/go-ethereum/common",
		"github.com/ethereum/go-ethereum/common/hexutil",
		"github.com/ethereum/go-ethereum/crypto",
		"golang.org/x/crypto/bcrypt",
		"golang.org/x/crypto/sha3",
	}
	bannedStd := []string{"database/sql", "net", "net/http", "os/exec", "log/slog"}
	imports := goList(t, `{{join .Imports " "}}`, ".")[module]
	require.NotEmpty(t, imports)
	for _, imp := range imports {
		std := !strings.Contains(strings.Split(imp, "/")[0], ".")
		switch {
		case strings.HasPrefix(imp, module):
			t.Errorf("the domain imports %s, one of its own adapters", imp)
		case std && slices.Contains(bannedStd, imp):
			t.Errorf("the domain imports %s, an outside technology", imp)
		case !std && !slices.Contains(allowed, imp):
			t.Errorf("the domain imports %s, an outside technology", imp)
		}
	}
}
