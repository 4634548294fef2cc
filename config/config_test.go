package config_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/config"
)

func env(vars map[string]string) config.Lookup {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func noFiles(string) ([]byte, error) { return nil, errors.New("no files in this test") }

func TestDefaultsNeedNoConfiguration(t *testing.T) {
	t.Parallel()
	cfg, _, err := config.Load(env(nil), noFiles)
	require.NoError(t, err)
	require.Equal(t, config.Development, cfg.Mode)
	require.Empty(t, cfg.DatabaseURL, "no DATABASE_URL means embedded SQLite")
	require.Equal(t, "./data/aartha.db", cfg.SQLitePath())
	require.True(t, cfg.EnableBlockchain)
	require.Empty(t, cfg.RPCURL, "no RPC URL means the embedded simulated chain")
	require.Equal(t, 5*time.Second, cfg.RetryDelay)
	require.Equal(t, 8*time.Hour, cfg.JWTExpiry)
}

func TestEveryBadVariableIsNamed(t *testing.T) {
	t.Parallel()
	_, _, err := config.Load(env(map[string]string{
		"DATABASE_URL":                "mysql://x",
		"BLOCKCHAIN_PRIVATE_KEY":      "not-hex",
		"BLOCKCHAIN_CONTRACT_ADDRESS": "0x123",
		"BLOCKCHAIN_MAX_GAS_PRICE":    "1.5e3",
		"BLOCKCHAIN_MAX_RETRIES":      "0",
		"BLOCKCHAIN_RETRY_DELAY":      "soon",
		"JWT_ALGORITHM":               "none",
		"JWT_EXPIRY_HOURS":            "-1",
		"JWT_SECRET_KEY":              "short",
		"ENABLE_BLOCKCHAIN":           "maybe",
		"ALLOWED_ORIGINS":             "https://ok.example, not an origin",
		"BLOCKCHAIN_ALERT_EMAIL":      "nobody",
		"API_BASE_URL":                "ftp://x",
	}), noFiles)
	var errs config.Errors
	require.ErrorAs(t, err, &errs)
	var names []string
	for _, e := range errs {
		names = append(names, e.Name)
	}
	require.ElementsMatch(t, []string{
		"DATABASE_URL", "BLOCKCHAIN_PRIVATE_KEY", "BLOCKCHAIN_CONTRACT_ADDRESS", "BLOCKCHAIN_MAX_GAS_PRICE",
		"BLOCKCHAIN_MAX_RETRIES", "BLOCKCHAIN_RETRY_DELAY", "JWT_ALGORITHM", "JWT_EXPIRY_HOURS", "JWT_SECRET_KEY",
		"ENABLE_BLOCKCHAIN", "ALLOWED_ORIGINS", "BLOCKCHAIN_ALERT_EMAIL", "API_BASE_URL",
	}, names)
	require.NotContains(t, err.Error(), "not-hex", "secret values never appear in errors")
	require.NotContains(t, err.Error(), "short")
}

func TestSecretsComeFromFilesAndAreMasked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := strings.Repeat("ab", 32)
	keyFile := filepath.Join(dir, "key")
	require.NoError(t, os.WriteFile(keyFile, []byte(key+"\n"), 0o600))
	jwtFile := filepath.Join(dir, "jwt")
	require.NoError(t, os.WriteFile(jwtFile, []byte(strings.Repeat("s", 40)), 0o600))

	cfg, settings, err := config.Load(env(map[string]string{
		"BLOCKCHAIN_PRIVATE_KEY_FILE": keyFile,
		"JWT_SECRET_KEY_FILE":         jwtFile,
		"DATABASE_URL":                "postgres://app:hunter2@db:5432/aartha",
	}), os.ReadFile)
	require.NoError(t, err)
	require.Equal(t, key, cfg.PrivateKey, "trailing newline of the file is dropped")
	require.Equal(t, strings.Repeat("s", 40), cfg.JWTSecretKey)

	for _, s := range settings {
		require.NotContains(t, s.Value, key)
		require.NotContains(t, s.Value, "hunter2")
		require.NotContains(t, s.Value, "sssss")
		if s.Name == "BLOCKCHAIN_PRIVATE_KEY" {
			require.Equal(t, "file:"+keyFile, s.Source)
			require.True(t, s.Secret)
		}
	}
}

