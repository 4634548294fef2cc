package evm_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
)

// TestOperationsNameEveryCall keeps evm.Operations (the label set /metrics
// exports at zero from the start) in step with the calls Client makes.
func TestOperationsNameEveryCall(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("client.go")
	require.NoError(t, err)
	var made []string
	for _, m := range regexp.MustCompile(`c\.do\(ctx, "([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		op := regexp.MustCompile(` `).ReplaceAllString(m[1], "_")
		if !slices.Contains(made, op) {
			made = append(made, op)
		}
	}
	require.NotEmpty(t, made)
	require.ElementsMatch(t, evm.Operations, made)
}

func TestOnCallReportsEachCall(t *testing.T) {
	t.Parallel()
	type call struct {
		op     string
		failed bool
	}
	var calls []call
	client, err := evm.Dial(context.Background(), closedURL(t), "", evm.ClientOptions{
		CallTimeout: 5 * time.Second,
		OnCall:      func(op string, err error, _ time.Duration) { calls = append(calls, call{op, err != nil}) },
	})
	require.NoError(t, err)
	defer client.Close()
	_, err = client.ChainID(context.Background())
	require.Error(t, err)
	_, err = client.BlockNumber(context.Background())
	require.Error(t, err)
	require.Equal(t, []call{{"read_chain_id", true}, {"read_block_number", true}}, calls)
}

// TestActiveEndpointFollowsThePrimary puts a switchable proxy in front of
// the embedded chain as the primary and the chain itself as the backup:
// ActiveEndpoint names the primary while it answers, the backup while the
// proxy answers 502, and the primary again once it is back and the
// cool-down has passed.
func TestActiveEndpointFollowsThePrimary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	chain := startSimchain(t)
	target, err := url.Parse(chain.url)
	require.NoError(t, err)
	var down atomic.Bool
	// The proxy drops the path, where providers put an API key.
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.URL.Path = "/"
	}}
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "primary is down", http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(primary.Close)

	var clock atomic.Int64
	clock.Store(time.Unix(1_700_000_000, 0).UnixNano())
	client, err := evm.Dial(ctx, primary.URL+"/v3/secret-api-key", chain.url, evm.ClientOptions{
		Cooldown: time.Minute,
		Now:      func() time.Time { return time.Unix(0, clock.Load()) },
	})
	require.NoError(t, err)
	t.Cleanup(client.Close)

	active := func() string {
		t.Helper()
		_, err := client.BlockNumber(ctx)
		require.NoError(t, err)
		name, host := client.ActiveEndpoint()
		require.NotContains(t, host, "secret-api-key", "the host is redacted")
		return name
	}
	require.Equal(t, "primary", active())
	down.Store(true)
	require.Equal(t, "backup", active())
	down.Store(false)
	require.Equal(t, "backup", active(), "within the cool-down the backup stays in use")
	clock.Add(int64(2 * time.Minute))
	require.Equal(t, "primary", active(), "after the cool-down the primary answers again")
}

// TestErrorsDoNotCarryTheURLPath: net/http quotes the whole URL in its
// errors; the client cuts it to scheme and host, since providers put API
// keys in the path.
func TestErrorsDoNotCarryTheURLPath(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	client, err := evm.Dial(context.Background(), "http://"+addr+"/v3/secret-api-key", "", evm.ClientOptions{})
	require.NoError(t, err)
	t.Cleanup(client.Close)
	_, err = client.ChainID(context.Background())
	require.ErrorIs(t, err, evm.ErrUnavailable)
	require.True(t, evm.IsConnectionError(err))
	require.Contains(t, err.Error(), addr)
	require.NotContains(t, err.Error(), "secret-api-key")
}
