package multichain_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/multichain"
	"github.com/aartha/ledger/multichain/multichaintest"
)

// TestPublisherHash decodes the address of the transcript's node: its
// pay-to-pubkey-hash output carries d69e66…d84e, and the chain's version
// bytes are 00 79 b5 51 with checksum value fe1dcaf3.
func TestPublisherHash(t *testing.T) {
	t.Parallel()
	const addr = "1W1Ph4dZrZ8rLt3cxwUhgs2eJr49Kq77yxVZvZ"
	hash := common.HexToAddress("d69e66adb05894c86240031a60c832027cb1d84e")
	got, err := multichain.PublisherHash(addr)
	require.NoError(t, err)
	require.Equal(t, hash, got)
	enc, err := multichain.EncodeAddress(hash, multichain.AddressParams{Version: []byte{0x00, 0x79, 0xb5, 0x51}, ChecksumValue: 0xfe1dcaf3})
	require.NoError(t, err)
	require.Equal(t, addr, enc)

	for _, version := range [][]byte{{0x00}, {0x01, 0x02}, {0xaa, 0xbb, 0xcc}} {
		enc, err := multichain.EncodeAddress(hash, multichain.AddressParams{Version: version, ChecksumValue: 1})
		require.NoError(t, err)
		got, err := multichain.PublisherHash(enc)
		require.NoError(t, err)
		require.Equal(t, hash, got, "version %x", version)
	}
	for _, bad := range []string{"", "0OIl", "1W1Ph4dZ", strings.Repeat("z", 70)} {
		_, err := multichain.PublisherHash(bad)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), bad)
	}
}

func TestParseTxID(t *testing.T) {
	t.Parallel()
	good := "085218eb9532bcec3ddf5c07d9b544699ed9496a67edd9a41513b193f800ef95"
	h, err := multichain.ParseTxID(good)
	require.NoError(t, err)
	require.Equal(t, good, multichain.TxIDString(h))
	for _, bad := range []string{"", "zz", "0x" + good[2:], good[:63], good + "0", strings.Repeat("g", 64)} {
		_, err := multichain.ParseTxID(bad)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), bad)
	}
}

func TestReadConf(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	// As multichain-util create writes it, plus a port and a comment.
	good := write("good.conf", "rpcuser=multichainrpc\nrpcpassword=Cb6Gxs7dFN4ViZ11CaJr56zMS94n6F8FwHXAND98NZqR\n# local\nrpcport = 19538\nrpcallowip=127.0.0.1\n")
	c, err := multichain.ReadConf(good)
	require.NoError(t, err)
	require.Equal(t, multichain.Conf{User: "multichainrpc", Password: "Cb6Gxs7dFN4ViZ11CaJr56zMS94n6F8FwHXAND98NZqR", Port: 19538}, c)
	require.NotContains(t, c.String(), c.Password)

	for name, tc := range map[string]struct{ body, want string }{
		"no user":     {"rpcpassword=x\n", "no rpcuser"},
		"no password": {"rpcuser=x\n", "no rpcpassword"},
		"bad port":    {"rpcuser=x\nrpcpassword=y\nrpcport=http\n", "rpcport"},
	} {
		_, err := multichain.ReadConf(write(name+".conf", tc.body))
		require.ErrorContains(t, err, tc.want, name)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), name)
	}
	_, err = multichain.ReadConf(filepath.Join(dir, "missing.conf"))
	require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err))
}

func TestNewClientConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "multichain.conf")
	require.NoError(t, os.WriteFile(conf, []byte("rpcuser=u\nrpcpassword=s3cret-pass\nrpcport=19538\n"), 0o600))

	c, err := multichain.NewClient(multichain.ClientConfig{ConfFile: conf})
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:19538", c.Host())
	c, err = multichain.NewClient(multichain.ClientConfig{URL: "http://node.internal", ConfFile: conf})
	require.NoError(t, err)
	require.Equal(t, "node.internal:19538", c.Host(), "the conf's port completes a URL without one")
	c, err = multichain.NewClient(multichain.ClientConfig{URL: "http://u:s3cret-pass@node.internal:7000"})
	require.NoError(t, err)
	require.Equal(t, "node.internal:7000", c.Host())
	require.NotContains(t, c.String(), "s3cret")

	for name, cfg := range map[string]multichain.ClientConfig{
		"no credentials": {URL: "http://127.0.0.1:1"},
		"twice":          {URL: "http://127.0.0.1:1", User: "u", Password: "p", ConfFile: conf},
		"url and direct": {URL: "http://a:b@127.0.0.1:1", User: "u", Password: "p"},
		"bad scheme":     {URL: "ftp://127.0.0.1:1", User: "u", Password: "p"},
		"no url":         {User: "u", Password: "p"},
	} {
		_, err := multichain.NewClient(cfg)
		require.Equal(t, ledger.EINVALID, ledger.ErrorCode(err), name)
		require.NotContains(t, err.Error(), "s3cret", name)
	}
}

