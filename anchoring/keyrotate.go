package anchoring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/evm"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/txmgr"
)

// RotateRequest is what `aartha keys rotate` asks for: the new anchoring
// account (from its keystore, or its address) and the registry's admin
// key (a keystore with its passphrase in a file, or an external signer).
type RotateRequest struct {
	NewKeystore, NewAddress                string
	AdminKeystore, AdminPassFile           string
	AdminSignerURL, AdminAddress, AdminAPI string
	// Poll is how often the chain and the sender lock are looked at.
	Poll time.Duration
	// Actor is who the audit rows name.
	Actor ledger.Actor
	// Out receives one line per step.
	Out io.Writer
}

// rotation is one run of RotateKey.
type rotation struct {
	cfg      *config.Config
	db       *store.DB
	client   *evm.Client
	registry *evm.Registry
	network  string
	old      txmgr.Signer
	newAddr  common.Address
	admin    *txmgr.Manager
	adminAt  common.Address
	out      io.Writer
	poll     time.Duration
	actor    ledger.Actor
	log      *slog.Logger
}

// RotateKey moves the registry's ANCHORER_ROLE from the configured key to
// req's new account without stopping anchoring: grant the new account the
// role (signed by the admin key); wait until no process sends for the old
// key (the service restarted with the new key), then, holding the old
// key's sender lock, finish every unfinished transaction of the old key;
// revoke the old account's role. Each step is audited and told to req.Out;
// running it again after an interruption skips the steps done. openStore
// opens the (current) store once the inputs are checked.
func RotateKey(ctx context.Context, cfg *config.Config, openStore func(context.Context, *config.Config) (*store.DB, error), req RotateRequest) error {
	f, out := req, req.Out
	if out == nil {
		out = io.Discard
	}
	if cfg.RPCURL == "" || cfg.ContractAddress == "" {
		return errors.New("keys rotate works on a deployed registry: set BLOCKCHAIN_RPC_URL and BLOCKCHAIN_CONTRACT_ADDRESS")
	}
	newAddr, err := newAccount(f)
	if err != nil {
		return err
	}
	r := &rotation{cfg: cfg, newAddr: newAddr, out: out, poll: f.Poll, actor: req.Actor,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if r.old, err = Signer(ctx, cfg); err != nil {
		return err
	}
	if r.old.Address() == newAddr {
		return fmt.Errorf("the new account %s is the configured one: nothing to rotate", newAddr.Hex())
	}
	adminSigner, err := adminSigner(ctx, f)
	if err != nil {
		return err
	}
	r.adminAt = adminSigner.Address()
	if r.adminAt == r.old.Address() || r.adminAt == newAddr {
		return errors.New("the admin key must be another key than the anchoring ones (it signs with its own nonces)")
	}
	if r.db, err = openStore(ctx, cfg); err != nil {
		return err
	}
	defer r.db.Close()
	r.client, err = evm.Dial(ctx, cfg.RPCURL, cfg.RPCURLBackup, evm.ClientOptions{})
	if err != nil {
		return err
	}
	defer r.client.Close()
	chainID, err := r.client.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("ask the chain its id: %w", err)
	}
	r.network = "eip155:" + chainID.String()
	r.registry = evm.NewRegistry(r.client, common.HexToAddress(cfg.ContractAddress))
	if err := r.registry.CheckCode(ctx); err != nil {
		return err
	}
	isAdmin, err := r.registry.HasRole(ctx, evm.AdminRole, r.adminAt)
	if err != nil {
		return err
	}
	if !isAdmin {
		return fmt.Errorf("%s does not hold the registry's DEFAULT_ADMIN_ROLE: give the admin key", r.adminAt.Hex())
	}
	if r.admin, err = txmgr.New(txmgr.Config{
		Chain: r.client, Signer: adminSigner, Journal: txmgr.NewMemJournal(nil),
		Policy: r.policy(), PollInterval: f.Poll, Log: r.log,
	}); err != nil {
		return err
	}

	old := r.old.Address()
	fmt.Fprintf(out, "Rotating the anchoring key of registry %s on %s: %s -> %s\n", r.registry.Address().Hex(), r.network, old.Hex(), newAddr.Hex())
	if err := r.grant(ctx); err != nil {
		return err
	}
	release, err := r.drain(ctx)
	if err != nil {
		return err
	}
	defer release()
	if err := r.revoke(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "Done: %s anchors; %s no longer can.\n", newAddr.Hex(), old.Hex())
	return nil
}

