package service

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/telemetry"
	"github.com/aartha/ledger/telemetry/telemetrytest"
	"github.com/aartha/ledger/worker"
)

// TestAnchorFailureReachesSentry checks the worker's OnFailed hook.
func TestAnchorFailureReachesSentry(t *testing.T) {
	t.Parallel()
	const secretKey = "k7Qm2vX9pL4nR8sT1wY6zB3cF5hJ0dGa" // a secret the report must not carry
	sentry := telemetrytest.NewSentry(t, "00112233445566778899aabbccddeeff", "9")
	tel, err := telemetry.New(telemetry.Config{SentryDSN: sentry.DSN, Secrets: []string{secretKey}})
	require.NoError(t, err)
	require.NoError(t, tel.Start(context.Background()))
	ctx := WithTelemetry(context.Background(), tel)

	reportAnchorFailure(ctx, worker.Failure{LoanID: "L-9", Kind: ledger.KindApproved, Reason: "execution reverted: LoanAlreadyStored"})
	reportAnchorFailure(ctx, worker.Failure{BatchID: 12, Reason: errors.New("signer said " + secretKey).Error()})
	reportAnchorFailure(context.Background(), worker.Failure{LoanID: "ignored"}) // no telemetry: nothing
	require.NoError(t, tel.Stop(context.Background()))

	events := sentry.Events(t)
	require.Len(t, events, 2)
	all := strings.Join(sentry.Envelopes(), "\n")
	require.Contains(t, all, "anchoring failed for good: the approved record of loan L-9: execution reverted: LoanAlreadyStored")
	require.Contains(t, all, `"anchor.batch_id":"12"`)
	require.NotContains(t, all, secretKey)
}
