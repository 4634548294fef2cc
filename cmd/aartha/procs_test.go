package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binDir is the temporary folder builtBinary builds into; TestMain
// removes it when the tests end.
var binDir string

// builtBinary builds `aartha` once per test binary for the tests that run
// it as separate processes (graceful shutdown, scale-out, load test).
var builtBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "aartha-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "aartha")
	return bin, buildAartha(bin)
})

// buildAartha builds this package into bin with the compile settings of
// the test binary itself (the race detector when the tests run with -race),
// so that every package comes from the build cache `go test` just filled
// and only the link is new. Extra arguments go before the package, e.g.
// -ldflags.
func buildAartha(bin string, extra ...string) error {
	args := append([]string{"build"}, buildFlags...)
	args = append(append(args, extra...), "-o", bin, ".")
	cmd := exec.Command("go", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return errors.New("go build: " + err.Error() + "\n" + out.String())
	}
	return nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// aarthaBinary returns the path of the built binary.
func aarthaBinary(t *testing.T) string {
	t.Helper()
	bin, err := builtBinary()
	require.NoError(t, err)
	return bin
}

// serveProc is `aartha serve` running as a child process.
type serveProc struct {
	t    *testing.T
	name string
	base string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error // the exit, once done is closed
}

// startServeProc starts `aartha serve` with only vars (plus PATH and HOME)
// in its environment, a test admin, and a free listen address, and waits
// until /ready answers 200. The process is killed when the test ends if it
// still runs; its output is logged if the test failed.
func startServeProc(t *testing.T, name string, vars map[string]string) *serveProc {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range map[string]string{
		"AARTHA_ADMIN_EMAIL": testAdminEmail, "AARTHA_ADMIN_PASSWORD": testAdminPassword, "JWT_SECRET_KEY": testJWTKey,
	} {
		if _, ok := vars[k]; !ok {
			env = append(env, k+"="+v)
		}
	}
	if _, ok := vars["AARTHA_DATA_DIR"]; !ok { // never ./data in the source tree
		env = append(env, "AARTHA_DATA_DIR="+t.TempDir())
	}
	addr := vars["AARTHA_LISTEN_ADDR"]
	if addr == "" {
		addr = freeAddr(t)
		env = append(env, "AARTHA_LISTEN_ADDR="+addr)
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	p := &serveProc{t: t, name: name, base: "http://" + addr, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(aarthaBinary(t), "serve")
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	require.NoError(t, p.cmd.Start())
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", p.name, p.out.String())
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if p.exited() {
			t.Fatalf("%s exited before it was ready: %v\n%s", name, p.err, p.out.String())
		}
		if code, _ := p.get("/ready"); code == http.StatusOK {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 3 minutes:\n%s", name, p.out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// runProc runs one `aartha` command as a child process, with only vars
// (plus PATH and HOME) in its environment, and returns its combined output.
func runProc(t *testing.T, ctx context.Context, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	cmd := exec.CommandContext(ctx, aarthaBinary(t), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (p *serveProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// get answers the status of GET path (0 if no answer).
func (p *serveProc) get(path string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// signal sends sig and, for SIGKILL, waits for the exit.
func (p *serveProc) signal(sig syscall.Signal) {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(sig))
	if sig == syscall.SIGKILL {
		<-p.done
	}
}

// wait waits up to limit for the process to exit and returns its exit.
func (p *serveProc) wait(limit time.Duration) error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(limit):
		p.t.Fatalf("%s still running %s after it was told to stop:\n%s", p.name, limit, p.out.String())
		return nil
	}
}

var registryAddrRe = regexp.MustCompile(`LoanRegistry at (0x[0-9a-fA-F]{40})`)

// registry returns the registry address the process printed.
func (p *serveProc) registry() string {
	p.t.Helper()
	m := registryAddrRe.FindStringSubmatch(p.out.String())
	require.NotNil(p.t, m, "no registry address in the output")
	return m[1]
}

// httpOutcome is one request a load client made.
type httpOutcome struct {
	what string
	code int
	err  error
	at   time.Time
}

// loadClient makes API calls with a fresh connection each, so that a call
// either reaches the server or is refused, and logs in as the test admin.
type loadClient struct {
	base  string
	token string
	http  *http.Client
}

func newLoadClient(t *testing.T, base string) *loadClient {
	t.Helper()
	c := &loadClient{base: base, http: &http.Client{
		Timeout:   2 * time.Minute,
		Transport: &http.Transport{DisableKeepAlives: true},
	}}
	code, body, err := c.call(http.MethodPost, "/api/auth/login", map[string]string{"email": testAdminEmail, "password": testAdminPassword})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, body)
	c.token = body["access_token"].(string)
	return c
}

// call sends one request; a body is JSON-encoded, the answer decoded.
func (c *loadClient) call(method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &out)
	}
	return resp.StatusCode, out, nil
}

// neverReached reports whether err means the request never got to the
// server's handlers once it began to stop: the connection was refused (the
// listener was closed), or it was still waiting in the listener's backlog
// when the listener closed, so the kernel dropped it (reset or EOF before
// any answer). A request a handler took is always answered while the
// server drains.
func neverReached(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
}

// testLoan is a valid loan body with id.
func testLoan(id string) map[string]any {
	return map[string]any{
		"loan_id": id, "borrower": "cust-42", "lender": "bank-1",
		"principal": "150000", "currency": "INR", "interest_rate_bps": 1250, "term_months": 12,
	}
}
