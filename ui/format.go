package ui

import (
	"html/template"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	ledger "github.com/aartha/ledger"
)

// templateFuncs are the helpers the page templates use.
func (u *UI) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"money":      formatMoney,
		"minor":      func(n int64) string { return strconv.FormatInt(n, 10) },
		"time":       formatTime,
		"ptime":      func(t *time.Time) string { return ptime(t) },
		"short":      shortHash,
		"hash":       func(h common.Hash) string { return h.Hex() },
		"isZeroHash": func(h common.Hash) bool { return h == (common.Hash{}) },
		"txURL":      u.txURL,
		"native":     func(wei *big.Int) string { return formatNative(weiToNative(wei)) },
		"gwei":       formatGwei,
		"count":      func(n uint64) string { return formatCount(float64(n)) },
		"badge":      badgeClass,
		"erased":     ledger.ErasedLabel,
		"loanURL":    loanURL,
		"prefix":     func() string { return Prefix },
		"verifyPath": func() string { return VerifyPath },
		"selected":   func(a, b any) bool { return toString(a) == toString(b) },
		"dur":        formatDuration,
		"json":       func(b []byte) string { return string(b) },
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case ledger.LoanStatus:
		return string(x)
	case ledger.ChainStatus:
		return string(x)
	case ledger.AnchorStatus:
		return string(x)
	}
	return ""
}

// formatMoney renders minor units in the currency's major unit with
// thousands separators: 150000 INR is "1,500.00 INR".
func formatMoney(minor int64, currency string) string {
	exp, ok := ledger.CurrencyExponent(currency)
	if !ok {
		return strconv.FormatInt(minor, 10) + " (minor units) " + currency
	}
	neg := minor < 0
	s := strconv.FormatInt(minor, 10)
	if neg {
		s = s[1:]
	}
	for len(s) <= exp {
		s = "0" + s
	}
	whole, frac := s[:len(s)-exp], s[len(s)-exp:]
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if exp > 0 {
		b.WriteString("." + frac)
	}
	return b.String() + " " + currency
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func ptime(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return formatTime(*t)
}

// shortHash shows the start and end of a 0x hash or address.
func shortHash(s string) string {
	if len(s) <= 14 {
		return s
	}
	return s[:8] + "…" + s[len(s)-6:]
}

// txURL is the explorer link of a transaction, "" without an explorer.
func (u *UI) txURL(hash string) string {
	if u.cfg.ExplorerURL == "" || hash == "" {
		return ""
	}
	return u.cfg.ExplorerURL + "/tx/" + hash
}

var weiPerNative = new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil))

// weiToNative converts wei to the chain's native unit (ETH, POL, ...) as a
// float, for charts and display; 0 for nil.
func weiToNative(wei *big.Int) float64 {
	if wei == nil {
		return 0
	}
	f, _ := new(big.Float).Quo(new(big.Float).SetInt(wei), weiPerNative).Float64()
	return f
}

func formatNative(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 0.000001:
		return strconv.FormatFloat(v, 'e', 2, 64)
	}
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func formatGwei(weiDecimal string) string {
	w, ok := new(big.Int).SetString(weiDecimal, 10)
	if !ok {
		return "—"
	}
	f, _ := new(big.Float).Quo(new(big.Float).SetInt(w), big.NewFloat(1e9)).Float64()
	return strconv.FormatFloat(f, 'f', -1, 64) + " gwei"
}

// formatCount renders a number with thousands separators and at most one
// decimal.
func formatCount(v float64) string {
	if v >= 1e6 {
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M"
	}
	if v != float64(int64(v)) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(v), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + " %" }

// badgeClass picks the badge colour of a status.
func badgeClass(status any) string {
	switch toString(status) {
	case "confirmed", "final", "approved", "repaid":
		return "badge ok"
	case "failed", "rejected", "defaulted":
		return "badge bad"
	case "queued", "submitted", "included":
		return "badge wait"
	}
	return "badge"
}

// formatDuration drops zero trailing units: 10m, 1h30m, 45s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
