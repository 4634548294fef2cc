package gethtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
)

// ClefVersion is the go-ethereum release Clef is built from: the last one
// that ships cmd/clef (v1.17.4 moved Clef out of the go-ethereum module,
// so the version in go.mod has none). Its external API —
// account_signTransaction — is the one production Clef serves.
const ClefVersion = "v1.17.0"

// ClefBinaryPath returns where the cached clef lives:
// <user cache dir>/aartha/clef-<ClefVersion>/clef.
func ClefBinaryPath() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find cache folder: %w", err)
	}
	return filepath.Join(cache, "aartha", "clef-"+ClefVersion, "clef"), nil
}

// ClefBinary returns the path of a clef binary: $AARTHA_CLEF if set, else
// the cached one (see the package comment). It skips the test (fails it
// under CI=true) if there is none.
func ClefBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("AARTHA_CLEF"); p != "" {
		return p
	}
	path, err := ClefBinaryPath()
	if err != nil {
		unavailable(t, "%v", err)
	}
	return cached(t, "clef "+ClefVersion, path)
}

// ClefOptions says what a test Clef holds and allows.
type ClefOptions struct {
	// ChainID is the chain Clef signs for (it refuses requests for others).
	ChainID *big.Int
	// Key is the one account in Clef's keystore; Clef knows its password
	// (setpw), so rules can approve without anyone at the console.
	Key *ecdsa.PrivateKey
	// Rules is the JavaScript rules file, attested before Clef starts. An
	// empty Rules starts Clef without rules: every request then waits for a
	// console that never answers, and is refused.
	Rules string
}

// Clef is a running Clef on loopback.
type Clef struct {
	// URL is Clef's HTTP JSON-RPC endpoint (the external API).
	URL string
	// Address is the account Clef signs for.
	Address common.Address
	// LogPath is the file Clef writes its log (and console) to.
	LogPath string
	// AuditLogPath is Clef's own audit log of every request.
	AuditLogPath string
}

// StartClef sets up a Clef config folder (init with a master password,
// setpw for the account's keystore password, attest of the rules file's
// sha256), starts `clef --rules` on a free loopback port, waits until it
// answers and registers a cleanup that stops it. The passwords are random
// and stay in this process.
func StartClef(t testing.TB, opts ClefOptions) *Clef {
	t.Helper()
	bin := ClefBinary(t)
	dir := t.TempDir()
	c := &Clef{
		Address:      crypto.PubkeyToAddress(opts.Key.PublicKey),
		LogPath:      filepath.Join(dir, "clef.log"),
		AuditLogPath: filepath.Join(dir, "audit.log"),
	}
	master, accountPass := randomPassword(t), randomPassword(t)
	ksDir := filepath.Join(dir, "keystore")
	configDir := filepath.Join(dir, "config")
	rulesPath := filepath.Join(dir, "rules.js")
	if err := writeClefKeystore(ksDir, opts.Key, accountPass); err != nil {
		t.Fatalf("clef keystore: %v", err)
	}
	common := []string{"--suppress-bootwarn", "--configdir", configDir, "--keystore", ksDir, "--lightkdf"}
	setup := func(stdin string, args ...string) {
		t.Helper()
		cmd := exec.Command(bin, append(append([]string{}, common...), args...)...)
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(stdin)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("clef %s: %v\n%s", args[0], err, redact(out.String(), master, accountPass))
		}
	}
	setup(master+"\n"+master+"\n", "init")
	setup(accountPass+"\n"+accountPass+"\n"+master+"\n", "setpw", c.Address.Hex())
	if opts.Rules != "" {
		if err := os.WriteFile(rulesPath, []byte(opts.Rules), 0o400); err != nil {
			t.Fatalf("write clef rules: %v", err)
		}
		sum := sha256.Sum256([]byte(opts.Rules))
		setup(master+"\n", "attest", hex.EncodeToString(sum[:]))
	}
	var lastErr error
	for range 3 { // a port picked as free may be taken before clef binds it
		url, err := c.startOnce(t, bin, common, opts, rulesPath, master)
		if err == nil {
			c.URL = url
			return c
		}
		lastErr = err
	}
	t.Fatalf("start clef: %v", lastErr)
	return nil
}

func (c *Clef) startOnce(t testing.TB, bin string, common []string, opts ClefOptions, rulesPath, master string) (string, error) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		return "", err
	}
	args := append(append([]string{}, common...),
		"--chainid", opts.ChainID.String(),
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(port), "--http.vhosts", "127.0.0.1,localhost",
		"--ipcdisable",
		"--auditlog", c.AuditLogPath,
		"--4bytedb-custom", filepath.Join(filepath.Dir(c.LogPath), "4byte-custom.json"),
	)
	if opts.Rules != "" {
		args = append(args, "--rules", rulesPath)
	}
	logFile, err := os.OpenFile(c.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = filepath.Dir(c.LogPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Clef reads the master password from its console at start, then keeps
	// the console for manual approvals: the pipe stays open (and silent)
	// until the cleanup, so anything the rules pass on waits, then times out.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		_ = logFile.Close()
		return "", err
	}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return "", fmt.Errorf("run %s: %w", bin, err)
	}
	if _, err := io.WriteString(stdin, master+"\n"); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logFile.Close()
		return "", fmt.Errorf("give clef its master password: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = stdin.Close()
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = logFile.Close()
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitHTTP(url, exited); err != nil {
		stop()
		tail, _ := os.ReadFile(c.LogPath)
		if len(tail) > 3000 {
			tail = tail[len(tail)-3000:]
		}
		return "", fmt.Errorf("%s\nclef log tail:\n%s", redact(err.Error(), master), redact(string(tail), master))
	}
	t.Cleanup(stop)
	return url, nil
}

// waitHTTP waits until a JSON-RPC call to url gets an answer (any answer:
// account_version needs no approval).
func waitHTTP(url string, exited <-chan error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body := `{"jsonrpc":"2.0","id":1,"method":"account_version","params":[]}`
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %s", resp.Status)
		}
		select {
		case e := <-exited:
			return fmt.Errorf("clef exited: %v", e)
		case <-ctx.Done():
			return fmt.Errorf("clef did not answer at %s: %w", url, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// writeClefKeystore writes key into a new keystore folder, encrypted with
// pass (light scrypt: a test key).
func writeClefKeystore(dir string, key *ecdsa.PrivateKey, pass string) error {
	id, err := uuid.NewRandom()
	if err != nil {
		return err
	}
	addr := crypto.PubkeyToAddress(key.PublicKey)
	blob, err := keystore.EncryptKey(&keystore.Key{Id: id, Address: addr, PrivateKey: key}, pass, keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "UTC--test--"+strings.ToLower(addr.Hex()[2:])), blob, 0o600)
}

// randomPassword is a fresh password Clef accepts (at least 10 characters).
func randomPassword(t testing.TB) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random password: %v", err)
	}
	return hex.EncodeToString(b)
}

// redact hides the passwords in text shown in a failure.
func redact(text string, secrets ...string) string {
	for _, s := range secrets {
		text = strings.ReplaceAll(text, s, "[redacted]")
	}
	return text
}
