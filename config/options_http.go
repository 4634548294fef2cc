package config

import (
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// httpOptions declares the variables of the HTTP API: URLs, tokens, rate
// limits, bodies, first admin and CORS.
func httpOptions() []option {
	return []option{
		{name: "API_BASE_URL", def: "http://127.0.0.1:8080", help: "public base URL of the API",
			apply: func(c *Config, v string) error { c.APIBaseURL = v; return requiredURL(v) }},
		{name: "ADMIN_PANEL_URL", def: "http://127.0.0.1:8080/admin", help: "public URL of the admin UI",
			apply: func(c *Config, v string) error { c.AdminPanelURL = v; return requiredURL(v) }},
		{name: "JWT_SECRET_KEY", secret: true, help: "HMAC key for access tokens, at least 32 bytes; generated per start in development",
			apply: func(c *Config, v string) error {
				if v != "" && len(v) < 32 {
					return fmt.Errorf("must be at least 32 bytes, got %d", len(v))
				}
				c.JWTSecretKey = v
				return nil
			}},
		{name: "JWT_ALGORITHM", def: "HS256", help: "HS256, HS384 or HS512",
			apply: func(c *Config, v string) error {
				switch v {
				case "HS256", "HS384", "HS512":
					c.JWTAlgorithm = v
					return nil
				}
				return errors.New("must be HS256, HS384 or HS512")
			}},
		{name: "JWT_EXPIRY_HOURS", def: "8", help: "lifetime of an access token in hours (1-720)",
			apply: func(c *Config, v string) error {
				n, err := parseUint(v)
				if err == nil && (n < 1 || n > 720) {
					err = errors.New("must be between 1 and 720")
				}
				c.JWTExpiry = time.Duration(n) * time.Hour
				return err
			}},
		{name: "REDIS_URL", secret: true, help: "redis:// URL where rate limit counters are shared between replicas; empty keeps them in memory",
			apply: func(c *Config, v string) error { c.RedisURL = v; return optionalURL(v, "redis", "rediss") }},
		{name: "RATE_LIMIT_CHAIN_WRITES", def: "5", help: "requests per minute per user and per IP to endpoints that write to the chain",
			apply: func(c *Config, v string) (err error) { c.RateLimitChainWrites, err = perMinute(v); return err }},
		{name: "RATE_LIMIT_VERIFY", def: "30", help: "requests per minute per IP to the public POST /api/verify",
			apply: func(c *Config, v string) (err error) { c.RateLimitVerify, err = perMinute(v); return err }},
		{name: "RATE_LIMIT_LOGIN", def: "10", help: "login attempts per minute per IP",
			apply: func(c *Config, v string) (err error) { c.RateLimitLogin, err = perMinute(v); return err }},
		{name: "MAX_BODY_BYTES", def: "65536", help: "largest accepted request body in bytes (1024-10485760)",
			apply: func(c *Config, v string) error {
				n, err := parseUint(v)
				if err == nil && (n < 1024 || n > 10<<20) {
					err = errors.New("must be between 1024 and 10485760")
				}
				c.MaxBodyBytes = int64(n)
				return err
			}},
		{name: "AARTHA_ADMIN_EMAIL", help: "email of the first admin, created at start when there are no users yet",
			apply: func(c *Config, v string) error {
				if v != "" {
					if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
						return errors.New("must be a plain email address")
					}
				}
				c.AdminEmail = v
				return nil
			}},
		{name: "AARTHA_ADMIN_PASSWORD", secret: true, help: "password of AARTHA_ADMIN_EMAIL (12-72 bytes)",
			apply: func(c *Config, v string) error {
				if v != "" && (len(v) < 12 || len(v) > 72) {
					return errors.New("must be 12 to 72 bytes long")
				}
				c.AdminPassword = v
				return nil
			}},
		{name: "ALLOWED_ORIGINS", help: "comma-separated origins allowed by CORS",
			apply: func(c *Config, v string) error {
				c.AllowedOrigins = nil
				for _, o := range strings.Split(v, ",") {
					o = strings.TrimSpace(o)
					if o == "" {
						continue
					}
					u, err := url.Parse(o)
					if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
						return fmt.Errorf("%q is not an origin like https://admin.example.com", o)
					}
					c.AllowedOrigins = append(c.AllowedOrigins, strings.TrimSuffix(o, "/"))
				}
				return nil
			}},
		{name: "TRUSTED_PROXIES", help: "comma-separated IPs or CIDRs of the reverse proxies whose X-Forwarded-For names the client; empty trusts none",
			apply: func(c *Config, v string) error {
				c.TrustedProxies = nil
				for _, s := range strings.Split(v, ",") {
					s = strings.TrimSpace(s)
					if s == "" {
						continue
					}
					p, err := netip.ParsePrefix(s)
					if err != nil {
						a, aerr := netip.ParseAddr(s)
						if aerr != nil {
							return fmt.Errorf("%q is not an IP address or CIDR like 10.0.0.0/8", s)
						}
						p = netip.PrefixFrom(a, a.BitLen())
					}
					c.TrustedProxies = append(c.TrustedProxies, p.Masked())
				}
				return nil
			}},
		{name: "RATE_LIMIT_LOGIN_ACCOUNT", def: "10", help: "login attempts per minute per account and client address; the account allows 10 times as many from all addresses together",
			apply: func(c *Config, v string) (err error) { c.RateLimitLoginAccount, err = perMinute(v); return err }},
	}
}