func TestFileAndValueTogetherIsAnError(t *testing.T) {
	t.Parallel()
	_, _, err := config.Load(env(map[string]string{"JWT_SECRET_KEY": strings.Repeat("x", 32), "JWT_SECRET_KEY_FILE": "/x"}), noFiles)
	require.ErrorContains(t, err, "set both JWT_SECRET_KEY and JWT_SECRET_KEY_FILE")

	_, _, err = config.Load(env(map[string]string{"JWT_SECRET_KEY_FILE": "/does/not/exist"}), os.ReadFile)
	require.ErrorContains(t, err, `JWT_SECRET_KEY: cannot read JWT_SECRET_KEY_FILE "/does/not/exist"`)
}

func TestProductionInsistsOnExplicitSettings(t *testing.T) {
	t.Parallel()
	_, _, err := config.Load(env(map[string]string{"AARTHA_MODE": "production"}), noFiles)
	require.ErrorContains(t, err, "JWT_SECRET_KEY: is required in production")
	require.ErrorContains(t, err, "DATABASE_URL: is required in production")
	require.ErrorContains(t, err, "BLOCKCHAIN_RPC_URL: is required in production")
	require.ErrorContains(t, err, "AARTHA_AUDIT_SEAL_KEY: is required in production")

	_, _, err = config.Load(env(map[string]string{"BLOCKCHAIN_RPC_URL": "https://rpc.example"}), noFiles)
	require.ErrorContains(t, err, "BLOCKCHAIN_CONTRACT_ADDRESS: is required when BLOCKCHAIN_RPC_URL is set")
	require.ErrorContains(t, err, "BLOCKCHAIN_PRIVATE_KEY: or BLOCKCHAIN_KEYSTORE or BLOCKCHAIN_SIGNER_URL is required when BLOCKCHAIN_RPC_URL is set")
}

func TestParseGwei(t *testing.T) {
	t.Parallel()
	cases := map[string]uint64{"0": 0, "30": 30_000_000_000, "0.25": 250_000_000, "1.000000001": 1_000_000_001}
	for in, want := range cases {
		got, err := config.ParseGwei(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", ".5", "1.", "1.0000000001", "-1", "1e9", "abc", "99999999999999999999"} {
		_, err := config.ParseGwei(bad)
		require.Error(t, err, bad)
	}
}

// TestDocsDocumentEveryVariable keeps the configuration table of
// docs/configuration.md in step with the options the code accepts: a row
// for every variable, and no row for a variable the code does not know.
func TestDocsDocumentEveryVariable(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/configuration.md")
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = true
	}
	known := map[string]bool{}
	for _, v := range config.Variables() {
		known[v.Name] = true
		require.True(t, rows[v.Name], "docs/configuration.md must have a table row for %s", v.Name)
	}
	for name := range rows {
		require.True(t, known[name], "docs/configuration.md documents %s, which the code does not accept", name)
	}
}

// fakeRefs resolves references from a map and records the Vault settings
// it was built with.
type fakeRefs struct {
	values map[string]string
	auth   config.VaultAuth
	calls  int
}

func (f *fakeRefs) Resolve(_ context.Context, ref string) (string, error) {
	f.calls++
	v, ok := f.values[ref]
	if !ok {
		return "", fmt.Errorf("%s: secret not found", ref)
	}
	return v, nil
}

func (f *fakeRefs) option() config.Option {
	return config.WithRefs(context.Background(), func(a config.VaultAuth) (config.Refs, error) {
		f.auth = a
		return f, nil
	})
}

func TestSecretReferences(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "vault-token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("hvs.from-file\n"), 0o600))
	jwt := "jwt-from-vault-" + strings.Repeat("k", 32)
	refs := &fakeRefs{values: map[string]string{
		"vault://secret/aartha#jwt":      jwt,
		"awssm://aartha/prod#smtp":       "smtp-from-aws",
		"azkv://aartha-prod/db-password": "db-from-azure",
	}}
	cfg, settings, err := config.Load(env(map[string]string{
		"VAULT_ADDR":        "https://vault.example:8200",
		"VAULT_TOKEN_FILE":  tokenFile,
		"JWT_SECRET_KEY":    "vault://secret/aartha#jwt",
		"SMTP_PASSWORD":     "awssm://aartha/prod#smtp",
		"DATABASE_URL":      "postgres://app@db:5432/aartha",
		"DATABASE_PASSWORD": "azkv://aartha-prod/db-password",
	}), os.ReadFile, refs.option())
	require.NoError(t, err)
	require.Equal(t, jwt, cfg.JWTSecretKey)
	require.Equal(t, "smtp-from-aws", cfg.SMTPPass)
	require.Equal(t, "db-from-azure", cfg.DatabasePassword)
	require.Equal(t, config.VaultAuth{Addr: "https://vault.example:8200", Token: "hvs.from-file"}, refs.auth,
		"Vault's own settings are read before any reference, here from a _FILE")
	for _, s := range settings {
		require.NotContains(t, s.Value, "from-", s.Name)
		if s.Name == "JWT_SECRET_KEY" {
			require.Equal(t, "vault://secret/aartha#jwt", s.Source)
			require.Equal(t, "vault://secret/aartha#jwt", s.Ref)
			require.Equal(t, config.Mask(jwt), s.Value)
		}
	}
	require.Empty(t, config.Warnings(settings), "development mode does not warn")
}

