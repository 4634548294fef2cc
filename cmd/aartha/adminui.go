package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/doctor"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/ui"
	"github.com/aartha/ledger/verifier"
)

// HeadBlock is the chain's latest block number (ui.Chain).
func (a *anchoring) HeadBlock(ctx context.Context) (uint64, error) {
	if a.mc != nil {
		return a.mc.Head(ctx)
	}
	return a.client.BlockNumber(ctx)
}

// SignerBalance is the anchoring account and its balance in wei (ui.Chain).
// A MultiChain publisher has none: ui.ErrNoBalance.
func (a *anchoring) SignerBalance(ctx context.Context) (common.Address, *big.Int, error) {
	if a.mc != nil {
		return a.mc.Publisher(), nil, ui.ErrNoBalance
	}
	bal, err := a.client.BalanceAt(ctx, a.signer, nil)
	if err != nil {
		return a.signer, nil, fmt.Errorf("signer balance: %w", err)
	}
	return a.signer, bal, nil
}

// Stream is the MultiChain stream anchors go to, "" on an EVM chain
// (ui.StreamChain).
func (a *anchoring) Stream() string {
	if a.mc != nil {
		return a.mc.Stream()
	}
	return ""
}

var (
	_ ui.Chain       = (*anchoring)(nil)
	_ ui.StreamChain = (*anchoring)(nil)
)

// newAdminUI builds the admin web UI on the API's own service, store,
// chain, authenticator and rate limiter. anch is nil when anchoring is off.
func newAdminUI(cfg *config.Config, api *aarthahttp.API, db *store.DB, anch *anchoring, log *slog.Logger) (*ui.UI, error) {
	acfg := api.Config()
	ucfg := ui.Config{
		Loans: acfg.Loans, Store: db, Auth: acfg.Auth, Limiter: acfg.Limiter, Maintenance: db,
		LoginLimit: acfg.Limits.Login, ChainWriteLimit: acfg.Limits.ChainWrites, VerifyLimit: acfg.Limits.Verify,
		ExplorerURL: cfg.ExplorerURL, AnchorMode: cfg.AnchorMode, OfflinePage: verifier.Page(), PublicURL: cfg.APIBaseURL,
		SecureCookies: strings.HasPrefix(cfg.AdminPanelURL, "https://"),
		Log:           log, AuditLog: acfg.AuditLog,
	}
	if anch != nil {
		ucfg.Chain = anch
	}
	ucfg.Doctor = func(ctx context.Context) []ui.DoctorCheck {
		rep := doctor.Run(ctx, runningDoctorDeps(cfg, db, anch), 5*time.Second)
		checks := make([]ui.DoctorCheck, len(rep.Checks))
		for i, c := range rep.Checks {
			checks[i] = ui.DoctorCheck{Name: c.Name, Status: string(c.Status), Detail: c.Detail, Hint: c.Hint}
		}
		return checks
	}
	return ui.New(ucfg)
}
