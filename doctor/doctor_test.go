package doctor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/doctor"
)

type signerFunc func(context.Context) error

func (f signerFunc) Ping(ctx context.Context) error { return f(ctx) }

// TestExternalSignerCheck: a signer that answers passes; one that does not
// fails the report, with the error and a hint naming the variables.
func TestExternalSignerCheck(t *testing.T) {
	t.Parallel()
	r := doctor.Run(context.Background(), doctor.Deps{ExternalSigner: signerFunc(func(context.Context) error { return nil })}, time.Second)
	require.Equal(t, doctor.Pass, r.Worst)
	require.Len(t, r.Checks, 1)
	require.Equal(t, "external signer", r.Checks[0].Name)

	down := signerFunc(func(context.Context) error { return errors.New("external signer 127.0.0.1:8550: connection refused") })
	r = doctor.Run(context.Background(), doctor.Deps{ExternalSigner: down}, time.Second)
	require.Equal(t, doctor.Fail, r.Worst)
	require.Contains(t, r.Checks[0].Detail, "connection refused")
	require.Contains(t, r.Checks[0].Hint, "BLOCKCHAIN_SIGNER_URL")
}

// TestConfigurationWarnings: a warning about the configuration itself is
// reported first, as a warning, whatever status it was given.
func TestConfigurationWarnings(t *testing.T) {
	t.Parallel()
	r := doctor.Run(context.Background(), doctor.Deps{Warnings: []doctor.Check{
		{Name: "keyring", Status: doctor.Pass, Detail: "in DATABASE_URL's database", Hint: "set AARTHA_PII_KEYRING_URL"},
	}}, time.Second)
	require.Equal(t, doctor.Warn, r.Worst)
	require.Equal(t, []doctor.Check{{Name: "keyring", Status: doctor.Warn, Detail: "in DATABASE_URL's database", Hint: "set AARTHA_PII_KEYRING_URL"}}, r.Checks)
}
