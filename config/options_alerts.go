package config

import (
	"errors"
	"net"
	"net/mail"
)

// alertsOptions declares the variables of where anchoring alerts go: mail
// and webhook.
func alertsOptions() []option {
	return []option{
		{name: "BLOCKCHAIN_ALERT_EMAIL", help: "address that receives anchoring alerts",
			apply: func(c *Config, v string) error {
				if v != "" {
					if _, err := mail.ParseAddress(v); err != nil {
						return errors.New("must be an email address")
					}
				}
				c.AlertEmail = v
				return nil
			}},
		{name: "BLOCKCHAIN_WEBHOOK_URL", secret: true, help: "URL that receives failure and mismatch events",
			apply: func(c *Config, v string) error { c.WebhookURL = v; return optionalURL(v, "http", "https") }},
		{name: "SMTP_ADDR", help: "host:port of the SMTP server that mails alerts to BLOCKCHAIN_ALERT_EMAIL; empty sends no mail",
			apply: func(c *Config, v string) error {
				if v != "" {
					if _, _, err := net.SplitHostPort(v); err != nil {
						return errors.New("must be host:port, e.g. smtp.example.com:587")
					}
				}
				c.SMTPAddr = v
				return nil
			}},
		{name: "SMTP_FROM", def: "aartha-alerts@localhost", help: "sender address of alert mails",
			apply: func(c *Config, v string) error {
				if _, err := mail.ParseAddress(v); err != nil {
					return errors.New("must be an email address")
				}
				c.SMTPFrom = v
				return nil
			}},
		{name: "SMTP_USERNAME", help: "SMTP user; empty means no authentication",
			apply: func(c *Config, v string) error { c.SMTPUser = v; return nil }},
		{name: "SMTP_PASSWORD", secret: true, help: "SMTP password",
			apply: func(c *Config, v string) error { c.SMTPPass = v; return nil }},
	}
}
