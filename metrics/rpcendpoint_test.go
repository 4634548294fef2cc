package metrics_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/metrics"
	"github.com/aartha/ledger/simchain"
)

// TestRPCEndpointActive exports which endpoint of a real failover client is
// in use: its primary is a closed port, its backup the embedded chain.
func TestRPCEndpointActive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	chain, err := simchain.Start(ctx, simchain.Options{RPCAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = chain.Stop() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String() + "/v3/secret-api-key"
	require.NoError(t, l.Close())

	client, err := evm.Dial(ctx, closed, chain.RPCURL(), evm.ClientOptions{})
	require.NoError(t, err)
	t.Cleanup(client.Close)
	reg := prometheus.NewRegistry()
	metrics.New(reg).WatchRPCEndpoints(client)

	want := func(primary, backup int) string {
		return fmt.Sprintf(`
# HELP aartha_rpc_endpoint_active 1 for the chain RPC endpoint in use (the one that answered the latest call), 0 for the others; all 0 while none answers. The label is the endpoint's role, primary (BLOCKCHAIN_RPC_URL) or backup (BLOCKCHAIN_RPC_URL_BACKUP), never its URL.
# TYPE aartha_rpc_endpoint_active gauge
aartha_rpc_endpoint_active{endpoint="backup"} %d
aartha_rpc_endpoint_active{endpoint="primary"} %d
`, backup, primary)
	}
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want(0, 0)), "aartha_rpc_endpoint_active"),
		"before any call no endpoint is in use")
	_, err = client.ChainID(ctx)
	require.NoError(t, err)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want(0, 1)), "aartha_rpc_endpoint_active"),
		"the primary is down: the backup is in use")

	// The whole exposition never carries the URL.
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		require.NotContains(t, mf.String(), "secret-api-key")
		require.NotContains(t, mf.String(), l.Addr().String())
	}
}
