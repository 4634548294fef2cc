// Package gethtest runs a real `geth --dev` node (and Clef, see StartClef)
// for tests. It starts geth on loopback with a temporary data directory,
// funds a test account from the node's developer account and stops it when
// the test ends.
//
// Finding geth: $AARTHA_GETH, if set, names a geth binary to use as is.
// Otherwise the binary of the go-ethereum version in go.mod lives at
// <user cache dir>/aartha/geth-<version>/geth (the user cache dir is
// $XDG_CACHE_HOME or ~/.cache on Linux), and Clef at
// <user cache dir>/aartha/clef-<ClefVersion>/clef ($AARTHA_CLEF overrides).
// The tests never build them: `.ci/geth` does (a few minutes, once per
// version; .ci/run calls it), so that a test run stays well inside Go's
// test timeout.
//
// When a binary is missing, tests skip with a message naming `.ci/geth` —
// except under CI=true, where they fail, so CI never silently stops
// testing against a real node.
//
// Limits: `geth --dev` runs go-ethereum's development fork schedule, which
// includes forks mainnet has not activated (among them dearer storage), so
// gas measured here means nothing; measure gas on the simulated chain. The
// node mines a block as soon as a transaction arrives (--dev.period 0).
package gethtest

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

const gethModule = "github.com/ethereum/go-ethereum"

// unavailable skips the test, or fails it under CI=true.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("geth and clef are required under CI=true: %s", msg)
	}
	t.Skipf("skipping: geth or clef unavailable: %s", msg)
}

// Version returns the go-ethereum module version this test binary was built
// with, e.g. "v1.17.10".
func Version() (string, error) {
	info, ok := debug.ReadBuildInfo()
	if ok {
		for _, dep := range info.Deps {
			if dep.Path == gethModule {
				if dep.Replace != nil {
					return dep.Replace.Version, nil
				}
				return dep.Version, nil
			}
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", gethModule).Output()
	if err != nil {
		return "", fmt.Errorf("find go-ethereum version: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// BinaryPath returns where the cached geth of version lives.
func BinaryPath(version string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find cache folder: %w", err)
	}
	return filepath.Join(cache, "aartha", "geth-"+version, "geth"), nil
}

// Binary returns the path of a geth binary of the go-ethereum version in
// go.mod (see the package comment). It skips the test (fails it under
// CI=true) if there is none.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("AARTHA_GETH"); p != "" {
		return p
	}
	version, err := Version()
	if err != nil {
		unavailable(t, "%v", err)
	}
	path, err := BinaryPath(version)
	if err != nil {
		unavailable(t, "%v", err)
	}
	return cached(t, "geth "+version, path)
}

// cached returns path if a binary is there, else skips the test (fails it
// under CI=true) naming the command that builds it.
func cached(t testing.TB, what, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		unavailable(t, "%s is not built at %s: run .ci/geth to build geth and clef (a few minutes, once per version)", what, path)
	}
	return path
}

// Node is a running `geth --dev` node.
type Node struct {
	// URL is the node's HTTP JSON-RPC endpoint on loopback.
	URL string
	// ChainID is the node's chain id (1337).
	ChainID *big.Int
	// Key is a test account funded with FundedWei, ready to sign.
	Key *ecdsa.PrivateKey
	// Address is Key's address.
	Address common.Address
	// Dev is the node's own developer account, which funded Address.
	Dev common.Address
	// Client is an ethclient connected to URL, closed at cleanup.
	Client *ethclient.Client
	// LogPath is the file geth writes its log to.
	LogPath string
}

// FundedWei is what Start sends the test account: 1000 ether.
var FundedWei = new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))

