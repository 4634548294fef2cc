package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var hexKey = regexp.MustCompile(`^(0x)?[0-9a-fA-F]{64}$`)
var hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// Mask hides a secret for display, keeping only its length class so an
// operator can tell "set" from "empty" without learning anything else.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****** (set)"
}

// ParseGwei parses a decimal gwei amount ("1.5", "30") into wei without
// floating point. At most 9 decimal places are allowed (1 wei precision).
func ParseGwei(s string) (uint64, error) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (frac == "" || len(frac) > 9)) {
		return 0, errors.New("must be a decimal number of gwei with at most 9 decimal places, e.g. 50 or 0.25")
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return 0, errors.New("must be a decimal number of gwei, e.g. 50 or 0.25")
	}
	frac += strings.Repeat("0", 9-len(frac))
	f, err := strconv.ParseUint(frac, 10, 64)
	if err != nil {
		return 0, errors.New("must be a decimal number of gwei, e.g. 50 or 0.25")
	}
	const gwei = 1_000_000_000
	if w > (^uint64(0)-f)/gwei {
		return 0, errors.New("is too large")
	}
	return w*gwei + f, nil
}

// WeakSecret reports whether a secret is an obvious default or example
// value (it names itself a secret or a placeholder, or repeats a handful
// of characters), which production refuses.
func WeakSecret(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"changeme", "change-me", "change_me", "change-this", "secret-key", "secret_key",
		"secretkey", "your-", "your_", "example", "default", "password", "placeholder", "replace", "xxxxxxxx", "12345678", "jwt-secret"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	distinct := map[rune]bool{}
	for _, r := range s {
		distinct[r] = true
	}
	return len(distinct) < 10
}

func perMinute(v string) (int, error) {
	n, err := parseUint(v)
	if err == nil && (n < 1 || n > 1_000_000) {
		err = errors.New("must be between 1 and 1000000 requests per minute")
	}
	return int(n), err
}

func parseUint(v string) (uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, errors.New("must be a whole number")
	}
	return n, nil
}

func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, errors.New("must be a duration like 30s or 2m, or whole seconds")
	}
	return d, nil
}

func nonEmpty(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func requiredURL(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return optionalURL(v, "http", "https")
}

func optionalURL(v string, schemes ...string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err == nil && u.Host != "" {
		for _, s := range schemes {
			if u.Scheme == s {
				return nil
			}
		}
	}
	return fmt.Errorf("must be a %s URL", strings.Join(schemes, " or "))
}

// Current returns a function giving the current value of a live variable:
// the refreshed one when it comes from a refreshed reference (Refreshed),
// else loaded, the value read at start.
func (c *Config) Current(name, loaded string) func() string {
	return func() string {
		if c.Refreshed != nil {
			if v, ok := c.Refreshed(name); ok {
				return v
			}
		}
		return loaded
	}
}
