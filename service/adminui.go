package service

import (
	"context"
	"log/slog"
	"strings"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/doctor"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store"
	"github.com/aartha/ledger/ui"
	"github.com/aartha/ledger/verifier"
)

var (
	_ ui.Chain       = (*anchoring.Running)(nil)
	_ ui.StreamChain = (*anchoring.Running)(nil)
)

// newAdminUI builds the admin web UI on the API's own service, store,
// chain, authenticator and rate limiter. anch is nil when anchoring is off.
func newAdminUI(cfg *config.Config, api *aarthahttp.API, db *store.DB, anch *anchoring.Running, log *slog.Logger) (*ui.UI, error) {
	acfg := api.Config()
	ucfg := ui.Config{
		Loans: acfg.Loans, Store: db, Auth: acfg.Auth, Limiter: acfg.Limiter, Maintenance: db,
		LoginLimit: acfg.Limits.Login, LoginAccountLimit: acfg.Limits.LoginAccount, ChainWriteLimit: acfg.Limits.ChainWrites, VerifyLimit: acfg.Limits.Verify,
		ExplorerURL: cfg.ExplorerURL, AnchorMode: cfg.AnchorMode, OfflinePage: verifier.Page(), PublicURL: cfg.APIBaseURL,
		SecureCookies: strings.HasPrefix(cfg.AdminPanelURL, "https://"),
		Erasure:       &ledger.ErasureService{Store: db, Now: time.Now},
		Log:           log, AuditLog: acfg.AuditLog,
	}
	if anch != nil {
		ucfg.Chain = anch
	}
	ucfg.Doctor = func(ctx context.Context) []ui.DoctorCheck {
		rep := doctor.Run(ctx, anchoring.RunningDoctorDeps(cfg, db, anch), 5*time.Second)
		checks := make([]ui.DoctorCheck, len(rep.Checks))
		for i, c := range rep.Checks {
			checks[i] = ui.DoctorCheck{Name: c.Name, Status: string(c.Status), Detail: c.Detail, Hint: c.Hint}
		}
		return checks
	}
	return ui.New(ucfg)
}
