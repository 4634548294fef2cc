package config

// telemetryOptions declares the variables of error tracking and tracing.
func telemetryOptions() []option {
	return []option{
		{name: "SENTRY_DSN", secret: true, help: "Sentry DSN; errors and panics are reported there when set",
			apply: func(c *Config, v string) error { c.SentryDSN = v; return optionalURL(v, "http", "https") }},
		{name: "OTEL_EXPORTER_OTLP_ENDPOINT", help: "OTLP/HTTP endpoint that receives traces, e.g. http://127.0.0.1:4318; empty sends none",
			apply: func(c *Config, v string) error { c.OTLPEndpoint = v; return optionalURL(v, "http", "https") }},
	}
}
