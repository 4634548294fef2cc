package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/anchoring"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/doctor"
	aarthahttp "github.com/aartha/ledger/http"
	"github.com/aartha/ledger/store"
)

var _ aarthahttp.Chain = (*anchoring.Running)(nil)

// sessionCacheTTL is how long one replica trusts its last look at a
// token's user and revocations: a change made on another replica (a
// deleted user, a logout) is seen within it; one made here at once.
const sessionCacheTTL = 5 * time.Second

// newAPI wires the admin API: the token authenticator (a random key per
// start in development when JWT_SECRET_KEY is unset), the rate limiter
// (Redis when REDIS_URL is set), and the first admin. anch is nil when
// anchoring is off. The returned function releases what it opened.
func newAPI(ctx context.Context, cfg *config.Config, db *store.DB, anch *anchoring.Running, log *slog.Logger, out io.Writer) (*aarthahttp.API, func(), error) {
	secret := []byte(cfg.JWTSecretKey)
	switch {
	case len(secret) == 0 && cfg.Mode == config.Development:
		secret = make([]byte, 48)
		if _, err := rand.Read(secret); err != nil {
			return nil, nil, fmt.Errorf("generate a JWT key: %w", err)
		}
		log.Warn("JWT_SECRET_KEY is unset: using a random key for this run; tokens end with the process")
	case config.WeakSecret(cfg.JWTSecretKey):
		log.Warn("JWT_SECRET_KEY looks like a default or example value; production refuses it")
	}
	auth, err := aarthahttp.NewRotatingAuthenticator(jwtKey(cfg, secret), cfg.JWTAlgorithm, cfg.JWTExpiry, time.Now)
	if err != nil {
		return nil, nil, err
	}
	auth.UseSessions(db, sessionCacheTTL)
	release := func() {}
	var limiter aarthahttp.Limiter = aarthahttp.NewMemoryLimiter()
	if cfg.RedisURL != "" {
		rl, err := aarthahttp.NewRedisLimiter(ctx, cfg.RedisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		limiter, release = rl, func() { _ = rl.Close() }
	}
	if err := aarthahttp.BootstrapAdmin(ctx, db, cfg.AdminEmail, cfg.AdminPassword, cfg.Mode == config.Development, out); err != nil {
		release()
		return nil, nil, err
	}
	acfg := aarthahttp.APIConfig{
		Loans:   &ledger.LoanService{Store: db, Now: time.Now, Rand: rand.Reader},
		Erasure: &ledger.ErasureService{Store: db, Now: time.Now},
		Store:   db, Auth: auth, Limiter: limiter,
		Limits: aarthahttp.Limits{
			ChainWrites: cfg.RateLimitChainWrites, Verify: cfg.RateLimitVerify, Login: cfg.RateLimitLogin,
			LoginAccount: cfg.RateLimitLoginAccount,
		},
		AllowedOrigins: cfg.AllowedOrigins, AnchorMode: cfg.AnchorMode, BatchWindow: cfg.BatchWindow,
		ExplorerURL: cfg.ExplorerURL, MaxBodyBytes: cfg.MaxBodyBytes, PublicURL: strings.TrimRight(cfg.APIBaseURL, "/"),
		Log:      log,
		AuditLog: slog.New(slog.NewJSONHandler(out, nil)).With("log", "audit"),
	}
	if anch != nil {
		acfg.Chain = anch
		acfg.Loans.(*ledger.LoanService).AnchorMode = cfg.AnchorMode
	}
	acfg.Maintenance = db
	acfg.Doctor = func(ctx context.Context) any {
		return doctor.Run(ctx, anchoring.RunningDoctorDeps(cfg, db, anch), 5*time.Second)
	}
	return aarthahttp.NewAPI(acfg), release, nil
}

// jwtKey is the key source of the access token authenticator; generated
// is the random development key when JWT_SECRET_KEY is unset.
func jwtKey(cfg *config.Config, generated []byte) func() []byte {
	if cfg.JWTSecretKey == "" {
		return func() []byte { return generated }
	}
	current := cfg.Current("JWT_SECRET_KEY", cfg.JWTSecretKey)
	return func() []byte { return []byte(current()) }
}
