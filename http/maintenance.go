package http

import (
	"context"
	nethttp "net/http"
	"sync"
	"time"

	ledger "github.com/aartha/ledger"
)

// MaintenanceStore keeps the service-wide maintenance switch. *store.DB
// implements it.
type MaintenanceStore interface {
	Maintenance(ctx context.Context) (ledger.Maintenance, error)
	SetMaintenance(ctx context.Context, actor ledger.Actor, on bool, message string, now time.Time) (ledger.Maintenance, error)
}

// maintenanceRetryAfter is the Retry-After (seconds) of a write refused in
// maintenance mode.
const maintenanceRetryAfter = "60"

// maintenanceCache holds the switch for a second, so that writes do not
// each ask the database; another replica's switch is seen within a second.
type maintenanceCache struct {
	mu   sync.Mutex
	at   time.Time
	last ledger.Maintenance
}

func (c *maintenanceCache) get(ctx context.Context, s MaintenanceStore) (ledger.Maintenance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) < time.Second {
		return c.last, nil
	}
	m, err := s.Maintenance(ctx)
	if err != nil {
		return ledger.Maintenance{}, err
	}
	c.last, c.at = m, time.Now()
	return m, nil
}

func (c *maintenanceCache) forget() {
	c.mu.Lock()
	c.at = time.Time{}
	c.mu.Unlock()
}

// refuseInMaintenance answers 503 with Retry-After for writes while
// maintenance mode is on. Reads, logging in and out, revoking every
// session, public verification and the switch itself stay open.
func (a *API) refuseInMaintenance(w nethttp.ResponseWriter, r *nethttp.Request, rt route) error {
	if a.cfg.Maintenance == nil || rt.Method == nethttp.MethodGet || rt.Limit == "login" || rt.Limit == "verify" ||
		rt.Path == "/api/admin/maintenance" || rt.Path == "/api/auth/logout" || rt.Path == "/api/admin/sessions/revoke-all" {
		return nil
	}
	m, err := a.maint.get(r.Context(), a.cfg.Maintenance)
	if err != nil || !m.On {
		return err
	}
	w.Header().Set("Retry-After", maintenanceRetryAfter)
	msg := "the service is in maintenance mode: writes are paused, reads and verification work; try again later"
	if m.Message != "" {
		msg += " (" + m.Message + ")"
	}
	return ledger.Errorf(ledger.EUNAVAILABLE, "%s", msg)
}

type maintenanceRequest struct {
	On      *bool  `json:"on"`
	Message string `json:"message"`
}

func (a *API) getMaintenance(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if a.cfg.Maintenance == nil {
		return ledger.Errorf(ledger.EUNAVAILABLE, "maintenance mode is not available in this process")
	}
	m, err := a.cfg.Maintenance.Maintenance(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, m)
	return nil
}

func (a *API) setMaintenance(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if a.cfg.Maintenance == nil {
		return ledger.Errorf(ledger.EUNAVAILABLE, "maintenance mode is not available in this process")
	}
	var q maintenanceRequest
	if err := readJSONBody(r, a.cfg.MaxBodyBytes, &q); err != nil {
		return err
	}
	if q.On == nil {
		return ledger.Errorf(ledger.EINVALID, `on is required: send {"on": true, "message": "..."} or {"on": false}`)
	}
	m, err := a.cfg.Maintenance.SetMaintenance(r.Context(), actor(r), *q.On, q.Message, time.Now())
	if err != nil {
		return err
	}
	a.maint.forget()
	a.logAction(r, ledger.ActionMaintenance, "")
	writeJSON(w, nethttp.StatusOK, m)
	return nil
}
