package evm_test

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"net/http/httptest"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/evm/gethtest"
)

// unsignedTx is an EIP-1559 transaction as the transaction manager builds it.
func unsignedTx(chainID *big.Int, nonce uint64, to common.Address, data []byte) *types.Transaction {
	return types.NewTx(&types.DynamicFeeTx{ChainID: chainID, Nonce: nonce, GasTipCap: big.NewInt(1e9),
		GasFeeCap: big.NewInt(3e9), Gas: 120_000, To: &to, Data: data})
}

// requireSignedAsAsked checks that signed is tx, signed by from.
func requireSignedAsAsked(t *testing.T, tx, signed *types.Transaction, chainID *big.Int, from common.Address) {
	t.Helper()
	sender, err := types.Sender(types.LatestSignerForChainID(chainID), signed)
	require.NoError(t, err)
	require.Equal(t, from, sender)
	require.Equal(t, tx.Nonce(), signed.Nonce())
	require.True(t, bytes.Equal(tx.Data(), signed.Data()))
	require.Equal(t, *tx.To(), *signed.To())
}

// TestClefSignsWhatItsRulesAllow runs a real Clef with the rules file
// ClefRules makes: registry calls and 0-value transfers to self are signed
// with no one at the console; anything else is refused at once, with
// Clef's reason, as a permanent RefusalError.
func TestClefSignsWhatItsRulesAllow(t *testing.T) {
	t.Parallel()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	addr := crypto.PubkeyToAddress(key.PublicKey)
	registry := common.HexToAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3")
	chainID := big.NewInt(1337)
	clef := gethtest.StartClef(t, gethtest.ClefOptions{ChainID: chainID, Key: key, Rules: evm.ClefRules(registry, addr)})

	ctx := context.Background()
	signer, err := evm.DialExternalSigner(ctx, clef.URL, addr, evm.ExternalSignerOptions{API: evm.SignerAPIClef})
	require.NoError(t, err)
	defer signer.Close()
	require.Equal(t, addr, signer.Address())

	for i, data := range [][]byte{
		evm.StoreLoanData(common.Hash{1}, common.Hash{2}, common.Address{}, common.Address{}),
		evm.AnchorBatchData(common.Hash{3}, 7),
		evm.MarkRepaidData(common.Hash{1}, common.Hash{4}),
	} {
		tx := unsignedTx(chainID, uint64(i), registry, data)
		signed, err := signer.SignTx(tx, chainID)
		require.NoError(t, err, "registry call %d", i)
		requireSignedAsAsked(t, tx, signed, chainID, addr)
	}
	fill := unsignedTx(chainID, 9, addr, nil)
	signed, err := signer.SignTx(fill, chainID)
	require.NoError(t, err, "a 0-value transfer to self fills a nonce")
	requireSignedAsAsked(t, fill, signed, chainID, addr)

	elsewhere := common.HexToAddress("0x000000000000000000000000000000000000dEaD")
	_, err = signer.SignTx(unsignedTx(chainID, 10, elsewhere, evm.StoreLoanData(common.Hash{1}, common.Hash{2}, common.Address{}, common.Address{})), chainID)
	require.Error(t, err)
	require.True(t, evm.IsRefusal(err), "%v", err)
	require.ErrorContains(t, err, "request denied")
	var refusal *evm.RefusalError
	require.True(t, errors.As(err, &refusal))
	require.True(t, refusal.Permanent())

	// A transaction for another chain: Clef says why.
	_, err = signer.SignTx(unsignedTx(big.NewInt(5), 11, registry, evm.AnchorBatchData(common.Hash{5}, 1)), big.NewInt(5))
	require.True(t, evm.IsRefusal(err), "%v", err)
	require.ErrorContains(t, err, "chainid")
}

// fakeEthSigner serves eth_signTransaction with a real key, as geth with an
// unlocked account or a remote signer would; refuse and tamper play a
// signer saying no and one returning something else than asked.
type fakeEthSigner struct {
	signer  *evm.KeySigner
	refuse  bool
	tamper  bool
	chainID *big.Int
}

type fakeTxArgs struct {
	From                 common.Address  `json:"from"`
	To                   *common.Address `json:"to"`
	Gas                  hexutil.Uint64  `json:"gas"`
	MaxFeePerGas         *hexutil.Big    `json:"maxFeePerGas"`
	MaxPriorityFeePerGas *hexutil.Big    `json:"maxPriorityFeePerGas"`
	Value                *hexutil.Big    `json:"value"`
	Nonce                hexutil.Uint64  `json:"nonce"`
	Data                 hexutil.Bytes   `json:"data"`
	ChainID              *hexutil.Big    `json:"chainId"`
}

