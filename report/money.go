package report

import (
	"fmt"
	"math/big"
	"strings"

	ledger "github.com/aartha/ledger"
)

// Money is never a float here: wei are big.Int, rates big.Rat, and every
// amount leaves as decimal text.

// weiPerNative is 10^18: wei in one native unit (ETH, POL, ...).
var weiPerNative = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// nativeDecimal writes wei as native units with all 18 decimals, trailing
// zeros removed ("0.000193298" for 193298000000000 wei; "0" for none).
func nativeDecimal(wei *big.Int) string {
	q, r := new(big.Int).QuoRem(wei, weiPerNative, new(big.Int))
	if r.Sign() == 0 {
		return q.String()
	}
	frac := fmt.Sprintf("%018s", r.String())
	return q.String() + "." + strings.TrimRight(frac, "0")
}

// ParseRate parses a positive decimal exchange rate ("3500.12": fiat units
// per native unit) exactly. Exponents, signs other than none, and fractions
// like 1/3 are refused, so the rate means what it says.
func ParseRate(s string) (*big.Rat, error) {
	bad := func(why string) error {
		return ledger.Errorf(ledger.EINVALID, "fiat rate %q %s: write a positive decimal number of fiat units per native unit, e.g. 3500.12", s, why)
	}
	if s == "" || len(s) > 40 {
		return nil, bad("is empty or too long")
	}
	if strings.Trim(s, "0123456789.") != "" || strings.Count(s, ".") > 1 || s[0] == '.' || s[len(s)-1] == '.' {
		return nil, bad("is not a plain decimal")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() <= 0 {
		return nil, bad("is not positive")
	}
	return r, nil
}

// decimalRat writes r rounded half away from zero to places decimals.
func decimalRat(r *big.Rat, places int) string {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	n := new(big.Int).Mul(r.Num(), scale)
	d := r.Denom()
	q, rem := new(big.Int).QuoRem(n, d, new(big.Int))
	// Round half away from zero: compare 2*|rem| with d.
	if rem.Sign() != 0 && new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2)).Cmp(d) >= 0 {
		if n.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	neg := q.Sign() < 0
	s := new(big.Int).Abs(q).String()
	if places > 0 {
		if len(s) <= places {
			s = strings.Repeat("0", places-len(s)+1) + s
		}
		s = s[:len(s)-places] + "." + s[len(s)-places:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// fiatAmount converts wei to fiat at rate (fiat units per native unit),
// rounded to the currency's minor units.
func fiatAmount(wei *big.Int, rate *big.Rat, currency string) string {
	exp, ok := ledger.CurrencyExponent(currency)
	if !ok {
		exp = 2
	}
	v := new(big.Rat).SetFrac(wei, weiPerNative)
	v.Mul(v, rate)
	return decimalRat(v, exp)
}

// minorToMajor writes an amount of minor units of currency in major units
// ("150000" INR is "1500.00"). Text that is not an integer comes back as is.
func minorToMajor(minor, currency string) string {
	n, ok := new(big.Int).SetString(minor, 10)
	if !ok {
		return minor
	}
	exp, ok := ledger.CurrencyExponent(currency)
	if !ok {
		return minor
	}
	return decimalRat(new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)), exp)
}

// percent writes part/whole as a percentage with two decimals ("98.50"), or
// nil when whole is zero (no rate to speak of).
func percent(part, whole int) *string {
	if whole == 0 {
		return nil
	}
	s := decimalRat(big.NewRat(int64(part)*100, int64(whole)), 2)
	return &s
}

// ratio writes a/b with places decimals, "0" when b is zero.
func ratio(a, b *big.Int, places int) string {
	if b.Sign() == 0 {
		return "0"
	}
	return decimalRat(new(big.Rat).SetFrac(a, b), places)
}
