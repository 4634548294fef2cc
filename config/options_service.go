package config

import (
	"errors"
	"net/url"
	"strings"
)

// serviceOptions declares the variables of the service itself: mode,
// logging, data folder, listen address and database.
func serviceOptions() []option {
	return []option{
		{name: "AARTHA_MODE", def: "development", help: "development or production",
			apply: func(c *Config, v string) error {
				switch Mode(v) {
				case Development, Production:
					c.Mode = Mode(v)
					return nil
				}
				return errors.New(`must be "development" or "production"`)
			}},
		{name: "AARTHA_LOG_LEVEL", def: "info", help: "least severe log level of serve: debug, info, warn or error",
			apply: func(c *Config, v string) error {
				switch v {
				case "debug", "info", "warn", "error":
					return c.LogLevel.UnmarshalText([]byte(v))
				}
				return errors.New("must be debug, info, warn or error")
			}},
		{name: "AARTHA_DATA_DIR", def: "./data", help: "folder for the embedded SQLite database and chain",
			apply: func(c *Config, v string) error { c.DataDir = v; return nonEmpty(v) }},
		{name: "AARTHA_LISTEN_ADDR", def: "127.0.0.1:8080", help: "host:port the HTTP server listens on",
			apply: func(c *Config, v string) error {
				if !strings.Contains(v, ":") {
					return errors.New("must be host:port, e.g. 127.0.0.1:8080")
				}
				c.ListenAddr = v
				return nil
			}},
		{name: "DATABASE_URL", secret: true, help: "PostgreSQL URL; empty uses SQLite in AARTHA_DATA_DIR",
			apply: func(c *Config, v string) error {
				if v == "" {
					return nil
				}
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
					return errors.New("must be a postgres:// or postgresql:// URL")
				}
				c.DatabaseURL = v
				return nil
			}},
		{name: "DATABASE_PASSWORD", secret: true, help: "password of DATABASE_URL's user, instead of one inside the URL; may be a rotated secret reference",
			apply: func(c *Config, v string) error { c.DatabasePassword = v; return nil }},
	}
}
