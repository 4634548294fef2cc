package config_test

import (
	"errors"
	"os"
	"path/filepath"
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

// TestREADMEDocumentsEveryVariable keeps the README's configuration table
// in step with the options the code accepts.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	for _, v := range config.Variables() {
		require.Contains(t, string(readme), "`"+v.Name+"`", "README.md must document "+v.Name)
	}
}
