package evm

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/aartha/ledger/contracts"
)

// DeployBackend is what deploying needs from a chain: sending a transaction
// with estimated gas and suggested fees, reading receipts and code, and the
// chain id to sign for. *ethclient.Client and the simulated backend's client
// satisfy it.
type DeployBackend interface {
	bind.ContractBackend
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
	ChainID(ctx context.Context) (*big.Int, error)
}

var (
	_ DeployBackend = (*ethclient.Client)(nil)
	_ DeployBackend = (*Client)(nil)
)

// Deployment is a LoanRegistry creation transaction and, once mined, its
// receipt.
type Deployment struct {
	// Address is where the registry lives (or will live once Tx is mined).
	Address common.Address
	// Tx is the signed creation transaction.
	Tx *types.Transaction
	// Receipt is nil until the transaction is mined and checked.
	Receipt *types.Receipt
}

// Errors that SendDeploy, WaitDeployed and Deploy return (wrapped).
var (
	// ErrDeployReverted means the creation transaction was mined but failed.
	ErrDeployReverted = errors.New("deployment transaction reverted")
	// ErrNoCode means the transaction succeeded but left no code at the
	// registry's address.
	ErrNoCode = errors.New("no contract code at the deployed address")
)

// pollInterval is how often WaitDeployed asks for the receipt.
const pollInterval = time.Second

// Deploy deploys a LoanRegistry whose DEFAULT_ADMIN_ROLE goes to admin and
// whose ANCHORER_ROLE goes to anchorer, signing with key, then waits until the
// transaction is mined (or ctx ends) and checks that it succeeded and left
// code at the registry's address. Gas is estimated and fees are suggested by
// the node.
//
// On a failure after the transaction was sent, Deploy returns the Deployment
// so far alongside the error, so the caller can still report the transaction
// hash. Deploy is safe for concurrent use only with different keys, since the
// nonce is read from the node.
func Deploy(ctx context.Context, backend DeployBackend, key *ecdsa.PrivateKey, admin, anchorer common.Address) (*Deployment, error) {
	d, err := SendDeploy(ctx, backend, key, admin, anchorer)
	if err != nil {
		return nil, err
	}
	if err := WaitDeployed(ctx, backend, d); err != nil {
		return d, err
	}
	return d, nil
}

// SendDeploy signs and sends the creation transaction of a LoanRegistry, as
// Deploy does, without waiting for it to be mined. The returned Deployment
// has no Receipt yet; pass it to WaitDeployed.
func SendDeploy(ctx context.Context, backend DeployBackend, key *ecdsa.PrivateKey, admin, anchorer common.Address) (*Deployment, error) {
	if key == nil {
		return nil, errors.New("deploy: no signing key")
	}
	if admin == (common.Address{}) || anchorer == (common.Address{}) {
		return nil, errors.New("deploy: admin and anchorer must be non-zero addresses")
	}
	chainID, err := backend.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("deploy: read chain id: %w", err)
	}
	opts := bind.NewKeyedTransactor(key, chainID)
	opts.Context = ctx
	registry := contracts.NewLoanRegistry()
	code := common.FromHex(contracts.LoanRegistryMetaData.Bin)
	addr, tx, err := bind.DeployContract(opts, code, backend, registry.PackConstructor(admin, anchorer))
	if err != nil {
		return nil, fmt.Errorf("deploy: send creation transaction from %s: %w", crypto.PubkeyToAddress(key.PublicKey), err)
	}
	return &Deployment{Address: addr, Tx: tx}, nil
}

// WaitDeployed waits until d.Tx is mined or ctx ends, then checks that it
// succeeded and that the registry's code is at d.Address, and sets
// d.Receipt. It returns ctx's error if ctx ends first, ErrDeployReverted if
// the transaction failed and ErrNoCode if no code is there, each wrapped.
func WaitDeployed(ctx context.Context, backend DeployBackend, d *Deployment) error {
	receipt, err := waitReceipt(ctx, backend, d.Tx.Hash())
	if err != nil {
		return fmt.Errorf("deploy: wait for %s: %w", d.Tx.Hash(), err)
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		return fmt.Errorf("deploy: transaction %s in block %d: %w", d.Tx.Hash(), receipt.BlockNumber, ErrDeployReverted)
	}
	if receipt.ContractAddress != d.Address {
		return fmt.Errorf("deploy: receipt names contract %s, expected %s", receipt.ContractAddress, d.Address)
	}
	code, err := backend.CodeAt(ctx, d.Address, receipt.BlockNumber)
	if err != nil {
		return fmt.Errorf("deploy: read code at %s: %w", d.Address, err)
	}
	if len(code) == 0 {
		return fmt.Errorf("deploy: %s: %w", d.Address, ErrNoCode)
	}
	d.Receipt = receipt
	return nil
}

// waitReceipt polls for a transaction's receipt until it exists or ctx ends.
// Errors other than "not found" are retried too: a node that is briefly
// unreachable should not abort a deployment that is already on its way.
func waitReceipt(ctx context.Context, backend DeployBackend, hash common.Hash) (*types.Receipt, error) {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	var lastErr error
	for {
		receipt, err := backend.TransactionReceipt(ctx, hash)
		if err == nil {
			return receipt, nil
		}
		if !errors.Is(err, ethereum.NotFound) {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return nil, fmt.Errorf("%w (last error: %v)", ctx.Err(), lastErr)
			}
			return nil, ctx.Err()
		case <-ticker.C:
		}
	}
}
