package doctor_test

import (
	"context"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/doctor"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evmchain"
	"github.com/aartha/ledger/simchain"
)

// startChain starts the embedded chain with its JSON-RPC port open.
func startChain(t *testing.T, opts simchain.Options) *simchain.Chain {
	t.Helper()
	opts.RPCAddr = "127.0.0.1:0"
	c, err := simchain.Start(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// closedURL is an http URL on which nothing listens, with an API key in
// its path as provider URLs have.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr + "/v3/secret-api-key"
}

func dial(t *testing.T, primary, backup string) *evm.Client {
	t.Helper()
	c, err := evm.Dial(context.Background(), primary, backup, evm.ClientOptions{CallTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// byName indexes a report's checks.
func byName(r doctor.Report) map[string]doctor.Check {
	m := map[string]doctor.Check{}
	for _, c := range r.Checks {
		m[c.Name] = c
	}
	return m
}

// TestDeadPrimaryWithWorkingBackupWarns: with the primary on a closed port
// and the backup a working node, anchoring goes on, so the report warns
// (and says the backup is in use) instead of failing; with no backup the
// same dead primary fails the report.
func TestDeadPrimaryWithWorkingBackupWarns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	chain := startChain(t, simchain.Options{})
	dead := closedURL(t)
	deps := func(eps ...doctor.Endpoint) doctor.Deps {
		return doctor.Deps{Endpoints: eps, ChainID: simchain.ChainID, Registry: chain.Registry(),
			Signer: simchain.DevAddress(), FeeCapWei: big.NewInt(1e15)}
	}

	// As `aartha doctor` sees it: each endpoint on its own.
	r := doctor.Run(ctx, deps(
		doctor.Endpoint{Name: "primary", Host: evm.RedactURL(dead), Chain: evmchain.Endpoint{Client: dial(t, dead, "")}},
		doctor.Endpoint{Name: "backup", Host: evm.RedactURL(chain.RPCURL()), Chain: evmchain.Endpoint{Client: dial(t, chain.RPCURL(), "")}},
	), 10*time.Second)
	checks := byName(r)
	require.Equal(t, doctor.Warn, r.Worst, "%+v", r)
	require.Equal(t, doctor.Warn, checks["rpc primary"].Status)
	require.Contains(t, checks["rpc primary"].Hint, "anchoring goes on through the backup")
	require.Equal(t, doctor.Pass, checks["rpc backup"].Status)
	require.Equal(t, doctor.Warn, checks["rpc in use"].Status)
	require.Equal(t, "backup ("+evm.RedactURL(chain.RPCURL())+"): the primary does not answer, anchoring has failed over", checks["rpc in use"].Detail)
	for _, name := range []string{"registry", "fees", "signer balance"} {
		require.Equal(t, doctor.Pass, checks[name].Status, "%s: %+v", name, checks[name])
	}
	for _, c := range r.Checks {
		require.NotContains(t, c.Detail+c.Hint, "secret-api-key")
	}

	// As the running service sees it: one failover client.
	client := dial(t, dead, chain.RPCURL())
	d := deps(doctor.Endpoint{Name: "chain", Chain: evmchain.Endpoint{Client: client}})
	d.ActiveEndpoint = client.ActiveEndpoint
	r = doctor.Run(ctx, d, 10*time.Second)
	checks = byName(r)
	require.Equal(t, doctor.Warn, r.Worst, "%+v", r)
	require.Equal(t, doctor.Pass, checks["rpc chain"].Status)
	require.Equal(t, doctor.Warn, checks["rpc in use"].Status)
	require.Contains(t, checks["rpc in use"].Detail, "backup (http://127.0.0.1:")

	// Both up: the primary is in use and all passes.
	r = doctor.Run(ctx, deps(
		doctor.Endpoint{Name: "primary", Host: "primary-host", Chain: evmchain.Endpoint{Client: dial(t, chain.RPCURL(), "")}},
		doctor.Endpoint{Name: "backup", Chain: evmchain.Endpoint{Client: dial(t, chain.RPCURL(), "")}},
	), 10*time.Second)
	require.Equal(t, doctor.Pass, r.Worst, "%+v", r)
	require.Equal(t, "primary (primary-host)", byName(r)["rpc in use"].Detail)

	// A dead primary and no backup: nothing anchors, a failure.
	r = doctor.Run(ctx, deps(doctor.Endpoint{Name: "primary", Chain: evmchain.Endpoint{Client: dial(t, dead, "")}}), 10*time.Second)
	require.Equal(t, doctor.Fail, r.Worst)
	require.Equal(t, doctor.Fail, byName(r)["rpc primary"].Status)
	require.NotContains(t, byName(r), "rpc in use")
}

// otherNetwork is a real node that claims another chain id, as a node of a
// public network would.
type otherNetwork struct {
	evmchain.Endpoint
	id int64
}

func (o otherNetwork) ChainID(context.Context) (*big.Int, error) { return big.NewInt(o.id), nil }

// TestClockAheadOnADevelopmentChain moves the embedded chain's time ten
// minutes ahead, as tests and per-block timestamps do: on chain id 1337 the
// check passes and says what it saw and why it is expected; on a public
// chain id it warns without claiming that NTP is the cause.
func TestClockAheadOnADevelopmentChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	chain := startChain(t, simchain.Options{Manual: true})
	require.NoError(t, chain.AdjustTime(10*time.Minute))
	head, err := chain.Client().HeaderByNumber(ctx, nil)
	require.NoError(t, err)
	// This machine's clock as ten minutes behind the head, whatever the
	// chain's genesis time.
	now := func() time.Time { return time.Unix(int64(head.Time), 0).Add(-10 * time.Minute) }

	r := doctor.Run(ctx, doctor.Deps{Endpoints: []doctor.Endpoint{{Name: "embedded", Chain: evmchain.Endpoint{Client: chain.Client()}}}, Now: now}, 10*time.Second)
	c := byName(r)["rpc embedded"]
	require.Equal(t, doctor.Pass, c.Status, "%+v", c)
	require.Contains(t, c.Detail, "chain id 1337, head block "+head.Number.String()+" is stamped 10m0s ahead of this machine's clock")
	require.Contains(t, c.Detail, "expected on a development chain (geth --dev and the embedded simulated chain")
	require.NotContains(t, c.Detail+c.Hint, "NTP")

	r = doctor.Run(ctx, doctor.Deps{Endpoints: []doctor.Endpoint{{Name: "primary", Chain: otherNetwork{evmchain.Endpoint{Client: chain.Client()}, 137}}}, Now: now}, 10*time.Second)
	c = byName(r)["rpc primary"]
	require.Equal(t, doctor.Warn, c.Status, "%+v", c)
	require.Contains(t, c.Detail, "chain id 137, head block "+head.Number.String()+" is stamped 10m0s ahead of this machine's clock")
	require.Contains(t, c.Hint, "development chains (geth --dev, the embedded chain, Hardhat, Anvil) advance the block time per block")
	require.Contains(t, c.Hint, "on a public network this machine's clock is behind")
}
