package evm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/aartha/ledger/txmgr"
)

// The JSON-RPC dialects an external signer may speak.
const (
	// SignerAPIClef is Clef's external API: account_signTransaction, with
	// the called method's signature passed along so that Clef can show and
	// check the call data.
	SignerAPIClef = "clef"
	// SignerAPIEth is eth_signTransaction, as geth (with an unlocked
	// account) and most remote signers serve it.
	SignerAPIEth = "eth"
)

// ErrSignerRefused is wrapped by every error of a signer that answered and
// declined to sign: a Clef rule or operator said no, the account is not
// the signer's, or the signer returned something other than what was asked.
// Asking again will not help.
var ErrSignerRefused = errors.New("signer refused to sign")

// RefusalError is a signer's refusal, carrying the signer's own words.
// Permanent reports true, so the worker fails the anchor at once.
type RefusalError struct {
	Signer string // where the signer is, e.g. "127.0.0.1:8550"
	Reason string // what the signer said, e.g. "request denied"
}

func (e *RefusalError) Error() string {
	return "signer " + e.Signer + " refused to sign: " + e.Reason
}

// Unwrap makes errors.Is(err, ErrSignerRefused) hold.
func (e *RefusalError) Unwrap() error { return ErrSignerRefused }

// SignerRefused marks the error as a refusal for packages that cannot
// import this one (the transaction manager).
func (e *RefusalError) SignerRefused() {}

// Permanent reports that retrying cannot help.
func (e *RefusalError) Permanent() bool { return true }

// IsRefusal reports whether err is (or wraps) a signer's refusal.
func IsRefusal(err error) bool { return errors.Is(err, ErrSignerRefused) }

// ExternalSignerOptions tunes an ExternalSigner. Zero values take the
// documented defaults.
type ExternalSignerOptions struct {
	// API is SignerAPIClef (default) or SignerAPIEth.
	API string
	// Timeout bounds one signing request; default 2 minutes, long enough
	// for an operator to approve by hand in Clef's console.
	Timeout time.Duration
	// MethodSignature names the function call data invokes, e.g.
	// "storeLoan(bytes32,bytes32,address,address)", for Clef to check the
	// data against; default RegistryMethodSignature. Only Clef reads it.
	MethodSignature func(data []byte) (string, bool)
}

// ExternalSigner asks a signer in another process — Clef, or anything that
// serves eth_signTransaction — to sign, so that this process never holds
// the key. It checks that what comes back is signed by the configured
// account and is exactly the transaction it asked for.
//
// Errors: a JSON-RPC error from the signer (Clef's "request denied", a rule
// rejecting the transaction, an unknown account) and a signed transaction
// that differs from the request are a *RefusalError; a signer that cannot
// be reached is an ordinary error, worth retrying. It is safe for
// concurrent use.
type ExternalSigner struct {
	client  *rpc.Client
	where   string
	addr    common.Address
	api     string
	timeout time.Duration
	method  func([]byte) (string, bool)
}

// DialExternalSigner connects to the signer at rawURL (http, https, ws or
// an IPC path) that holds the key of addr. It does not ask the signer
// anything yet: Clef would ask its operator to approve even an account
// listing.
func DialExternalSigner(ctx context.Context, rawURL string, addr common.Address, opts ExternalSignerOptions) (*ExternalSigner, error) {
	if addr == (common.Address{}) {
		return nil, errors.New("external signer: no account address")
	}
	switch opts.API {
	case "":
		opts.API = SignerAPIClef
	case SignerAPIClef, SignerAPIEth:
	default:
		return nil, fmt.Errorf("external signer: unknown API %q (want %q or %q)", opts.API, SignerAPIClef, SignerAPIEth)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.MethodSignature == nil {
		opts.MethodSignature = RegistryMethodSignature
	}
	where := rawURL
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		where = u.Host // never user:password@ or a token in the query
	}
	client, err := rpc.DialContext(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("external signer %s: %w", where, err)
	}
	return &ExternalSigner{client: client, where: where, addr: addr, api: opts.API,
		timeout: opts.Timeout, method: opts.MethodSignature}, nil
}

// Address is the account the signer signs for.
func (s *ExternalSigner) Address() common.Address { return s.addr }

// String names the signer and its account.
func (s *ExternalSigner) String() string {
	return "ExternalSigner(" + s.api + " at " + s.where + ", " + s.addr.Hex() + ")"
}

// Ping asks the signer something that needs no approval, to learn that it
// answers: Clef's account_version; for the eth dialect eth_accounts, which
// must list our account. It signs nothing.
func (s *ExternalSigner) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if s.api == SignerAPIClef {
		var version string
		if err := s.client.CallContext(ctx, &version, "account_version"); err != nil {
			return fmt.Errorf("external signer %s: account_version: %w", s.where, err)
		}
		return nil
	}
	var accounts []common.Address
	if err := s.client.CallContext(ctx, &accounts, "eth_accounts"); err != nil {
		return fmt.Errorf("external signer %s: eth_accounts: %w", s.where, err)
	}
	for _, a := range accounts {
		if a == s.addr {
			return nil
		}
	}
	return fmt.Errorf("external signer %s does not list account %s", s.where, s.addr.Hex())
}

