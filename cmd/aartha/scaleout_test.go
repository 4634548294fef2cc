package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
)

// redisTestURL returns the URL of a Redis database of its own for the
// scale-out test, emptied first. Without Redis it skips, except under CI.
func redisTestURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("AARTHA_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/9"
	}
	opts, err := redis.ParseURL(u)
	require.NoError(t, err)
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required under CI: %v", err)
		}
		t.Skipf("Redis not reachable: %v", err)
	}
	require.NoError(t, c.FlushDB(ctx).Err())
	return u
}

// TestScaleOut runs three `aartha serve` processes against one PostgreSQL
// schema, one Redis and one geth node, drives approvals through all three,
// kills the replica that sends transactions (SIGKILL) in the middle, and
// checks that another takes the sender lock over and that nothing is lost
// or doubled: every approved loan and every repayment anchored exactly once
// (database and chain), every nonce used once, the chain-write rate limit
// counted across replicas, and no failed request but the killed replica's.
func TestScaleOut(t *testing.T) {
	t.Parallel()
	redisURL := redisTestURL(t)
	dbURL := postgresURL(t)
	node, client := startGeth(t)
	ctx := context.Background()
	d, err := evm.Deploy(ctx, client, node.Key, node.Address, node.Address)
	require.NoError(t, err)

	const chainLimit = 6
	vars := map[string]string{
		"DATABASE_URL":                dbURL,
		"REDIS_URL":                   redisURL,
		"BLOCKCHAIN_RPC_URL":          node.URL,
		"BLOCKCHAIN_CONTRACT_ADDRESS": d.Address.Hex(),
		"BLOCKCHAIN_PRIVATE_KEY":      hexutil.Encode(crypto.FromECDSA(node.Key)),
		"BLOCKCHAIN_ANCHOR_MODE":      "batch",
		"BLOCKCHAIN_BATCH_WINDOW":     "500ms",
		// geth --dev mines only when a transaction arrives.
		"BLOCKCHAIN_CONFIRMATIONS": "1",
		"RATE_LIMIT_CHAIN_WRITES":  strconv.Itoa(chainLimit),
	}
	out, err := run(t, ctx, vars, "migrate")
	require.NoError(t, err, out)

	// The first replica creates the admin; then the other two start.
	replicas := []*serveProc{startServeProc(t, "replica 0", withDataDir(t, vars))}
	var startWG sync.WaitGroup
	more := make([]*serveProc, 2)
	for i := range more {
		startWG.Go(func() { more[i] = startServeProc(t, fmt.Sprintf("replica %d", i+1), withDataDir(t, vars)) })
	}
	startWG.Wait()
	replicas = append(replicas, more...)
	clients := make([]*loadClient, len(replicas))
	for i, r := range replicas {
		clients[i] = newLoadClient(t, r.base)
	}
	sender := -1
	for i, r := range replicas {
		if !strings.Contains(r.out.String(), "not sending transactions") {
			require.Equal(t, -1, sender, "one sender only")
			sender = i
		}
	}
	require.NotEqual(t, -1, sender, "one replica sends")

	var (
		mu       sync.Mutex
		outcomes = make([][]httpOutcome, len(replicas))
		approved = map[string]bool{}
		killed   = make(chan struct{})
	)
	record := func(replica int, what string, code int, err error) {
		mu.Lock()
		defer mu.Unlock()
		outcomes[replica] = append(outcomes[replica], httpOutcome{what: what, code: code, err: err, at: time.Now()})
		if err == nil && code == http.StatusOK && strings.HasPrefix(what, "approve ") {
			approved[strings.TrimPrefix(what, "approve ")] = true
		}
	}
	isKilled := func() bool {
		select {
		case <-killed:
			return true
		default:
			return false
		}
	}
	// Six clients, two per replica; a client of the killed replica moves
	// to the next one.
	const perClient = 12
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range perClient {
				r := w % len(replicas)
				if r == sender && isKilled() {
					r = (r + 1) % len(replicas)
				}
				id := fmt.Sprintf("SO-%d-%d", w, i)
				code, _, err := clients[r].call(http.MethodPost, "/api/admin/loans", testLoan(id))
				record(r, "create "+id, code, err)
				if err != nil || code != http.StatusCreated {
					continue
				}
				code, _, err = clients[r].call(http.MethodPost, "/api/admin/loans/"+id+"/approve", nil)
				record(r, "approve "+id, code, err)
				// Spread the approvals over several batch windows.
				time.Sleep(150 * time.Millisecond)
			}
		})
	}
	// Kill the sender once a third of the approvals are in and, if it
	// happens before the approvals end, while a batch it sent is still
	// unconfirmed: its job is then left marked running.
	pg, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer pg.Close(ctx)
	clientsDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(clientsDone)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		n := len(approved)
		mu.Unlock()
		var inFlight int
		require.NoError(t, pg.QueryRow(ctx, "SELECT count(*) FROM batches WHERE status IN ('submitted', 'included')").Scan(&inFlight))
		select {
		case <-clientsDone:
			inFlight = 1 // no more approvals to wait for: kill now
		default:
		}
		if n >= 2*perClient && inFlight > 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "approvals: %d after 2 minutes", n)
		time.Sleep(20 * time.Millisecond)
	}
	replicas[sender].signal(syscall.SIGKILL)
	close(killed)
	wg.Wait()
	survivors := []int{}
	for i := range replicas {
		if i != sender {
			survivors = append(survivors, i)
		}
	}

	// Another replica takes over and sends what was left.
	eventually(t, time.Minute, "a replica takes the sender lock over", func() (bool, any) {
		n := 0
		for _, i := range survivors {
			if strings.Contains(replicas[i].out.String(), "took over sending transactions") {
				n++
			}
		}
		return n == 1, n
	})
	a := clients[survivors[0]]
	var loans []string
	eventually(t, 3*time.Minute, "every approved loan confirmed", func() (bool, any) {
		loans = loans[:0]
		var pending []string
		for _, l := range listLoans(t, a, url.Values{"q": {"SO-"}, "status": {"approved"}}) {
			loans = append(loans, l["loan_id"].(string))
			if l["blockchain_status"] != "confirmed" {
				pending = append(pending, l["loan_id"].(string)+":"+l["blockchain_status"].(string))
			}
		}
		return len(pending) == 0, pending
	})
	for id := range approved {
		require.Contains(t, loans, id)
	}
	require.Greater(t, len(loans), chainLimit)

	// Repayments through both survivors, counted against one limit in
	// Redis: the limit's worth pass, the next is refused, whichever replica
	// it goes through. The counters are per minute: start early in one.
	if s := time.Now().Second(); s > 30 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
	var repaid []string
	for k := 0; k <= chainLimit; k++ {
		r := survivors[k%len(survivors)]
		id := loans[k]
		code, body, err := clients[r].call(http.MethodPost, "/api/admin/loans/"+id+"/blockchain/mark-repaid", map[string]string{"amount_repaid": "168000"})
		require.NoError(t, err)
		record(r, "repay "+id, code, err)
		if k < chainLimit {
			require.Equal(t, http.StatusOK, code, body)
			repaid = append(repaid, id)
			continue
		}
		require.Equal(t, http.StatusTooManyRequests, code, "call %d of a limit of %d, through replica %d: %v", k+1, chainLimit, r, body)
	}
	rdbOpts, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	rdb := redis.NewClient(rdbOpts)
	defer rdb.Close()
	keys, err := rdb.Keys(ctx, "aartha:rl:chain:*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	// The per-IP counter counted every call it allowed and refused the
	// last (a refused call is not counted: the window slides), so the
	// per-user one was not asked that time.
	counted := map[string]int{}
	for _, k := range keys {
		n, err := rdb.Get(ctx, k).Int()
		require.NoError(t, err)
		kind, _, _ := strings.Cut(strings.TrimPrefix(k, "aartha:rl:chain:"), ":")
		counted[kind] = n
	}
	require.Equal(t, map[string]int{"ip": chainLimit, "user": chainLimit}, counted, "the counters in Redis hold every replica's calls: %v", keys)
	eventually(t, 3*time.Minute, "every repayment confirmed", func() (bool, any) {
		var pending []string
		for _, l := range listLoans(t, a, url.Values{"q": {"SO-"}, "status": {"repaid"}}) {
			if l["repayment_blockchain_status"] != "confirmed" {
				pending = append(pending, l["loan_id"].(string))
			}
		}
		return len(pending) == 0, pending
	})

	// No failed request, no 5xx, but from the killed replica.
	for i, os := range outcomes {
		for _, o := range os {
			if i == sender {
				if o.err == nil {
					require.Less(t, o.code, 500, "%s through the sender before it was killed", o.what)
				}
				continue
			}
			require.NoError(t, o.err, "%s through replica %d", o.what, i)
			require.Less(t, o.code, 500, "%s through replica %d", o.what, i)
		}
	}

	// The database: one final anchor per loan and kind, each in one final
	// batch; one nonce per transaction, without gaps, and as many as the
	// signer used on the chain.
	var approvals, repayments, notFinal, doubled, unbatched int
	require.NoError(t, pg.QueryRow(ctx, `SELECT count(CASE WHEN kind = 1 THEN 1 END), count(CASE WHEN kind = 2 THEN 1 END),
		count(CASE WHEN status <> 'final' THEN 1 END), count(CASE WHEN batch_id IS NULL THEN 1 END) FROM anchors`).Scan(&approvals, &repayments, &notFinal, &unbatched))
	require.NoError(t, pg.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM anchors GROUP BY loan_id, kind HAVING count(*) > 1) d").Scan(&doubled))
	require.Equal(t, len(loans), approvals)
	require.Equal(t, len(repaid), repayments)
	require.Zero(t, notFinal)
	require.Zero(t, doubled)
	require.Zero(t, unbatched)
	var sends, nonces int
	var minNonce, maxNonce int64
	require.NoError(t, pg.QueryRow(ctx, "SELECT count(*), count(DISTINCT nonce), min(nonce), max(nonce) FROM tx_sends").Scan(&sends, &nonces, &minNonce, &maxNonce))
	require.Equal(t, sends, nonces, "one nonce per transaction")
	require.Equal(t, int64(sends), maxNonce-minNonce+1, "no nonce skipped")
	chainNonce, err := client.NonceAt(ctx, node.Address, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(maxNonce+1), chainNonce, "every journal nonce is on the chain, and no other")

	// The chain: one BatchAnchored per final batch, and the leaves of all
	// of them are exactly the anchors.
	rows, err := pg.Query(ctx, "SELECT root, leaf_count FROM batches WHERE status = 'final'")
	require.NoError(t, err)
	batches := map[common.Hash]int{}
	for rows.Next() {
		var root []byte
		var n int
		require.NoError(t, rows.Scan(&root, &n))
		batches[common.BytesToHash(root)] = n
	}
	require.NoError(t, rows.Err())
	events, err := evm.NewRegistry(client, d.Address).Events(ctx, evm.EventQuery{})
	require.NoError(t, err)
	onChain := map[common.Hash]int{}
	leaves := 0
	for _, ev := range events {
		require.Equal(t, evm.EventBatchAnchored, ev.Kind)
		onChain[common.Hash(ev.Batch.Root)]++
		leaves += int(ev.Batch.LeafCount)
	}
	require.Len(t, onChain, len(batches))
	for root, n := range onChain {
		require.Equal(t, 1, n, "batch %s anchored once", root.Hex())
		require.Contains(t, batches, root)
	}
	require.Equal(t, approvals+repayments, leaves, "every anchor in exactly one batch on the chain")
	requeued := false
	for _, i := range survivors {
		requeued = requeued || strings.Contains(replicas[i].out.String(), "requeued jobs a stopped sender left running")
	}
	t.Logf("%d loans approved, %d repaid, %d batches, %d transactions; replica %d was killed (in the middle of a job: %v)",
		approvals, repayments, len(batches), sends, sender, requeued)
}

// withDataDir gives a replica a data directory of its own.
func withDataDir(t *testing.T, vars map[string]string) map[string]string {
	out := map[string]string{"AARTHA_DATA_DIR": t.TempDir()}
	for k, v := range vars {
		out[k] = v
	}
	return out
}
