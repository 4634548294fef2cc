package ledger_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	ledger "github.com/aartha/ledger"
)

func TestVerificationText(t *testing.T) {
	t.Parallel()
	v := &ledger.Verification{}
	v.Compare("commitment", "0xaa", "0xaa")
	v.Compare("block", "7", "8")
	v.Skipped = []string{"finality: the node does not answer"}
	v.Conclude()
	require.Equal(t, "block", v.Failed())
	var out strings.Builder
	require.NoError(t, v.WriteText(&out, &ledger.Receipt{LoanID: "L1", Kind: ledger.KindApproved}))
	require.Equal(t, "CHECK       RESULT    EXPECTED  FOUND\n"+
		"commitment  ok        0xaa      0xaa\n"+
		"block       MISMATCH  7         8\n"+
		"skipped: finality: the node does not answer\n", out.String())

	ok := (&ledger.Verification{Confirmations: 3})
	ok.Compare("commitment", "0xaa", "0xaa")
	ok.Conclude()
	require.Empty(t, ok.Failed())
	out.Reset()
	require.NoError(t, ok.WriteText(&out, &ledger.Receipt{LoanID: "L1", Kind: ledger.KindApproved}))
	require.True(t, strings.HasSuffix(out.String(), "verified: loan L1, approved record, 3 confirmation(s)\n"), out.String())
}
