package evm_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/evm"
)

// TestOperationsNameEveryCall keeps evm.Operations (the label set /metrics
// exports at zero from the start) in step with the calls Client makes.
func TestOperationsNameEveryCall(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("client.go")
	require.NoError(t, err)
	var made []string
	for _, m := range regexp.MustCompile(`c\.do\(ctx, "([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		op := regexp.MustCompile(` `).ReplaceAllString(m[1], "_")
		if !slices.Contains(made, op) {
			made = append(made, op)
		}
	}
	require.NotEmpty(t, made)
	require.ElementsMatch(t, evm.Operations, made)
}

func TestOnCallReportsEachCall(t *testing.T) {
	t.Parallel()
	type call struct {
		op     string
		failed bool
	}
	var calls []call
	client, err := evm.Dial(context.Background(), closedURL(t), "", evm.ClientOptions{
		CallTimeout: 5 * time.Second,
		OnCall:      func(op string, err error, _ time.Duration) { calls = append(calls, call{op, err != nil}) },
	})
	require.NoError(t, err)
	defer client.Close()
	_, err = client.ChainID(context.Background())
	require.Error(t, err)
	_, err = client.BlockNumber(context.Background())
	require.Error(t, err)
	require.Equal(t, []call{{"read_chain_id", true}, {"read_block_number", true}}, calls)
}