// TestKey is the test account's key: keccak256("aartha gethtest account"),
// public and for tests only.
func TestKey() *ecdsa.PrivateKey {
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte("aartha gethtest account")))
	if err != nil {
		panic(err)
	}
	return key
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts `geth --dev` with a temporary data directory, waits until it
// answers, funds the test account and registers a cleanup that stops it.
func Start(t testing.TB) *Node {
	t.Helper()
	bin := Binary(t)
	var lastErr error
	for range 3 { // a port picked as free may be taken before geth binds it
		n, err := startOnce(t, bin)
		if err == nil {
			return n
		}
		lastErr = err
	}
	t.Fatalf("start geth --dev: %v", lastErr)
	return nil
}

func startOnce(t testing.TB, bin string) (*Node, error) {
	t.Helper()
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	authPort, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "geth.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--dev", "--dev.period", "0",
		"--datadir", filepath.Join(dir, "data"),
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(httpPort), "--http.api", "eth,net,web3",
		"--authrpc.addr", "127.0.0.1", "--authrpc.port", strconv.Itoa(authPort),
		"--port", "0", "--nodiscover", "--maxpeers", "0", "--ipcdisable",
		"--verbosity", "3",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = logFile.Close()
	}
	url := "http://127.0.0.1:" + strconv.Itoa(httpPort)
	n := &Node{URL: url, LogPath: logPath, Key: TestKey()}
	n.Address = crypto.PubkeyToAddress(n.Key.PublicKey)
	if err := n.waitAndFund(exited); err != nil {
		stop()
		tail, _ := os.ReadFile(logPath)
		if len(tail) > 3000 {
			tail = tail[len(tail)-3000:]
		}
		return nil, fmt.Errorf("%w\ngeth log tail:\n%s", err, tail)
	}
	t.Cleanup(func() {
		n.Client.Close()
		stop()
	})
	return n, nil
}

// waitAndFund waits for the node to answer, then funds the test account.
func (n *Node) waitAndFund(exited <-chan error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rc, err := rpc.DialContext(ctx, n.URL)
	if err != nil {
		return err
	}
	n.Client = ethclient.NewClient(rc)
	for {
		id, err := n.Client.ChainID(ctx)
		if err == nil {
			n.ChainID = id
			break
		}
		select {
		case err := <-exited:
			n.Client.Close()
			return fmt.Errorf("geth exited: %v", err)
		case <-ctx.Done():
			n.Client.Close()
			return fmt.Errorf("geth did not answer at %s: %w", n.URL, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	var accounts []common.Address
	if err := rc.CallContext(ctx, &accounts, "eth_accounts"); err != nil || len(accounts) == 0 {
		n.Client.Close()
		return fmt.Errorf("read developer account: %v (%d accounts)", err, len(accounts))
	}
	n.Dev = accounts[0]
	var hash common.Hash
	tx := map[string]any{"from": n.Dev, "to": n.Address, "value": (*hexutil.Big)(FundedWei)}
	if err := rc.CallContext(ctx, &hash, "eth_sendTransaction", tx); err != nil {
		n.Client.Close()
		return fmt.Errorf("fund test account: %w", err)
	}
	for {
		r, err := n.Client.TransactionReceipt(ctx, hash)
		if err == nil && r != nil {
			if r.Status != 1 {
				n.Client.Close()
				return errors.New("funding transaction failed")
			}
			return nil
		}
		select {
		case <-ctx.Done():
			n.Client.Close()
			return fmt.Errorf("funding transaction %s not mined: %w", hash, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Fund sends wei from the node's developer account to addr and waits until
// the transfer is mined.
func (n *Node) Fund(t testing.TB, addr common.Address, wei *big.Int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var hash common.Hash
	tx := map[string]any{"from": n.Dev, "to": addr, "value": (*hexutil.Big)(wei)}
	if err := n.Client.Client().CallContext(ctx, &hash, "eth_sendTransaction", tx); err != nil {
		t.Fatalf("fund %s: %v", addr.Hex(), err)
	}
	for {
		r, err := n.Client.TransactionReceipt(ctx, hash)
		if err == nil && r != nil {
			if r.Status != 1 {
				t.Fatalf("fund %s: transfer failed", addr.Hex())
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("fund %s: transfer %s not mined: %v", addr.Hex(), hash.Hex(), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