// Close closes the connection to the signer.
func (s *ExternalSigner) Close() { s.client.Close() }

// signTxArgs is the transaction as both account_signTransaction and
// eth_signTransaction take it. Addresses go out checksummed: Clef warns
// about (and so refuses) a recipient without a valid checksum.
type signTxArgs struct {
	From                 string         `json:"from"`
	To                   *string        `json:"to,omitempty"`
	Gas                  hexutil.Uint64 `json:"gas"`
	MaxFeePerGas         *hexutil.Big   `json:"maxFeePerGas"`
	MaxPriorityFeePerGas *hexutil.Big   `json:"maxPriorityFeePerGas"`
	Value                *hexutil.Big   `json:"value"`
	Nonce                hexutil.Uint64 `json:"nonce"`
	Data                 hexutil.Bytes  `json:"data"`
	ChainID              *hexutil.Big   `json:"chainId"`
}

// signTxResult is the answer of both methods.
type signTxResult struct {
	Raw hexutil.Bytes `json:"raw"`
}

// SignTx asks the signer to sign tx, an EIP-1559 transaction, for chainID.
// See the type's comment for the error contract.
func (s *ExternalSigner) SignTx(tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	if tx.Type() != types.DynamicFeeTxType {
		return nil, fmt.Errorf("external signer: only EIP-1559 transactions, not type %d", tx.Type())
	}
	args := signTxArgs{
		From:                 s.addr.Hex(),
		Gas:                  hexutil.Uint64(tx.Gas()),
		MaxFeePerGas:         (*hexutil.Big)(tx.GasFeeCap()),
		MaxPriorityFeePerGas: (*hexutil.Big)(tx.GasTipCap()),
		Value:                (*hexutil.Big)(tx.Value()),
		Nonce:                hexutil.Uint64(tx.Nonce()),
		Data:                 tx.Data(),
		ChainID:              (*hexutil.Big)(chainID),
	}
	if tx.To() != nil {
		to := tx.To().Hex()
		args.To = &to
	}
	params := []any{args}
	method := "eth_signTransaction"
	if s.api == SignerAPIClef {
		method = "account_signTransaction"
		if sig, ok := s.method(tx.Data()); ok && tx.To() != nil {
			params = append(params, sig)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	var res signTxResult
	if err := s.client.CallContext(ctx, &res, method, params...); err != nil {
		var rpcErr rpc.Error
		if errors.As(err, &rpcErr) {
			return nil, &RefusalError{Signer: s.where, Reason: err.Error()}
		}
		return nil, fmt.Errorf("external signer %s: %s: %w", s.where, method, err)
	}
	signed := new(types.Transaction)
	if err := signed.UnmarshalBinary(res.Raw); err != nil {
		return nil, &RefusalError{Signer: s.where, Reason: "returned no valid signed transaction: " + err.Error()}
	}
	if err := s.check(tx, chainID, signed); err != nil {
		return nil, err
	}
	return signed, nil
}

// check makes sure the signer signed exactly the transaction asked for,
// from the configured account (Clef's operator may edit a request before
// approving it; that is a refusal of what we asked).
func (s *ExternalSigner) check(want *types.Transaction, chainID *big.Int, got *types.Transaction) error {
	refuse := func(what string) error {
		return &RefusalError{Signer: s.where, Reason: "signed a different transaction than asked: " + what + " differs"}
	}
	switch {
	case got.Type() != want.Type():
		return refuse("type")
	case got.ChainId().Cmp(chainID) != 0:
		return refuse("chain id")
	case got.Nonce() != want.Nonce():
		return refuse("nonce")
	case got.Gas() != want.Gas():
		return refuse("gas limit")
	case got.GasFeeCap().Cmp(want.GasFeeCap()) != 0 || got.GasTipCap().Cmp(want.GasTipCap()) != 0:
		return refuse("fee")
	case got.Value().Cmp(want.Value()) != 0:
		return refuse("value")
	case !bytes.Equal(got.Data(), want.Data()):
		return refuse("data")
	case (got.To() == nil) != (want.To() == nil) || (got.To() != nil && *got.To() != *want.To()):
		return refuse("recipient")
	}
	from, err := types.Sender(types.LatestSignerForChainID(chainID), got)
	if err != nil {
		return &RefusalError{Signer: s.where, Reason: "returned a transaction with an invalid signature: " + err.Error()}
	}
	if from != s.addr {
		return &RefusalError{Signer: s.where, Reason: "signed with account " + from.Hex() + ", not " + s.addr.Hex()}
	}
	return nil
}

// RegistryMethodSignature names the LoanRegistry function that data calls,
// e.g. "anchorBatch(bytes32,uint32)"; false if data calls none.
func RegistryMethodSignature(data []byte) (string, bool) {
	if len(data) < 4 {
		return "", false
	}
	parsed := abiRegistry.GetABI()
	m, err := parsed.MethodById(data[:4])
	if err != nil {
		return "", false
	}
	return m.Sig, true
}

var (
	_ txmgr.Signer = (*KeySigner)(nil)
	_ txmgr.Signer = (*ExternalSigner)(nil)
	_ txmgr.Chain  = (*Client)(nil)
)
