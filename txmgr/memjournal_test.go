package txmgr_test

import (
	"testing"

	"github.com/aartha/ledger/txmgr"
	"github.com/aartha/ledger/txmgr/journaltest"
)

func TestMemJournal(t *testing.T) {
	t.Parallel()
	journaltest.Run(t, func(*testing.T) txmgr.Journal { return txmgr.NewMemJournal(nil) })
}
