package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evm/gethtest"
	"github.com/aartha/ledger/service"
)

// TestKeyRotationKeepsAnchoring rotates the anchoring key on a real `geth
// --dev` while loans keep being approved, as an operator would: `keys
// rotate` grants the role to the new key; a replica with the new key
// starts next to the old one; the old one stops abruptly, mid-send; rotate
// then drains the old key's unfinished sends and revokes it. No anchor
// fails, each loan is on chain exactly once, both keys anchored, and the
// audit trail has one row per step.
func TestKeyRotationKeepsAnchoring(t *testing.T) {
	t.Parallel()
	node, client := startGeth(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	dir := t.TempDir()
	pass := "rotation test passphrase"
	passFile := filepath.Join(dir, "passphrase")
	require.NoError(t, os.WriteFile(passFile, []byte(pass+"\n"), 0o600))
	writeKey := func(name string) (string, common.Address) {
		key, err := crypto.GenerateKey()
		require.NoError(t, err)
		path := filepath.Join(dir, name+".json")
		addr, err := evm.WriteKeystore(path, key, pass, evm.LightScrypt)
		require.NoError(t, err)
		node.Fund(t, addr, gethtest.FundedWei)
		return path, addr
	}
	oldPath, oldAddr := writeKey("old")
	newPath, newAddr := writeKey("new")
	adminPath := filepath.Join(dir, "admin.json")
	_, err := evm.WriteKeystore(adminPath, node.Key, pass, evm.LightScrypt)
	require.NoError(t, err)
	d, err := evm.Deploy(ctx, client, node.Key, node.Address, oldAddr)
	require.NoError(t, err)
	registry := evm.NewRegistry(client, d.Address)

	vars := func(keystore string) map[string]string {
		return map[string]string{
			"AARTHA_DATA_DIR":                dir,
			"BLOCKCHAIN_RPC_URL":             node.URL,
			"BLOCKCHAIN_CONTRACT_ADDRESS":    d.Address.Hex(),
			"BLOCKCHAIN_KEYSTORE":            keystore,
			"BLOCKCHAIN_KEYSTORE_PASSPHRASE": pass,
			"BLOCKCHAIN_ANCHOR_MODE":         ledger.ModeDirect,
			"BLOCKCHAIN_CONFIRMATIONS":       "1",
			"BLOCKCHAIN_RETRY_DELAY":         "500ms",
		}
	}
	load := func(vars map[string]string) *config.Config {
		cfg, _, err := config.Load(func(n string) (string, bool) { v, ok := vars[n]; return v, ok }, os.ReadFile)
		require.NoError(t, err)
		return cfg
	}
	oldVars, newVars := vars(oldPath), vars(newPath)
	oldCfg, newCfg := load(oldVars), load(newVars)
	db, err := service.OpenStore(ctx, oldCfg)
	require.NoError(t, err)
	defer db.Close()
	_, err = service.MigrateAll(ctx, db)
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	oldReplica, err := service.StartAnchoring(ctx, oldCfg, db, log, io.Discard, nil)
	require.NoError(t, err)
	defer oldReplica.Stop(context.Background())

	// Loans keep coming, one every 400ms, all through the rotation.
	svc := &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader, AnchorMode: ledger.ModeDirect}
	var mu sync.Mutex
	var ids []string
	approve := func() {
		mu.Lock()
		id := fmt.Sprintf("ROT-%03d", len(ids))
		ids = append(ids, id)
		mu.Unlock()
		actor := ledger.CLIActor("test")
		_, err := svc.Create(ctx, actor, ledger.NewLoan{ID: id, Borrower: "b", Lender: "l",
			Principal: "1000", Currency: "INR", InterestRateBps: 900, TermMonths: 12})
		require.NoError(t, err)
		_, err = svc.Approve(ctx, actor, id)
		require.NoError(t, err)
	}
	stopLoans := make(chan struct{})
	loansDone := make(chan struct{})
	go func() {
		defer close(loansDone)
		for {
			approve()
			select {
			case <-stopLoans:
				return
			case <-time.After(400 * time.Millisecond):
			}
		}
	}()

	type result struct {
		out string
		err error
	}
	rotated := make(chan result, 1)
	go func() {
		// A process of its own, as an operator runs it: in-process it would
		// open a second SQLite handle on the replicas' database file.
		out, err := runProc(t, ctx, oldVars, "keys", "rotate", "--new-keystore", newPath,
			"--admin-keystore", adminPath, "--admin-passphrase-file", passFile, "--poll", "200ms", "--timeout", "3m")
		rotated <- result{out, err}
	}()

	// Step 1 done: a replica with the new key starts next to the old one.
	require.Eventually(t, func() bool {
		has, err := registry.HasRole(ctx, evm.AnchorerRole, newAddr)
		require.NoError(t, err)
		return has
	}, 60*time.Second, 100*time.Millisecond)
	newReplica, err := service.StartAnchoring(ctx, newCfg, db, log, io.Discard, nil)
	require.NoError(t, err)
	defer newReplica.Stop(context.Background())
	time.Sleep(3 * time.Second)

	// The old replica goes away without waiting for its send to finish.
	cut, cutCancel := context.WithTimeout(ctx, 50*time.Millisecond)
	oldReplica.Stop(cut)
	cutCancel()

	var r result
	select {
	case r = <-rotated:
	case <-ctx.Done():
		t.Fatal("keys rotate did not finish")
	}
	require.NoError(t, r.err, r.out)
	t.Log(r.out)
	require.Contains(t, r.out, "1/3 granted ANCHORER_ROLE to "+newAddr.Hex())
	require.Contains(t, r.out, "2/3 drained "+oldAddr.Hex())
	require.Contains(t, r.out, "3/3 revoked ANCHORER_ROLE of "+oldAddr.Hex())
	require.NotContains(t, r.out, pass)

	// Anchoring goes on after the revocation, with the new key alone.
	time.Sleep(time.Second)
	close(stopLoans)
	<-loansDone
	mu.Lock()
	all := append([]string(nil), ids...)
	mu.Unlock()

	var anchors []*ledger.Anchor
	require.Eventually(t, func() bool {
		anchors = anchors[:0]
		for _, id := range all {
			as, err := db.Anchors(ctx, ledger.AnchorFilter{LoanID: id})
			require.NoError(t, err)
			for _, a := range as {
				require.NotEqual(t, ledger.AnchorFailed, a.Status, "loan %s: %s", id, a.LastError)
				if a.Status == ledger.AnchorFinal {
					anchors = append(anchors, a)
				}
			}
		}
		return len(anchors) == len(all)
	}, 150*time.Second, 200*time.Millisecond)

	events, err := registry.Events(ctx, evm.EventQuery{})
	require.NoError(t, err)
	stored := map[common.Hash]int{}
	for _, ev := range events {
		if ev.Kind == evm.EventLoanStored {
			stored[common.Hash(ev.Stored.LoanKey)]++
		}
	}
	require.Len(t, stored, len(all), "no loan on chain the database does not know")
	senders := map[common.Address]int{}
	for _, a := range anchors {
		require.Equal(t, 1, stored[a.LoanKey], "loan %s stored once", a.LoanID)
		tx, _, err := client.TransactionByHash(ctx, a.TxHash)
		require.NoError(t, err)
		from, err := types.Sender(types.LatestSignerForChainID(node.ChainID), tx)
		require.NoError(t, err)
		senders[from]++
	}
	require.Positive(t, senders[oldAddr], "the old key anchored before the rotation")
	require.Positive(t, senders[newAddr], "the new key anchors after it")
	require.Len(t, senders, 2)

	has, err := registry.HasRole(ctx, evm.AnchorerRole, oldAddr)
	require.NoError(t, err)
	require.False(t, has, "the old key can no longer anchor")
	unfinished, err := db.TxJournal().Unfinished(ctx, oldAddr)
	require.NoError(t, err)
	require.Empty(t, unfinished)

	for _, action := range []string{ledger.ActionKeysRotateGrant, ledger.ActionKeysRotateDrain, ledger.ActionKeysRotateRevoke} {
		rows, err := db.AuditEntries(ctx, ledger.AuditFilter{Action: action})
		require.NoError(t, err)
		require.Len(t, rows, 1, action)
		require.Equal(t, "signer", rows[0].Entity)
	}
	grant, err := db.AuditEntries(ctx, ledger.AuditFilter{Action: ledger.ActionKeysRotateGrant})
	require.NoError(t, err)
	require.NotNil(t, grant[0].Chain)
	require.NotEmpty(t, grant[0].Chain.TxHash)
}
