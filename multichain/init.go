package multichain

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// InitReport says what Init did and what it found already in place.
type InitReport struct {
	Created    bool        // the stream was created by this run
	CreateTxID common.Hash // its creating transaction, if Created
	Granted    []string    // permissions granted to From by this run
	Steps      []string    // one line per step, for the command's output
}

// Init prepares the chain for anchoring, idempotently: it checks the node
// serves ChainName; creates Stream write-restricted (create ["stream",
// name, false]) unless it exists — an existing open stream is an ECONFLICT
// error, since anyone with send could write to it; subscribes the node to
// it (reads answer -703 until then); and grants From "send" and
// "<stream>.write" where it lacks them. Each permission the node's own
// address lacks to do so is an EFORBIDDEN error naming the permission and
// the grant an admin has to make instead.
func (a *Adapter) Init(ctx context.Context) (*InitReport, error) {
	rep := &InitReport{}
	if err := a.checkChain(ctx); err != nil {
		return rep, err
	}
	rep.Steps = append(rep.Steps, "chain "+a.opts.ChainName+" at "+a.rpc.Host())
	if err := a.CheckWallet(ctx); err != nil {
		return rep, err
	}
	rep.Steps = append(rep.Steps, a.opts.From+" is in the node's wallet")

	s := a.opts.Stream
	info, err := a.rpc.Stream(ctx, s)
	switch {
	case errors.Is(err, ErrStreamNotFound):
		txid, err := a.rpc.CreateStream(ctx, s, false)
		switch {
		case errors.Is(err, ErrAlreadyExists):
			rep.Steps = append(rep.Steps, "stream "+s+" was created meanwhile by someone else")
			if info, err = a.rpc.Stream(ctx, s); err != nil {
				return rep, fmt.Errorf("read stream %s: %w", s, err)
			}
		case errors.Is(err, ErrNoPermission):
			return rep, fmt.Errorf("%w: %w", ledger.Errorf(ledger.EFORBIDDEN,
				"the node's own address may not create streams: an admin must run `grant <that address> create` (or create stream %s write-restricted: create stream %s false)", s, s), err)
		case err != nil:
			return rep, fmt.Errorf("create stream %s: %w", s, err)
		default:
			rep.Created, rep.CreateTxID = true, txid
			rep.Steps = append(rep.Steps, "created stream "+s+" (write-restricted), txid "+TxIDString(txid))
		}
	case err != nil:
		return rep, fmt.Errorf("read stream %s: %w", s, err)
	default:
		rep.Steps = append(rep.Steps, "stream "+s+" exists")
	}
	if info != nil && !info.Restrict.Write {
		return rep, ledger.Errorf(ledger.ECONFLICT, "stream %s exists but is open: any address with send may publish to it, so its items prove nothing; choose another MULTICHAIN_STREAM", s)
	}

	if err := a.rpc.Subscribe(ctx, s); err != nil {
		return rep, fmt.Errorf("subscribe to stream %s: %w", s, err)
	}
	rep.Steps = append(rep.Steps, "node subscribed to "+s)

	for _, perm := range []string{"send", s + ".write"} {
		has, err := a.rpc.HasPermission(ctx, a.opts.From, perm)
		if err != nil {
			return rep, fmt.Errorf("read permission %s of %s: %w", perm, a.opts.From, err)
		}
		if has {
			rep.Steps = append(rep.Steps, a.opts.From+" has "+perm)
			continue
		}
		txid, err := a.rpc.Grant(ctx, a.opts.From, perm)
		switch {
		case errors.Is(err, ErrNoPermission):
			return rep, fmt.Errorf("%w: %w", ledger.Errorf(ledger.EFORBIDDEN,
				"%s lacks %s and the node's own address may not grant it (that needs %s): an admin must run `grant %s %s`",
				a.opts.From, perm, grantRight(perm, s), a.opts.From, perm), err)
		case err != nil:
			return rep, fmt.Errorf("grant %s to %s: %w", perm, a.opts.From, err)
		}
		rep.Granted = append(rep.Granted, perm)
		rep.Steps = append(rep.Steps, "granted "+perm+" to "+a.opts.From+", txid "+TxIDString(txid))
	}
	return rep, nil
}

