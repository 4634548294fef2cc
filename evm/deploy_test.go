package evm_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
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

var _ evm.DeployBackend = simulated.Client(nil)

// chain is a simulated chain on today's mainnet rules with one funded key.
type chain struct {
	ctx    context.Context
	sim    *simulated.Backend
	client simulated.Client
	key    *ecdsa.PrivateKey
	from   common.Address
}

func newChain(t *testing.T) *chain {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	from := crypto.PubkeyToAddress(key.PublicKey)
	alloc := types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(100), big.NewInt(params.Ether))}}
	sim := simulated.NewBackend(alloc, func(_ *node.Config, ec *ethconfig.Config) {
		ec.Genesis.Config = evm.MainnetRules(big.NewInt(1337))
	})
	t.Cleanup(func() { _ = sim.Close() })
	return &chain{ctx: ctx, sim: sim, client: sim.Client(), key: key, from: from}
}

// hasRole asks the deployed registry whether account holds role.
func (c *chain) hasRole(t *testing.T, registry common.Address, role common.Hash, account common.Address) bool {
	t.Helper()
	reg := contracts.NewLoanRegistry()
	ok, err := bind.Call(reg.Instance(c.client, registry), &bind.CallOpts{Context: c.ctx}, reg.PackHasRole(role, account), reg.UnpackHasRole)
	require.NoError(t, err)
	return ok
}

func TestDeployWaitsForReceipt(t *testing.T) {
	c := newChain(t)
	admin := common.HexToAddress("0x00000000000000000000000000000000000a0001")

	// Deploy blocks until mined, so mine blocks alongside it.
	done := make(chan struct{})
	mined := make(chan struct{})
	go func() {
		defer close(mined)
		ticker := time.NewTicker(50 * time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				c.sim.Commit()
			}
		}
	}()
	d, err := evm.Deploy(c.ctx, c.client, c.key, admin, c.from)
	close(done)
	<-mined
	require.NoError(t, err)

	require.NotNil(t, d.Receipt)
	require.Equal(t, types.ReceiptStatusSuccessful, d.Receipt.Status)
	require.Equal(t, d.Tx.Hash(), d.Receipt.TxHash)
	require.Equal(t, crypto.CreateAddress(c.from, d.Tx.Nonce()), d.Address)
	code, err := c.client.CodeAt(c.ctx, d.Address, nil)
	require.NoError(t, err)
	require.NotEmpty(t, code)

	require.True(t, c.hasRole(t, d.Address, common.Hash{}, admin))
	require.True(t, c.hasRole(t, d.Address, crypto.Keccak256Hash([]byte("ANCHORER_ROLE")), c.from))
	require.False(t, c.hasRole(t, d.Address, common.Hash{}, c.from), "the deployer is not admin unless named")
}

func TestSendDeployThenWait(t *testing.T) {
	c := newChain(t)
	d, err := evm.SendDeploy(c.ctx, c.client, c.key, c.from, c.from)
	require.NoError(t, err)
	require.Nil(t, d.Receipt)

	// Not mined yet: waiting gives up with the context's error.
	short, cancel := context.WithTimeout(c.ctx, 200*time.Millisecond)
	defer cancel()
	err = evm.WaitDeployed(short, c.client, d)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Nil(t, d.Receipt)

	c.sim.Commit()
	require.NoError(t, evm.WaitDeployed(c.ctx, c.client, d))
	require.NotNil(t, d.Receipt)
	require.True(t, c.hasRole(t, d.Address, common.Hash{}, c.from))
}

func TestDeployRefusals(t *testing.T) {
	c := newChain(t)
	zero := common.Address{}

	_, err := evm.SendDeploy(c.ctx, c.client, nil, c.from, c.from)
	require.ErrorContains(t, err, "no signing key")
	_, err = evm.SendDeploy(c.ctx, c.client, c.key, zero, c.from)
	require.ErrorContains(t, err, "non-zero")
	_, err = evm.SendDeploy(c.ctx, c.client, c.key, c.from, zero)
	require.ErrorContains(t, err, "non-zero")

	// A key with no funds cannot pay for the deployment; the error names
	// the sending address, never the key.
	poor, err := crypto.GenerateKey()
	require.NoError(t, err)
	_, err = evm.SendDeploy(c.ctx, c.client, poor, c.from, c.from)
	require.Error(t, err)
	require.ErrorContains(t, err, crypto.PubkeyToAddress(poor.PublicKey).Hex())
	require.NotContains(t, err.Error(), common.Bytes2Hex(crypto.FromECDSA(poor)))

	// A context that is already over stops Deploy before anything is sent.
	over, cancel := context.WithCancel(c.ctx)
	cancel()
	_, err = evm.Deploy(over, c.client, c.key, c.from, c.from)
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

func TestMainnetRules(t *testing.T) {
	cfg := evm.MainnetRules(big.NewInt(137))
	require.NoError(t, cfg.CheckConfigForkOrder())
	require.Equal(t, int64(137), cfg.ChainID.Int64())
	rules := cfg.Rules(big.NewInt(1), true, 1)
	require.True(t, rules.IsPrague)
	require.True(t, rules.IsOsaka)
	require.False(t, rules.IsAmsterdam, "Amsterdam is not live on mainnet")
	require.False(t, rules.IsBogota, "Bogota is not live on mainnet")
	// The shared preset is left alone.
	require.NotNil(t, params.AllDevChainProtocolChanges.BogotaTime)
	require.Equal(t, int64(1337), params.AllDevChainProtocolChanges.ChainID.Int64())
}
