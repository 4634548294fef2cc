package evmchain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/aartha/ledger/evm"
)

// DeployRequest says where to deploy a LoanRegistry and who holds its
// roles.
type DeployRequest struct {
	RPCURL, RPCURLBackup string
	PrivateKey           string // hex; pays for the deployment
	// Admin and Anchorer are the --admin and --anchorer flags: addresses,
	// empty for the deploying key's.
	Admin, Anchorer string
	// Wait bounds the wait for the transaction to be mined; 0 sends
	// without waiting.
	Wait time.Duration
}

// Deploy deploys a LoanRegistry, telling out each step, and, once it is
// mined, prints the BLOCKCHAIN_CONTRACT_ADDRESS and
// BLOCKCHAIN_CONTRACT_DEPLOY_BLOCK lines to set.
func Deploy(ctx context.Context, req DeployRequest, out io.Writer) error {
	if req.RPCURL == "" {
		return errors.New("deploy needs BLOCKCHAIN_RPC_URL, the JSON-RPC endpoint of the chain to deploy to " +
			"(the embedded chain deploys its own registry when `aartha serve` starts)")
	}
	if req.PrivateKey == "" {
		return errors.New("deploy needs BLOCKCHAIN_PRIVATE_KEY (or BLOCKCHAIN_PRIVATE_KEY_FILE), the key that pays for the deployment")
	}
	key, err := crypto.HexToECDSA(req.PrivateKey)
	if err != nil {
		// The parser's error may quote part of the key: never wrap it.
		return errors.New("BLOCKCHAIN_PRIVATE_KEY: not a valid secp256k1 private key")
	}
	deployer := crypto.PubkeyToAddress(key.PublicKey)
	admin, err := roleHolder("--admin", req.Admin, deployer)
	if err != nil {
		return err
	}
	anchorer, err := roleHolder("--anchorer", req.Anchorer, deployer)
	if err != nil {
		return err
	}

	client, err := evm.Dial(ctx, req.RPCURL, req.RPCURLBackup, evm.ClientOptions{})
	if err != nil {
		return err
	}
	defer client.Close()

	fmt.Fprintf(out, "deploying LoanRegistry from %s\n  admin    %s\n  anchorer %s\n", deployer.Hex(), admin.Hex(), anchorer.Hex())
	d, err := evm.SendDeploy(ctx, client, key, admin, anchorer)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "transaction %s\nregistry    %s\n", d.Tx.Hash().Hex(), d.Address.Hex())
	if req.Wait <= 0 {
		fmt.Fprintf(out, "not waiting for the transaction to be mined; once it is, set\nBLOCKCHAIN_CONTRACT_ADDRESS=%s\n", d.Address.Hex())
		return nil
	}
	waitCtx, cancel := context.WithTimeout(ctx, req.Wait)
	defer cancel()
	if err := evm.WaitDeployed(waitCtx, client, d); err != nil {
		return fmt.Errorf("%w (the transaction %s may still be mined later)", err, d.Tx.Hash().Hex())
	}
	fmt.Fprintf(out, "mined in block %d, gas used %d\n\nBLOCKCHAIN_CONTRACT_ADDRESS=%s\nBLOCKCHAIN_CONTRACT_DEPLOY_BLOCK=%d\n",
		d.Receipt.BlockNumber, d.Receipt.GasUsed, d.Address.Hex(), d.Receipt.BlockNumber)
	return nil
}

// roleHolder parses a role's address flag, with fallback for an empty
// value.
func roleHolder(flag, value string, fallback common.Address) (common.Address, error) {
	if value == "" {
		return fallback, nil
	}
	if !common.IsHexAddress(value) {
		return common.Address{}, fmt.Errorf("%s: %q is not a 0x-prefixed 20-byte hex address", flag, value)
	}
	addr := common.HexToAddress(value)
	if addr == (common.Address{}) {
		return common.Address{}, fmt.Errorf("%s: the zero address cannot hold a role", flag)
	}
	return addr, nil
}
