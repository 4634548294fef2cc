package doctor_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/doctor"
)

func TestReportText(t *testing.T) {
	t.Parallel()
	r := &doctor.Report{Checks: []doctor.Check{
		{Name: "database", Status: doctor.Pass, Detail: "postgres, schema 9"},
		{Name: "signer balance", Status: doctor.Warn, Detail: "0.1 ETH", Hint: "fund the signer"},
	}}
	var out strings.Builder
	require.NoError(t, r.WriteText(&out))
	require.Equal(t, "PASS  database             postgres, schema 9\n"+
		"WARN  signer balance       0.1 ETH\n"+
		"                           hint: fund the signer\n", out.String())
}
