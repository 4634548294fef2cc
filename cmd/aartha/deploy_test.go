package main

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/contracts"
	"github.com/aartha/ledger/evm"
)

// runDeploy runs `aartha deploy` with the given environment and flags.
func runDeploy(ctx context.Context, vars map[string]string, args ...string) (string, error) {
	a := &app{lookup: func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}}
	cmd := newDeployCmd(a)
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

// httpChain starts a simulated chain served over HTTP on loopback, mining a
// block every 50ms, and returns its URL and a funded key in the form
// BLOCKCHAIN_PRIVATE_KEY takes.
func httpChain(t *testing.T) (*simulated.Backend, string, string) {
	t.Helper()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	alloc := types.GenesisAlloc{crypto.PubkeyToAddress(key.PublicKey): {Balance: big.NewInt(params.Ether)}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host, port := "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	sim := simulated.NewBackend(alloc, func(nc *node.Config, ec *ethconfig.Config) {
		nc.HTTPHost, nc.HTTPPort = host, port
		nc.HTTPModules = []string{"eth", "net", "web3"}
		ec.Genesis.Config = evm.MainnetRules(big.NewInt(1337))
	})
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				sim.Commit()
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-stopped
		_ = sim.Close()
	})
	return sim, fmt.Sprintf("http://%s:%d", host, port), common.Bytes2Hex(crypto.FromECDSA(key))
}

func TestDeployCommandNeedsRPCAndKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := runDeploy(ctx, map[string]string{})
	require.ErrorContains(t, err, "BLOCKCHAIN_RPC_URL")
	require.ErrorContains(t, err, "embedded chain")

	// ENABLE_BLOCKCHAIN=true with no contract address would fail validation
	// anywhere else; deploy is how that address is obtained.
	_, err = runDeploy(ctx, map[string]string{"BLOCKCHAIN_RPC_URL": "http://127.0.0.1:1", "ENABLE_BLOCKCHAIN": "true"})
	require.ErrorContains(t, err, "BLOCKCHAIN_PRIVATE_KEY")
	require.NotContains(t, err.Error(), "BLOCKCHAIN_CONTRACT_ADDRESS")

	key := common.Bytes2Hex(crypto.Keccak256([]byte("k")))
	vars := map[string]string{"BLOCKCHAIN_RPC_URL": "http://127.0.0.1:1", "BLOCKCHAIN_PRIVATE_KEY": key}
	_, err = runDeploy(ctx, vars, "--admin", "0x1234")
	require.ErrorContains(t, err, "--admin")
	_, err = runDeploy(ctx, vars, "--anchorer", "0x0000000000000000000000000000000000000000")
	require.ErrorContains(t, err, "--anchorer")
}

func TestDeployCommand(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sim, url, key := httpChain(t)
	admin := common.HexToAddress("0x00000000000000000000000000000000000ad000")

	out, err := runDeploy(ctx, map[string]string{
		"BLOCKCHAIN_RPC_URL":     url,
		"BLOCKCHAIN_PRIVATE_KEY": key,
		"ENABLE_BLOCKCHAIN":      "true",
	}, "--admin", admin.Hex())
	require.NoError(t, err, out)
	require.NotContains(t, out, key, "the key must never be printed")
	require.Contains(t, out, "transaction 0x")
	m := regexp.MustCompile(`(?m)^BLOCKCHAIN_CONTRACT_ADDRESS=(0x[0-9a-fA-F]{40})$`).FindStringSubmatch(out)
	require.NotNil(t, m, out)

	registry := common.HexToAddress(m[1])
	client := sim.Client()
	code, err := client.CodeAt(ctx, registry, nil)
	require.NoError(t, err)
	require.NotEmpty(t, code)
	reg := contracts.NewLoanRegistry()
	isAdmin, err := bind.Call(reg.Instance(client, registry), &bind.CallOpts{Context: ctx}, reg.PackHasRole(common.Hash{}, admin), reg.UnpackHasRole)
	require.NoError(t, err)
	require.True(t, isAdmin, "--admin holds DEFAULT_ADMIN_ROLE")

	// --wait 0 sends and returns at once, still naming the address.
	out, err = runDeploy(ctx, map[string]string{"BLOCKCHAIN_RPC_URL": url, "BLOCKCHAIN_PRIVATE_KEY": key}, "--wait", "0")
	require.NoError(t, err, out)
	require.Contains(t, out, "not waiting")
	require.Regexp(t, `BLOCKCHAIN_CONTRACT_ADDRESS=0x[0-9a-fA-F]{40}`, out)
}
