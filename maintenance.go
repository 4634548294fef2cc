package ledger

import "time"

// Maintenance is the service-wide maintenance switch (docs/commands.md, aartha maintenance). While it is
// on, the API refuses writes with 503 and Retry-After; reads, verification
// and the anchoring of work already queued continue.
type Maintenance struct {
	On      bool       `json:"on"`
	Message string     `json:"message,omitempty"` // shown to callers whose writes are refused
	Since   *time.Time `json:"since,omitempty"`
	By      string     `json:"by,omitempty"` // who switched it last
}

// MaxMaintenanceMessage bounds the message shown to refused callers.
const MaxMaintenanceMessage = 500