func (f *fakeEthSigner) Accounts() []common.Address { return []common.Address{f.signer.Address()} }

func (f *fakeEthSigner) SignTransaction(args fakeTxArgs) (map[string]any, error) {
	if f.refuse {
		return nil, errors.New("authentication needed: password or unlock")
	}
	if args.From != f.signer.Address() {
		return nil, errors.New("unknown account")
	}
	nonce := uint64(args.Nonce)
	if f.tamper {
		nonce++
	}
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: args.ChainID.ToInt(), Nonce: nonce,
		GasTipCap: args.MaxPriorityFeePerGas.ToInt(), GasFeeCap: args.MaxFeePerGas.ToInt(), Gas: uint64(args.Gas),
		To: args.To, Value: args.Value.ToInt(), Data: args.Data})
	signed, err := f.signer.SignTx(tx, args.ChainID.ToInt())
	if err != nil {
		return nil, err
	}
	raw, err := signed.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return map[string]any{"raw": hexutil.Bytes(raw), "tx": signed}, nil
}

// startFakeEthSigner serves f over HTTP JSON-RPC and returns its URL.
func startFakeEthSigner(t *testing.T, f *fakeEthSigner) string {
	t.Helper()
	srv := rpc.NewServer()
	require.NoError(t, srv.RegisterName("eth", f))
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Stop()
	})
	return hs.URL
}

// TestEthSignTransactionSigner checks the "eth" dialect against a signer
// backed by a real key: it signs; a JSON-RPC error is a refusal carrying
// the signer's words; a transaction other than the one asked for, or from
// another account, is refused too; an unreachable signer is not a refusal.
func TestEthSignTransactionSigner(t *testing.T) {
	t.Parallel()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	ks, err := evm.NewKeySigner(key)
	require.NoError(t, err)
	chainID := big.NewInt(31337)
	registry := common.HexToAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3")
	f := &fakeEthSigner{signer: ks, chainID: chainID}
	url := startFakeEthSigner(t, f)
	ctx := context.Background()

	signer, err := evm.DialExternalSigner(ctx, url, ks.Address(), evm.ExternalSignerOptions{API: evm.SignerAPIEth})
	require.NoError(t, err)
	defer signer.Close()
	require.NoError(t, signer.Ping(ctx), "the signer lists our account")
	tx := unsignedTx(chainID, 4, registry, evm.AnchorBatchData(common.Hash{9}, 3))
	signed, err := signer.SignTx(tx, chainID)
	require.NoError(t, err)
	requireSignedAsAsked(t, tx, signed, chainID, ks.Address())

	f.tamper = true
	_, err = signer.SignTx(tx, chainID)
	require.True(t, evm.IsRefusal(err), "%v", err)
	require.ErrorContains(t, err, "nonce differs")
	f.tamper = false

	f.refuse = true
	_, err = signer.SignTx(tx, chainID)
	require.True(t, evm.IsRefusal(err), "%v", err)
	require.ErrorContains(t, err, "authentication needed")
	f.refuse = false

	other, err := crypto.GenerateKey()
	require.NoError(t, err)
	wrong, err := evm.DialExternalSigner(ctx, url, crypto.PubkeyToAddress(other.PublicKey), evm.ExternalSignerOptions{API: evm.SignerAPIEth})
	require.NoError(t, err)
	defer wrong.Close()
	require.ErrorContains(t, wrong.Ping(ctx), "does not list account")
	_, err = wrong.SignTx(tx, chainID)
	require.True(t, evm.IsRefusal(err), "%v", err)
	require.ErrorContains(t, err, "unknown account")

	down, err := evm.DialExternalSigner(ctx, "http://127.0.0.1:1", ks.Address(), evm.ExternalSignerOptions{API: evm.SignerAPIEth})
	require.NoError(t, err)
	defer down.Close()
	require.Error(t, down.Ping(ctx))
	_, err = down.SignTx(tx, chainID)
	require.Error(t, err)
	require.False(t, evm.IsRefusal(err), "an unreachable signer may come back: %v", err)

	_, err = evm.DialExternalSigner(ctx, url, ks.Address(), evm.ExternalSignerOptions{API: "web3"})
	require.ErrorContains(t, err, "unknown API")
}
