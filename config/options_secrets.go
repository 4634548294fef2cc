package config

// secretsOptions declares the variables of secret references: refresh and
// HashiCorp Vault.
func secretsOptions() []option {
	return []option{
		{name: "AARTHA_SECRET_REFRESH", def: "5m", help: "how often vault://, awssm:// and azkv:// secret references are fetched again; 0 only at start",
			apply: func(c *Config, v string) (err error) { c.SecretRefresh, err = parseDuration(v); return err }},
		{name: "VAULT_ADDR", help: "HashiCorp Vault address for vault:// secret references, e.g. https://vault.example.com:8200",
			apply: func(c *Config, v string) error { c.VaultAddr = v; return optionalURL(v, "http", "https") }},
		{name: "VAULT_TOKEN", secret: true, help: "Vault token (token auth)",
			apply: func(c *Config, v string) error { c.VaultToken = v; return nil }},
		{name: "VAULT_ROLE_ID", help: "Vault AppRole role id (AppRole auth, instead of VAULT_TOKEN)",
			apply: func(c *Config, v string) error { c.VaultRoleID = v; return nil }},
		{name: "VAULT_SECRET_ID", secret: true, help: "Vault AppRole secret id",
			apply: func(c *Config, v string) error { c.VaultSecretID = v; return nil }},
	}
}
