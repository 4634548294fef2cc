package contracts_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
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

// simChainID is the chain id the simulated backend always uses.
var simChainID = big.NewInt(1337)

// account is a funded externally owned account of the test chain.
type account struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

// deterministicAccount derives a key from a label, so that gas figures (which
// depend on the zero bytes of calldata) do not change between runs.
func deterministicAccount(t testing.TB, label string) account {
	t.Helper()
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte("aartha test account " + label)))
	require.NoError(t, err)
	return account{key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
}

// harness is one simulated chain with a freshly deployed LoanRegistry.
type harness struct {
	t        testing.TB
	ctx      context.Context
	sim      *simulated.Backend
	client   simulated.Client
	reg      *contracts.LoanRegistry
	inst     *bind.BoundContract
	addr     common.Address
	deploy   *evm.Deployment
	admin    account
	anchorer account
	stranger account
}

// newHarness starts a simulated chain running cfg (today's mainnet rules
// when cfg is nil) and deploys a registry with separate admin and anchorer
// keys.
func newHarness(t testing.TB, cfg *params.ChainConfig) *harness {
	t.Helper()
	if cfg == nil {
		cfg = evm.MainnetRules(simChainID)
	}
	// Bound every chain interaction, so that a transaction that never gets
	// mined fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	h := &harness{
		t:        t,
		ctx:      ctx,
		admin:    deterministicAccount(t, "admin"),
		anchorer: deterministicAccount(t, "anchorer"),
		stranger: deterministicAccount(t, "stranger"),
	}
	funds := new(big.Int).Mul(big.NewInt(1000), big.NewInt(params.Ether))
	alloc := types.GenesisAlloc{}
	for _, a := range []account{h.admin, h.anchorer, h.stranger} {
		alloc[a.addr] = types.Account{Balance: funds}
	}
	h.sim = simulated.NewBackend(alloc, func(_ *node.Config, ec *ethconfig.Config) {
		ec.Genesis.Config = cfg
	})
	t.Cleanup(func() { _ = h.sim.Close() })
	h.client = h.sim.Client()

	d, err := evm.SendDeploy(h.ctx, h.client, h.admin.key, h.admin.addr, h.anchorer.addr)
	require.NoError(t, err)
	h.mine(d.Tx.Hash())
	require.NoError(t, evm.WaitDeployed(h.ctx, h.client, d))
	h.deploy = d
	h.addr = d.Address
	h.reg = contracts.NewLoanRegistry()
	h.inst = h.reg.Instance(h.client, h.addr)
	return h
}

// send sends calldata to the registry from a, mines it and returns the
// receipt. An error means the transaction was never sent, which for a revert
// is gas estimation failing with the revert data.
func (h *harness) send(a account, data []byte) (*types.Receipt, error) {
	h.t.Helper()
	opts := bind.NewKeyedTransactor(a.key, simChainID)
	opts.Context = h.ctx
	tx, err := bind.Transact(h.inst, opts, data)
	if err != nil {
		return nil, err
	}
	receipt := h.mine(tx.Hash())[0]
	require.Equal(h.t, types.ReceiptStatusSuccessful, receipt.Status, "transaction reverted on chain")
	return receipt, nil
}

// mine seals blocks until every transaction has a receipt and returns the
// receipts in order. One block is normally enough, but on a loaded machine
// the simulated beacon may seal a block before the pool hands it the
// transactions, so it tries a few more.
func (h *harness) mine(hashes ...common.Hash) []*types.Receipt {
	h.t.Helper()
	receipts := make([]*types.Receipt, len(hashes))
	for range 20 {
		h.sim.Commit()
		missing := 0
		for i, hash := range hashes {
			if receipts[i] != nil {
				continue
			}
			r, err := h.client.TransactionReceipt(h.ctx, hash)
			switch {
			case err == nil:
				receipts[i] = r
			case errors.Is(err, ethereum.NotFound):
				missing++
			default:
				require.NoError(h.t, err)
			}
		}
		if missing == 0 {
			return receipts
		}
	}
	h.t.Fatalf("transactions not mined after 20 blocks: %v", hashes)
	return nil
}

// mustSend is send for calls that must succeed.
func (h *harness) mustSend(a account, data []byte) *types.Receipt {
	h.t.Helper()
	receipt, err := h.send(a, data)
	require.NoError(h.t, err)
	return receipt
}

// requireRevert asserts that err carries the registry's custom error name
// and returns its decoded value.
func requireRevert(t testing.TB, err error, name string) any {
	t.Helper()
	require.Error(t, err)
	rev, ok := contracts.AsRevert(err)
	require.Truef(t, ok, "error carries no LoanRegistry custom error: %v", err)
	require.Equal(t, name, rev.Name)
	return rev.Value
}

// sendRevert asserts that sending data from a reverts with the named error.
func (h *harness) sendRevert(a account, data []byte, name string) any {
	h.t.Helper()
	_, err := h.send(a, data)
	return requireRevert(h.t, err, name)
}

// call runs a view against the latest block.
func call[T any](h *harness, data []byte, unpack func([]byte) (T, error)) (T, error) {
	return bind.Call(h.inst, &bind.CallOpts{Context: h.ctx}, data, unpack)
}

// simulate runs a write as an eth_call from a, to see its return value.
func simulate[T any](h *harness, a account, data []byte, unpack func([]byte) (T, error)) (T, error) {
	return bind.Call(h.inst, &bind.CallOpts{Context: h.ctx, From: a.addr}, data, unpack)
}

// mustCall is call for views that must succeed.
func mustCall[T any](h *harness, data []byte, unpack func([]byte) (T, error)) T {
	h.t.Helper()
	v, err := call(h, data, unpack)
	require.NoError(h.t, err)
	return v
}

// blockTime returns the timestamp of the block a receipt is in.
func (h *harness) blockTime(r *types.Receipt) uint64 {
	h.t.Helper()
	header, err := h.client.HeaderByHash(h.ctx, r.BlockHash)
	require.NoError(h.t, err)
	return header.Time
}

// loanKey is keccak256(utf8(loan_id)), docs/fingerprint.md.
func loanKey(id string) [32]byte {
	return crypto.Keccak256Hash([]byte(id))
}

// commitmentOf stands in for keccak256(salt || JCS(record)): the contract
// treats commitments as opaque, so any distinct non-zero values will do.
func commitmentOf(label string) [32]byte {
	return crypto.Keccak256Hash([]byte("commitment " + label))
}

// addressOf derives a stable borrower or lender address from a label.
func addressOf(label string) common.Address {
	return common.BytesToAddress(crypto.Keccak256([]byte("address " + label)))
}
