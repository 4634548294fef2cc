package config

// crossChecks validates combinations that no single variable can.
func (c *Config) crossChecks() Errors {
	var errs Errors
	if c.Mode == Production {
		if c.JWTSecretKey == "" {
			errs = append(errs, FieldError{"JWT_SECRET_KEY", "is required in production"})
		}
		if c.AuditSealKey == "" {
			errs = append(errs, FieldError{"AARTHA_AUDIT_SEAL_KEY", "is required in production: generate one with `openssl rand -base64 48` and keep it out of the database (see docs/security.md)"})
		}
		if c.DatabaseURL == "" {
			errs = append(errs, FieldError{"DATABASE_URL", "is required in production (the embedded SQLite store is for development)"})
		}
		if c.EnableBlockchain && c.Backend == "evm" && c.RPCURL == "" {
			errs = append(errs, FieldError{"BLOCKCHAIN_RPC_URL", "is required in production when ENABLE_BLOCKCHAIN is true"})
		}
	}
	if c.RPCURL != "" && c.EnableBlockchain && c.Backend == "evm" {
		if c.ContractAddress == "" {
			errs = append(errs, FieldError{"BLOCKCHAIN_CONTRACT_ADDRESS", "is required when BLOCKCHAIN_RPC_URL is set (deploy one with `aartha deploy`)"})
		}
		if c.PrivateKey == "" && c.KeystorePath == "" && c.SignerURL == "" {
			errs = append(errs, FieldError{"BLOCKCHAIN_PRIVATE_KEY", "or BLOCKCHAIN_KEYSTORE or BLOCKCHAIN_SIGNER_URL is required when BLOCKCHAIN_RPC_URL is set"})
		}
	}
	if n := countSet(c.PrivateKey, c.KeystorePath, c.SignerURL); n > 1 {
		errs = append(errs, FieldError{"BLOCKCHAIN_SIGNER_URL", "BLOCKCHAIN_PRIVATE_KEY, BLOCKCHAIN_KEYSTORE and BLOCKCHAIN_SIGNER_URL each choose the signer; keep one"})
	}
	if c.SignerURL != "" && c.SignerAddress == "" {
		errs = append(errs, FieldError{"BLOCKCHAIN_SIGNER_ADDRESS", "is required with BLOCKCHAIN_SIGNER_URL: name the account the signer signs for"})
	}
	if c.Backend == "multichain" && c.EnableBlockchain {
		for _, req := range []struct{ name, v string }{
			{"MULTICHAIN_RPC_URL", c.MultiChainRPCURL}, {"MULTICHAIN_CHAIN_NAME", c.MultiChainChainName},
			{"MULTICHAIN_STREAM", c.MultiChainStream}, {"MULTICHAIN_FROM_ADDRESS", c.MultiChainFrom},
		} {
			if req.v == "" {
				errs = append(errs, FieldError{req.name, "is required when BLOCKCHAIN_BACKEND is multichain"})
			}
		}
	}
	if c.Mode == Production && c.PIIMasterKey != nil && c.DatabaseURL != "" && c.PIIKeyringURL == "" {
		errs = append(errs, FieldError{"AARTHA_PII_KEYRING_URL", "is required in production with AARTHA_PII_MASTER_KEY: a database apart from DATABASE_URL, so its backups hold no data key (see docs/privacy.md)"})
	}
	if c.PIIKeyringURL != "" && c.DatabaseURL == "" {
		errs = append(errs, FieldError{"AARTHA_PII_KEYRING_URL", "needs DATABASE_URL: a SQLite deployment keeps its keyring in AARTHA_PII_KEYRING"})
	}
	if c.PIIPreviousMasterKey != nil && c.PIIMasterKey == nil {
		errs = append(errs, FieldError{"AARTHA_PII_PREVIOUS_MASTER_KEY", "needs AARTHA_PII_MASTER_KEY, the key that replaces it"})
	}
	if c.DatabasePassword != "" && c.DatabaseURL == "" {
		errs = append(errs, FieldError{"DATABASE_PASSWORD", "needs DATABASE_URL: it is the password of that URL's user"})
	}
	if c.VaultRoleID != "" && c.VaultSecretID == "" {
		errs = append(errs, FieldError{"VAULT_SECRET_ID", "is required with VAULT_ROLE_ID (AppRole auth)"})
	}
	if c.KeystorePath != "" && c.KeystorePass == "" {
		errs = append(errs, FieldError{"BLOCKCHAIN_KEYSTORE_PASSPHRASE", "is required with BLOCKCHAIN_KEYSTORE (or use BLOCKCHAIN_KEYSTORE_PASSPHRASE_FILE)"})
	}
	if c.Mode == Production && c.JWTSecretKey != "" && WeakSecret(c.JWTSecretKey) {
		errs = append(errs, FieldError{"JWT_SECRET_KEY", "looks like a default or example value: generate one with `openssl rand -base64 48`"})
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, FieldError{"AARTHA_ADMIN_PASSWORD", "AARTHA_ADMIN_EMAIL and AARTHA_ADMIN_PASSWORD go together: set both or neither"})
	}
	if c.RPCURLBackup != "" && c.RPCURL == "" {
		errs = append(errs, FieldError{"BLOCKCHAIN_RPC_URL_BACKUP", "needs BLOCKCHAIN_RPC_URL as the primary endpoint"})
	}
	return errs
}

func countSet(vs ...string) int {
	n := 0
	for _, v := range vs {
		if v != "" {
			n++
		}
	}
	return n
}