// TestClientTransportErrors: no answer, and answers that are not
// MultiChain's, are TransportErrors naming the host and never the password.
func TestClientTransportErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	c, err := multichain.NewClient(multichain.ClientConfig{URL: url, User: "u", Password: "s3cret-pass"})
	require.NoError(t, err)
	err = c.Call(ctx, "getinfo", nil, nil)
	var te *multichain.TransportError
	require.ErrorAs(t, err, &te)
	require.Equal(t, ledger.EUNAVAILABLE, ledger.ErrorCode(err))
	require.False(t, multichain.IsPermanent(err))
	require.NotContains(t, err.Error(), "s3cret")

	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	t.Cleanup(proxy.Close)
	c, err = multichain.NewClient(multichain.ClientConfig{URL: proxy.URL, User: "u", Password: "s3cret-pass"})
	require.NoError(t, err)
	err = c.Call(ctx, "getinfo", nil, nil)
	require.ErrorAs(t, err, &te)
	require.Equal(t, http.StatusBadGateway, te.Status)
	require.Contains(t, err.Error(), "bad gateway")

	forbidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	t.Cleanup(forbidden.Close)
	c, err = multichain.NewClient(multichain.ClientConfig{URL: forbidden.URL, User: "u", Password: "s3cret-pass"})
	require.NoError(t, err)
	err = c.Call(ctx, "getinfo", nil, nil)
	require.ErrorContains(t, err, "rpcallowip")
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	const addr = "1W1Ph4dZrZ8rLt3cxwUhgs2eJr49Kq77yxVZvZ"
	for name, tc := range map[string]struct {
		opts multichain.Options
		want string
	}{
		"no stream":   {multichain.Options{ChainName: "c", From: addr}, "MULTICHAIN_STREAM"},
		"long stream": {multichain.Options{Stream: strings.Repeat("s", 33), ChainName: "c", From: addr}, "MULTICHAIN_STREAM"},
		"no chain":    {multichain.Options{Stream: "s", From: addr}, "MULTICHAIN_CHAIN_NAME"},
		"chain chars": {multichain.Options{Stream: "s", ChainName: "a b", From: addr}, "MULTICHAIN_CHAIN_NAME"},
		"no from":     {multichain.Options{Stream: "s", ChainName: "c"}, "MULTICHAIN_FROM_ADDRESS"},
		"bad from":    {multichain.Options{Stream: "s", ChainName: "c", From: "0xabc"}, "MULTICHAIN_FROM_ADDRESS"},
		"neg paging":  {multichain.Options{Stream: "s", ChainName: "c", From: addr, PageSize: -1}, "page size"},
	} {
		err := tc.opts.Validate()
		require.ErrorContains(t, err, tc.want, name)
	}
	a, err := multichain.New(nil, multichain.Options{Stream: "loans", ChainName: "artha-chain", From: addr})
	require.NoError(t, err)
	require.Equal(t, "multichain:artha-chain", a.Chain())
	require.Equal(t, common.HexToAddress("d69e66adb05894c86240031a60c832027cb1d84e"), a.Publisher())
	require.Equal(t, uint64(2), a.Confirmations())
}

// TestClientOnCall: every call, answered or failed, is reported once with
// its method, its error and a duration — what the metrics count.
func TestClientOnCall(t *testing.T) {
	t.Parallel()
	type call struct {
		method string
		err    error
	}
	var calls []call
	n := multichaintest.Start(t, multichaintest.Options{})
	c, err := multichain.NewClient(multichain.ClientConfig{URL: n.URL, User: n.User, Password: n.Password,
		OnCall: func(method string, err error, d time.Duration) {
			require.GreaterOrEqual(t, d, time.Duration(0))
			calls = append(calls, call{method, err})
		}})
	require.NoError(t, err)
	_, err = c.BlockchainInfo(context.Background())
	require.NoError(t, err)
	_, err = c.Stream(context.Background(), "nope")
	require.ErrorIs(t, err, multichain.ErrStreamNotFound)
	require.Len(t, calls, 2)
	require.Equal(t, "getblockchaininfo", calls[0].method)
	require.NoError(t, calls[0].err)
	require.Equal(t, "liststreams", calls[1].method)
	require.Error(t, calls[1].err)
}