// newAccount reads the new account from the request.
func newAccount(f RotateRequest) (common.Address, error) {
	switch {
	case f.NewKeystore != "" && f.NewAddress != "":
		return common.Address{}, errors.New("give the new key with --new-keystore or --new-address, not both")
	case f.NewKeystore != "":
		return evm.KeystoreAddress(f.NewKeystore)
	case common.IsHexAddress(f.NewAddress):
		return common.HexToAddress(f.NewAddress), nil
	case f.NewAddress != "":
		return common.Address{}, errors.New("--new-address must be 0x followed by 40 hex digits")
	}
	return common.Address{}, errors.New("give the new key with --new-keystore FILE or --new-address ADDRESS")
}

// adminSigner builds the admin key's signer from the request.
func adminSigner(ctx context.Context, f RotateRequest) (txmgr.Signer, error) {
	switch {
	case f.AdminKeystore != "" && f.AdminSignerURL != "":
		return nil, errors.New("give the admin key with --admin-keystore or --admin-signer-url, not both")
	case f.AdminKeystore != "":
		if f.AdminPassFile == "" {
			return nil, errors.New("give the admin keystore's passphrase in a file: --admin-passphrase-file")
		}
		pass, err := os.ReadFile(f.AdminPassFile)
		if err != nil {
			return nil, fmt.Errorf("read the admin passphrase: %w", err)
		}
		s, err := evm.LoadKeystore(f.AdminKeystore, strings.TrimRight(string(pass), "\r\n"))
		if err != nil {
			return nil, fmt.Errorf("admin key: %w", err)
		}
		return s, nil
	case f.AdminSignerURL != "":
		if !common.IsHexAddress(f.AdminAddress) {
			return nil, errors.New("--admin-signer-url needs --admin-address, the admin account (0x + 40 hex digits)")
		}
		s, err := evm.DialExternalSigner(ctx, f.AdminSignerURL, common.HexToAddress(f.AdminAddress),
			evm.ExternalSignerOptions{API: f.AdminAPI, Timeout: 10 * time.Minute})
		if err != nil {
			return nil, fmt.Errorf("admin signer: %w", err)
		}
		return s, nil
	}
	return nil, errors.New("give the registry's admin key: --admin-keystore FILE --admin-passphrase-file FILE, or --admin-signer-url URL --admin-address ADDRESS")
}

// policy is the service's sending policy, for the admin's and the old
// key's transactions alike.
func (r *rotation) policy() txmgr.Policy { return TxPolicy(r.cfg) }

// grant is step 1: ANCHORER_ROLE for the new account.
func (r *rotation) grant(ctx context.Context) error {
	has, err := r.registry.HasRole(ctx, evm.AnchorerRole, r.newAddr)
	if err != nil {
		return err
	}
	if has {
		fmt.Fprintf(r.out, "1/3 %s already holds ANCHORER_ROLE\n", r.newAddr.Hex())
		return r.audit(ctx, ledger.ActionKeysRotateGrant, r.newAddr, map[string]any{"role": "ANCHORER_ROLE", "account": r.newAddr.Hex(), "already": true}, nil)
	}
	res, err := r.adminSend(ctx, "grant", r.newAddr, evm.GrantRoleData(evm.AnchorerRole, r.newAddr))
	if err != nil {
		return fmt.Errorf("grant ANCHORER_ROLE to %s: %w", r.newAddr.Hex(), err)
	}
	fmt.Fprintf(r.out, "1/3 granted ANCHORER_ROLE to %s (tx %s, block %d)\n", r.newAddr.Hex(), res.Inclusion.TxHash.Hex(), res.Inclusion.BlockNumber)
	return r.audit(ctx, ledger.ActionKeysRotateGrant, r.newAddr, map[string]any{"role": "ANCHORER_ROLE", "account": r.newAddr.Hex(), "admin": r.adminAt.Hex()}, res.Inclusion)
}

