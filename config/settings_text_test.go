package config_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/config"
)

func TestWriteSettings(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	require.NoError(t, config.WriteSettings(&out, []config.Setting{
		{Name: "AARTHA_MODE", Value: "production", Source: "env"},
		{Name: "REDIS_URL", Source: "default"},
		{Name: "JWT_SECRET_KEY", Value: "****", Source: "vault://secret/aartha#jwt", Secret: true},
	}))
	require.Equal(t, "VARIABLE        VALUE       SOURCE\n"+
		"AARTHA_MODE     production  env\n"+
		"REDIS_URL       (empty)     default\n"+
		"JWT_SECRET_KEY  ****        vault://secret/aartha#jwt\n", out.String())
}