func TestSecretReferenceFailuresNameTheReference(t *testing.T) {
	t.Parallel()
	refs := &fakeRefs{values: map[string]string{"vault://secret/aartha#jwt": "too-short"}}
	_, _, err := config.Load(env(map[string]string{
		"JWT_SECRET_KEY":         "vault://secret/aartha#jwt",
		"BLOCKCHAIN_WEBHOOK_URL": "awssm://aartha/missing#hook",
		"VAULT_TOKEN":            "vault://secret/aartha#token",
	}), noFiles, refs.option())
	require.ErrorContains(t, err, "JWT_SECRET_KEY: must be at least 32 bytes, got 9")
	require.ErrorContains(t, err, "BLOCKCHAIN_WEBHOOK_URL: cannot fetch secret reference: awssm://aartha/missing#hook: secret not found")
	require.ErrorContains(t, err, "VAULT_TOKEN: cannot be a secret reference")
	require.NotContains(t, err.Error(), "too-short")

	// Without WithRefs (a command that does not fetch), a reference is an error.
	_, _, err = config.Load(env(map[string]string{"SMTP_PASSWORD": "awssm://aartha/prod#smtp"}), noFiles)
	require.ErrorContains(t, err, "SMTP_PASSWORD: is a secret reference, which this command does not fetch")

	// Values that merely look similar are plain values.
	cfg, _, err := config.Load(env(map[string]string{"SMTP_PASSWORD": "vault:/not-a-ref"}), noFiles)
	require.NoError(t, err)
	require.Equal(t, "vault:/not-a-ref", cfg.SMTPPass)
}

func TestPlainSecretsWarnOutsideDevelopment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	jwtFile := filepath.Join(dir, "jwt")
	require.NoError(t, os.WriteFile(jwtFile, []byte("Zq8vN2pLx4Rt7Wm1Yc5Hb3Kd9Fg6Js0A"), 0o600))
	_, settings, err := config.Load(env(map[string]string{
		"AARTHA_MODE":                "production",
		"JWT_SECRET_KEY_FILE":        jwtFile,
		"AARTHA_AUDIT_SEAL_KEY_FILE": jwtFile,
		"DATABASE_URL":               "postgres://app:plain-pw@db:5432/aartha",
		"REDIS_URL":                  "redis://cache:6379/0",
		"SMTP_PASSWORD":              "plain-smtp",
		"ENABLE_BLOCKCHAIN":          "false",
	}), os.ReadFile)
	require.NoError(t, err)
	warnings := strings.Join(config.Warnings(settings), "\n")
	require.Contains(t, warnings, "DATABASE_URL is a plain value in the environment")
	require.Contains(t, warnings, "SMTP_PASSWORD is a plain value in the environment")
	require.NotContains(t, warnings, "JWT_SECRET_KEY", "a _FILE value is fine")
	require.NotContains(t, warnings, "REDIS_URL", "a URL without a password holds no secret")
	require.NotContains(t, warnings, "plain-pw")
	require.NotContains(t, warnings, "plain-smtp")
}

func TestCheckValue(t *testing.T) {
	t.Parallel()
	require.NoError(t, config.CheckValue("JWT_SECRET_KEY", strings.Repeat("x", 32)))
	require.ErrorContains(t, config.CheckValue("JWT_SECRET_KEY", "short"), "at least 32 bytes")
	require.Error(t, config.CheckValue("NOT_A_VARIABLE", "x"))
	_, _, err := config.Load(env(map[string]string{"DATABASE_PASSWORD": "x"}), noFiles)
	require.ErrorContains(t, err, "DATABASE_PASSWORD: needs DATABASE_URL")
}