// drain is step 2: once no service process holds the old key's sender
// lock, take it and finish every unfinished send of the old key. The lock
// is kept (the returned release) until the role is revoked, so nothing
// starts sending for the old key again in between.
func (r *rotation) drain(ctx context.Context) (release func(), err error) {
	old := r.old.Address()
	said := false
	for {
		release, err = r.db.LockSender(ctx, old.Hex())
		if err == nil {
			break
		}
		if ledger.ErrorCode(err) != ledger.EUNAVAILABLE {
			return nil, err
		}
		if !said {
			fmt.Fprintf(r.out, "2/3 waiting for the service to stop sending for %s: restart every replica with the new key's configuration\n", old.Hex())
			said = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the service to let go of %s: %w", old.Hex(), ctx.Err())
		case <-time.After(r.poll):
		}
	}
	defer func() {
		if err != nil {
			release()
			release = nil
		}
	}()
	manager, err := txmgr.New(txmgr.Config{Chain: r.client, Signer: r.old, Journal: r.db.TxJournal(),
		Policy: r.policy(), PollInterval: r.poll, Log: r.log})
	if err != nil {
		return nil, err
	}
	finished, failed := 0, 0
	for {
		unfinished, err := r.db.TxJournal().Unfinished(ctx, old)
		if err != nil {
			return nil, fmt.Errorf("read the old key's unfinished transactions: %w", err)
		}
		if len(unfinished) == 0 {
			break
		}
		for _, rec := range unfinished {
			fmt.Fprintf(r.out, "    finishing %s (%s)\n", rec.Key, rec.Phase)
			_, err := manager.Resume(ctx, rec.Key, nil)
			switch {
			case errors.Is(err, txmgr.ErrFailed):
				failed++
			case err != nil:
				return nil, fmt.Errorf("finish %s: %w", rec.Key, err)
			default:
				finished++
			}
		}
	}
	fmt.Fprintf(r.out, "2/3 drained %s: no unfinished transactions left (%d finished now, %d failed)\n", old.Hex(), finished, failed)
	if err := r.audit(ctx, ledger.ActionKeysRotateDrain, old, map[string]any{"signer": old.Hex(), "finished": finished, "failed": failed}, nil); err != nil {
		return nil, err
	}
	return release, nil
}

// revoke is step 3: the old account loses ANCHORER_ROLE.
func (r *rotation) revoke(ctx context.Context) error {
	old := r.old.Address()
	has, err := r.registry.HasRole(ctx, evm.AnchorerRole, old)
	if err != nil {
		return err
	}
	if !has {
		fmt.Fprintf(r.out, "3/3 %s holds no ANCHORER_ROLE any more\n", old.Hex())
		return r.audit(ctx, ledger.ActionKeysRotateRevoke, old, map[string]any{"role": "ANCHORER_ROLE", "account": old.Hex(), "already": true}, nil)
	}
	res, err := r.adminSend(ctx, "revoke", old, evm.RevokeRoleData(evm.AnchorerRole, old))
	if err != nil {
		return fmt.Errorf("revoke ANCHORER_ROLE of %s: %w", old.Hex(), err)
	}
	fmt.Fprintf(r.out, "3/3 revoked ANCHORER_ROLE of %s (tx %s, block %d)\n", old.Hex(), res.Inclusion.TxHash.Hex(), res.Inclusion.BlockNumber)
	return r.audit(ctx, ledger.ActionKeysRotateRevoke, old, map[string]any{"role": "ANCHORER_ROLE", "account": old.Hex(), "admin": r.adminAt.Hex()}, res.Inclusion)
}

// adminSend sends one registry call signed by the admin key and waits
// until it is final.
func (r *rotation) adminSend(ctx context.Context, what string, account common.Address, data []byte) (txmgr.Result, error) {
	key := "keys-rotate:" + what + ":" + strings.ToLower(account.Hex())
	return r.admin.Send(ctx, txmgr.Request{Key: key, To: r.registry.Address(), Data: data}, nil)
}

// audit appends one step's audit row.
func (r *rotation) audit(ctx context.Context, action string, account common.Address, after map[string]any, inc *txmgr.Inclusion) error {
	b, err := json.Marshal(after)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	e := &ledger.AuditEntry{At: time.Now().UTC(), Actor: r.actor, Action: action,
		Entity: "signer", EntityID: strings.ToLower(account.Hex()), After: b}
	if inc != nil {
		e.Chain = &ledger.ChainWrite{Network: r.network, Contract: r.registry.Address().Hex(), TxHash: inc.TxHash.Hex(), GasUsed: inc.GasUsed}
		if inc.EffectiveGasPrice != nil {
			e.Chain.GasPriceWei = inc.EffectiveGasPrice.String()
			e.Chain.TotalCostWei = new(big.Int).Mul(inc.EffectiveGasPrice, new(big.Int).SetUint64(inc.GasUsed)).String()
		}
	}
	if err := r.db.InTx(ctx, func(tx ledger.Tx) error { return tx.AppendAudit(ctx, e) }); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
