package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMaintenanceCommand(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"AARTHA_DATA_DIR": t.TempDir()}
	_, err := run(t, context.Background(), vars, "migrate")
	require.NoError(t, err)

	out, err := run(t, context.Background(), vars, "maintenance", "on", "--message", "upgrade")
	require.NoError(t, err)
	require.Contains(t, out, `"on": true`)
	require.Contains(t, out, `"message": "upgrade"`)
	out, err = run(t, context.Background(), vars, "maintenance", "status")
	require.NoError(t, err)
	require.Contains(t, out, `"on": true`)
	out, err = run(t, context.Background(), vars, "maintenance", "off")
	require.NoError(t, err)
	require.Contains(t, out, `"on": false`)
	_, err = run(t, context.Background(), vars, "maintenance", "sideways")
	require.Error(t, err)
}
