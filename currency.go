package ledger

import (
	"strconv"
	"strings"
)

// currencyExponents maps each current ISO 4217 code to its number of minor
// units (2 for USD: cents; 0 for JPY; 3 for KWD). Withdrawn codes (HRK, SLL,
// ZWL, ANG, BGN, ...) are absent on purpose: a new loan must not use them.
// Precious metals and testing codes (XAU, XTS, XXX, ...) are not money one
// lends, so they are absent too.
var currencyExponents = func() map[string]int {
	const table = `
AED2 AFN2 ALL2 AMD2 AOA2 ARS2 AUD2 AWG2 AZN2 BAM2 BBD2 BDT2 BHD3 BIF0 BMD2
BND2 BOB2 BOV2 BRL2 BSD2 BTN2 BWP2 BYN2 BZD2 CAD2 CDF2 CHE2 CHF2 CHW2 CLF4
CLP0 CNY2 COP2 COU2 CRC2 CUP2 CVE2 CZK2 DJF0 DKK2 DOP2 DZD2 EGP2 ERN2 ETB2
EUR2 FJD2 FKP2 GBP2 GEL2 GHS2 GIP2 GMD2 GNF0 GTQ2 GYD2 HKD2 HNL2 HTG2 HUF2
IDR2 ILS2 INR2 IQD3 IRR2 ISK0 JMD2 JOD3 JPY0 KES2 KGS2 KHR2 KMF0 KPW2 KRW0
KWD3 KYD2 KZT2 LAK2 LBP2 LKR2 LRD2 LSL2 LYD3 MAD2 MDL2 MGA2 MKD2 MMK2 MNT2
MOP2 MRU2 MUR2 MVR2 MWK2 MXN2 MXV2 MYR2 MZN2 NAD2 NGN2 NIO2 NOK2 NPR2 NZD2
OMR3 PAB2 PEN2 PGK2 PHP2 PKR2 PLN2 PYG0 QAR2 RON2 RSD2 RUB2 RWF0 SAR2 SBD2
SCR2 SDG2 SEK2 SGD2 SHP2 SLE2 SOS2 SRD2 SSP2 STN2 SVC2 SYP2 SZL2 THB2 TJS2
TMT2 TND3 TOP2 TRY2 TTD2 TWD2 TZS2 UAH2 UGX0 USD2 USN2 UYI0 UYU2 UYW4 UZS2
VED2 VES2 VND0 VUV0 WST2 XAF0 XCD2 XCG2 XOF0 XPF0 YER2 ZAR2 ZMW2 ZWG2`
	m := make(map[string]int)
	for _, f := range strings.Fields(table) {
		m[f[:3]] = int(f[3] - '0')
	}
	return m
}()

// CurrencyExponent reports the number of minor-unit digits of an ISO 4217
// code, and whether the code is a current currency. Codes are upper case.
func CurrencyExponent(code string) (int, bool) {
	e, ok := currencyExponents[code]
	return e, ok
}

// ValidateCurrency returns an EINVALID error unless code is a current
// ISO 4217 currency code in upper case.
func ValidateCurrency(field, code string) error {
	if _, ok := currencyExponents[code]; !ok {
		return Errorf(EINVALID, "%s %q is not a current ISO 4217 currency code (three upper-case letters, e.g. USD, EUR, INR)", field, code)
	}
	return nil
}

// maxMinorDigits keeps every amount inside int64.
const maxMinorDigits = 18

// ParseMinorUnits parses a positive amount of minor units written as a
// decimal string without sign, separators, fraction or leading zeros, the
// form the fingerprint uses ("150000" is 1,500.00 USD). field names the
// input in the error message.
func ParseMinorUnits(field, s string) (int64, error) {
	bad := func(why string) error {
		return Errorf(EINVALID, "%s %q %s; write a whole number of minor units as a string, e.g. \"150000\" for 1500.00 USD", field, s, why)
	}
	switch {
	case s == "":
		return 0, bad("is empty")
	case len(s) > maxMinorDigits:
		return 0, bad("has more than 18 digits")
	case strings.Trim(s, "0123456789") != "":
		return 0, bad("is not digits only")
	case s[0] == '0':
		return 0, bad("must be positive and have no leading zeros")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, bad("is out of range")
	}
	return n, nil
}

// FormatMinorUnits renders an amount of minor units as the decimal string
// used in fingerprints and the API.
func FormatMinorUnits(n int64) string { return strconv.FormatInt(n, 10) }
