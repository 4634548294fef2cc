package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
)

// TestShutdownUnderLoad sends SIGTERM to `aartha serve` (SQLite, embedded
// chain, direct mode) while clients create, approve and read loans. Every
// request the server accepted must be answered as usual (only requests
// that never reached it, refused once the listener closed, may fail),
// /ready must turn 503 while it drains, and the process must exit cleanly.
// After a restart every approved loan is anchored exactly once: one anchor
// row and one transaction (one nonce) each in the database, one LoanStored
// event each on the chain.
func TestShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{
		"AARTHA_DATA_DIR": dir, "AARTHA_LISTEN_ADDR": freeAddr(t), "AARTHA_DEV_CHAIN_RPC": freeAddr(t),
		"BLOCKCHAIN_ANCHOR_MODE": "direct",
	}
	p := startServeProc(t, "serve", vars)
	c := newLoadClient(t, p.base)

	var (
		mu        sync.Mutex
		outcomes  []httpOutcome
		approved  = map[string]bool{}
		signalled atomic.Bool
	)
	// record keeps an outcome and reports whether the client should stop:
	// the server is gone.
	record := func(what string, code int, err error) bool {
		mu.Lock()
		defer mu.Unlock()
		outcomes = append(outcomes, httpOutcome{what: what, code: code, err: err, at: time.Now()})
		if err == nil && code == http.StatusOK && strings.HasPrefix(what, "approve ") {
			approved[strings.TrimPrefix(what, "approve ")] = true
		}
		return err != nil && signalled.Load()
	}
	countApproved := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(approved)
	}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				// Eight loans each, then reads only: direct mode sends one
				// transaction per loan, and the test waits for them all.
				if i >= 8 {
					code, _, err := c.call(http.MethodGet, "/api/admin/loans?limit=20", nil)
					if record("read list", code, err) {
						return
					}
					continue
				}
				id := fmt.Sprintf("SD-%d-%d", w, i)
				code, _, err := c.call(http.MethodPost, "/api/admin/loans", testLoan(id))
				if record("create "+id, code, err) {
					return
				}
				if code != http.StatusCreated {
					continue
				}
				code, _, err = c.call(http.MethodPost, "/api/admin/loans/"+id+"/approve", nil)
				if record("approve "+id, code, err) {
					return
				}
				code, _, err = c.call(http.MethodGet, "/api/admin/loans/"+id, nil)
				if record("read "+id, code, err) {
					return
				}
			}
		})
	}
	// Under load, with anchors queued and being sent: stop.
	eventually(t, 2*time.Minute, "30 approvals", func() (bool, any) { return countApproved() >= 30, countApproved() })
	signalled.Store(true)
	p.signal(syscall.SIGTERM)
	var readyCodes []int
	for {
		code, err := p.get("/ready")
		if err != nil {
			break
		}
		readyCodes = append(readyCodes, code)
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, p.wait(2*time.Minute), "serve exits cleanly on SIGTERM")
	wg.Wait()

	// The signal arrives a moment after it is sent: /ready may still say
	// 200 at first, then 503 until the listener closes.
	first503 := slices.Index(readyCodes, http.StatusServiceUnavailable)
	require.GreaterOrEqual(t, first503, 0, "/ready answers 503 while draining: %v", readyCodes)
	require.NotContains(t, readyCodes[first503:], http.StatusOK, "/ready stays 503 once draining has started")
	want := map[string]int{"create": http.StatusCreated, "approve": http.StatusOK, "read": http.StatusOK}
	var refused int
	for _, o := range outcomes {
		if o.err != nil {
			require.True(t, neverReached(o.err), "%s failed: %v", o.what, o.err)
			refused++
			continue
		}
		kind, _, _ := strings.Cut(o.what, " ")
		require.Equal(t, want[kind], o.code, "%s", o.what)
	}
	out := p.out.String()
	drainAt := strings.Index(out, "shutting down: draining HTTP requests")
	workerAt := strings.Index(out, "shutting down: stopping the anchoring worker")
	doneAt := strings.Index(out, "msg=\"shut down\"")
	require.True(t, drainAt >= 0 && workerAt > drainAt && doneAt > workerAt, "HTTP drains, then the worker stops:\n%s", out)
	t.Logf("%d requests, %d approvals, %d refused after SIGTERM; /ready while draining: %v", len(outcomes), len(approved), refused, readyCodes)

	// Restart: the anchors still to send go out, none twice.
	p2 := startServeProc(t, "serve again", vars)
	c2 := newLoadClient(t, p2.base)
	var inDB []string
	eventually(t, 3*time.Minute, "every approved loan confirmed", func() (bool, any) {
		loans := listLoans(t, c2, url.Values{"q": {"SD-"}, "status": {"approved"}})
		inDB = inDB[:0]
		var pending []string
		for _, l := range loans {
			inDB = append(inDB, l["loan_id"].(string))
			if l["blockchain_status"] != "confirmed" {
				pending = append(pending, l["loan_id"].(string)+":"+l["blockchain_status"].(string))
			}
		}
		return len(pending) == 0, pending
	})
	for id := range approved {
		require.Contains(t, inDB, id, "a loan whose approval was answered 200 is approved")
	}

	// On the chain: one LoanStored per approved loan, no other.
	ctx := context.Background()
	client, err := evm.Dial(ctx, "http://"+vars["AARTHA_DEV_CHAIN_RPC"], "", evm.ClientOptions{})
	require.NoError(t, err)
	defer client.Close()
	events, err := evm.NewRegistry(client, common.HexToAddress(p2.registry())).Events(ctx, evm.EventQuery{})
	require.NoError(t, err)
	stored := map[common.Hash]int{}
	for _, ev := range events {
		require.Equal(t, evm.EventLoanStored, ev.Kind)
		stored[common.Hash(ev.Stored.LoanKey)]++
	}
	require.Len(t, stored, len(inDB))
	for _, id := range inDB {
		require.Equal(t, 1, stored[crypto.Keccak256Hash([]byte(id))], "loan %s stored once", id)
	}

	p2.signal(syscall.SIGTERM)
	require.NoError(t, p2.wait(2*time.Minute))

	// In the database: one final anchor per loan, one send and one nonce
	// per anchor.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "aartha.db")+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	var anchors, final, doubled, sends, nonces int
	require.NoError(t, db.QueryRow("SELECT count(*), count(CASE WHEN status = 'final' THEN 1 END) FROM anchors").Scan(&anchors, &final))
	require.NoError(t, db.QueryRow("SELECT count(*) FROM (SELECT loan_id, kind FROM anchors GROUP BY loan_id, kind HAVING count(*) > 1)").Scan(&doubled))
	require.NoError(t, db.QueryRow("SELECT count(*), count(DISTINCT nonce) FROM tx_sends").Scan(&sends, &nonces))
	require.Equal(t, len(inDB), anchors)
	require.Equal(t, anchors, final)
	require.Zero(t, doubled)
	require.Equal(t, anchors, sends, "one transaction per anchor")
	require.Equal(t, sends, nonces, "one nonce per transaction")
}

// listLoans pages through GET /api/admin/loans with q.
func listLoans(t *testing.T, c *loadClient, q url.Values) []map[string]any {
	t.Helper()
	var all []map[string]any
	q.Set("limit", "500")
	for {
		code, body, err := c.call(http.MethodGet, "/api/admin/loans?"+q.Encode(), nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code, body)
		for _, l := range body["loans"].([]any) {
			all = append(all, l.(map[string]any))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			return all
		}
		q.Set("cursor", next)
	}
}
