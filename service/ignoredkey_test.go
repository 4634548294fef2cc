package service

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/config"
)

// TestIgnoredKeyIsAnnounced: on the embedded chain a configured signing
// key is not used, and serve says so at start; on a real chain, or with no
// key, it says nothing.
func TestIgnoredKeyIsAnnounced(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		key      string
		embedded bool
		want     bool
	}{{"ab12", true, true}, {"", true, false}, {"ab12", false, false}} {
		var out, logs bytes.Buffer
		cfg := &config.Config{Backend: "evm", PrivateKey: c.key}
		if !c.embedded {
			cfg.RPCURL = "http://127.0.0.1:8545"
		}
		warnIgnoredKey(cfg, slog.New(slog.NewTextHandler(&logs, nil)), &out)
		if c.want {
			require.Contains(t, out.String(), "BLOCKCHAIN_PRIVATE_KEY / BLOCKCHAIN_KEYSTORE is set but ignored")
			require.Contains(t, logs.String(), "ignored")
			require.NotContains(t, out.String()+logs.String(), c.key, "never the key itself")
		} else {
			require.Empty(t, out.String()+logs.String())
		}
	}
}
