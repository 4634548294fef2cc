package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

func TestMaintenanceSwitch(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open)
			m, err := f.db.Maintenance(f.ctx)
			require.NoError(t, err)
			require.False(t, m.On, "off after migration")

			on, err := f.db.SetMaintenance(f.ctx, f.admin, true, "database upgrade until 10:00 UTC", f.clock.Now())
			require.NoError(t, err)
			got, err := f.db.Maintenance(f.ctx)
			require.NoError(t, err)
			require.True(t, got.On)
			require.Equal(t, "database upgrade until 10:00 UTC", got.Message)
			require.Equal(t, f.admin.ID, got.By)
			require.Equal(t, micro(*on.Since), micro(*got.Since))

			_, err = f.db.SetMaintenance(f.ctx, f.admin, false, "", f.clock.Now())
			require.NoError(t, err)
			got, err = f.db.Maintenance(f.ctx)
			require.NoError(t, err)
			require.False(t, got.On)

			entries := f.audit(t, ledger.AuditFilter{Action: ledger.ActionMaintenance})
			require.Len(t, entries, 2, "each switch is in the audit trail")
			require.Regexp(t, `"on": ?false`, string(entries[0].After))
			require.Regexp(t, `"on": ?true`, string(entries[1].After))
		})
	}
}