// grantRight names the permission needed to grant perm.
func grantRight(perm, stream string) string {
	if perm == "send" {
		return "admin or activate"
	}
	return "admin or " + stream + ".admin"
}

// Check reports whether the adapter can anchor now, without changing
// anything: the node serves ChainName, From's private key is in the node's
// wallet (CheckWallet), the stream exists write-restricted, the node is
// subscribed, and From holds send and <stream>.write. Its error says what
// is missing; serve calls it at start.
func (a *Adapter) Check(ctx context.Context) error {
	if err := a.checkChain(ctx); err != nil {
		return err
	}
	if err := a.CheckWallet(ctx); err != nil {
		return err
	}
	s := a.opts.Stream
	info, err := a.rpc.Stream(ctx, s)
	if err != nil {
		return a.readError(err)
	}
	switch {
	case !info.Restrict.Write:
		return ledger.Errorf(ledger.ECONFLICT, "stream %s is open to any sender: choose a write-restricted stream", s)
	case !info.Subscribed:
		return ledger.Errorf(ledger.ECONFLICT, "the node is not subscribed to stream %s: run aartha multichain init", s)
	}
	for _, perm := range []string{"send", s + ".write"} {
		has, err := a.rpc.HasPermission(ctx, a.opts.From, perm)
		if err != nil {
			return fmt.Errorf("read permission %s of %s: %w", perm, a.opts.From, err)
		}
		if !has {
			return ledger.Errorf(ledger.EFORBIDDEN, "%s lacks %s: run aartha multichain init", a.opts.From, perm)
		}
	}
	return nil
}

func (a *Adapter) checkChain(ctx context.Context) error {
	info, err := a.rpc.BlockchainInfo(ctx)
	if err != nil {
		return fmt.Errorf("read chain info: %w", err)
	}
	if info.ChainName != a.opts.ChainName {
		return ledger.Errorf(ledger.EINVALID, "the node at %s serves chain %q but MULTICHAIN_CHAIN_NAME is %q", a.rpc.Host(), info.ChainName, a.opts.ChainName)
	}
	return nil
}

// CheckWallet reports whether the node can sign for From: validateaddress
// must call it valid on this chain and ismine (a node without
// validateaddress is asked getaddresses). A key not in the wallet is a
// permanent EINVALID configuration error naming MULTICHAIN_FROM_ADDRESS —
// every publish would fail with -709. A wallet that does not answer in
// time while chain reads do is an EUNAVAILABLE error saying so.
func (a *Adapter) CheckWallet(ctx context.Context) error {
	info, err := a.rpc.ValidateAddress(ctx, a.opts.From)
	switch {
	case errors.Is(err, ErrMethodNotFound):
		addrs, err := a.rpc.Addresses(ctx)
		if err != nil {
			return a.walletError("getaddresses", err)
		}
		if !slices.Contains(addrs, a.opts.From) {
			return notInWallet(a.opts.From, a.rpc.Host())
		}
		return nil
	case err != nil:
		return a.walletError("validateaddress", err)
	case !info.IsValid:
		return permanentError{ledger.Errorf(ledger.EINVALID, "MULTICHAIN_FROM_ADDRESS %s is not an address of chain %s (validateaddress: isvalid false)", a.opts.From, a.opts.ChainName)}
	case !info.IsMine:
		return notInWallet(a.opts.From, a.rpc.Host())
	}
	return nil
}

// walletError explains a wallet call that failed.
func (a *Adapter) walletError(method string, err error) error {
	var te *TransportError
	if (errors.As(err, &te) && te.Timeout()) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ledger.Errorf(ledger.EUNAVAILABLE,
			"the node at %s answers chain calls but its wallet did not answer %s in time: the wallet may be busy (rescanning) or stuck; restart multichaind if it lasts", a.rpc.Host(), method), err)
	}
	return fmt.Errorf("ask the node's wallet about %s (%s): %w", a.opts.From, method, err)
}

// notInWallet is the configuration error of a publisher whose private key
// the node does not hold (what publishfrom answers with -709).
func notInWallet(from, host string) error {
	return permanentError{ledger.Errorf(ledger.EINVALID,
		"the private key of MULTICHAIN_FROM_ADDRESS %s is not in the wallet of the node at %s: publishing would fail (-709). Import it there (importprivkey) or choose an address the node's wallet holds (getaddresses)", from, host)}
}
