package ui

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{150000, "INR", "1,500.00 INR"},
		{5, "USD", "0.05 USD"},
		{1234567, "JPY", "1,234,567 JPY"},
		{1000, "KWD", "1.000 KWD"},
		{100, "ABC", "100 (minor units) ABC"},
	} {
		require.Equal(t, tc.want, formatMoney(tc.minor, tc.currency))
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                   "/admin/",
		"/admin/loans?q=L":   "/admin/loans?q=L",
		"//evil.example":     "/admin/",
		"https://evil":       "/admin/",
		"/admin/\\evil":      "/admin/",
		"/adminx":            "/admin/",
		"/api/admin/loans":   "/admin/",
		"/admin/loans\r\nX:": "/admin/",
	} {
		require.Equal(t, want, safeNext(in), in)
	}
}

func TestBarChartEscapesAndDescribes(t *testing.T) {
	t.Parallel()
	svg := string(barChart(chart{ID: "x", Title: "<b>", Labels: []string{"a", "b"}, Stacked: true,
		Series: []series{{"ok", "s-ok", []float64{1, 2}}, {"bad", "s-bad", []float64{0, 1}}}, Format: formatCount}))
	require.Contains(t, svg, "&lt;b&gt;")
	require.Contains(t, svg, "ok: 3 in 2 days; bad: 1 in 2 days")
	require.Equal(t, 3, strings.Count(svg, "<rect"), "zero values draw no bar")
}

func TestWeiFormatting(t *testing.T) {
	t.Parallel()
	require.Equal(t, "0.05", formatNative(weiToNative(big.NewInt(5e16))))
	require.Equal(t, "1.5 gwei", formatGwei("1500000000"))
	require.Equal(t, "1,234", formatCount(1234))
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	require.Equal(t, "10m", formatDuration(10*time.Minute))
	require.Equal(t, "1h30m", formatDuration(90*time.Minute))
	require.Equal(t, "2h", formatDuration(2*time.Hour))
	require.Equal(t, "45s", formatDuration(45*time.Second))
}
