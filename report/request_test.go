package report_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/report"
)

func TestRequestOptions(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC)
	opts, err := report.Request{Format: "json", NativeSymbol: "POL", SkipAudit: true}.Options(now)
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC), opts.Month, "last month by default")
	require.Equal(t, "POL", opts.NativeSymbol)
	require.True(t, opts.SkipAuditChain)
	require.Nil(t, opts.FiatRate)

	opts, err = report.Request{Format: "csv", Month: "2026-03", FiatRate: "3500.12", FiatCurrency: "EUR"}.Options(now)
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), opts.Month)
	require.Equal(t, "EUR", opts.FiatCurrency)
	require.Equal(t, "87503/25", opts.FiatRate.String())

	for req, want := range map[report.Request]string{
		{Format: "xml"}:                                        `--format "xml" is unknown: use`,
		{Format: "json", Month: "2026-13"}:                     "2026-13",
		{Format: "json", FiatRate: "abc", FiatCurrency: "USD"}: "abc",
		{Format: "json", FiatRate: "2", FiatCurrency: "usd"}:   "--fiat-currency",
		{Format: "pdf"}:                                        "--format pdf needs --out FILE",
	} {
		_, err := req.Options(now)
		require.ErrorContains(t, err, want, "%+v", req)
	}
}

func TestRequestDeliver(t *testing.T) {
	t.Parallel()
	m := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	rep, err := report.Build(context.Background(), &fakeSource{}, report.Options{Month: m, SkipAuditChain: true})
	require.NoError(t, err)

	var stdout, log strings.Builder
	require.NoError(t, report.Request{Format: "json", Out: "-"}.Deliver(rep, &stdout, &log))
	require.True(t, strings.HasPrefix(stdout.String(), "{"), stdout.String())
	require.Empty(t, log.String())

	path := filepath.Join(t.TempDir(), "report.csv")
	stdout.Reset()
	require.NoError(t, report.Request{Format: "csv", Out: path}.Deliver(rep, &stdout, &log))
	require.Empty(t, stdout.String())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotEmpty(t, data)
	require.True(t, strings.HasPrefix(log.String(), "wrote "+path+" (csv, "), log.String())
	_, err = os.Stat(path + ".tmp")
	require.ErrorIs(t, err, os.ErrNotExist)

	err = report.Request{Format: "csv", Out: filepath.Join(t.TempDir(), "absent", "r.csv")}.Deliver(rep, &stdout, &log)
	require.ErrorContains(t, err, "write ")
}
