package main

import (
	"fmt"
	"time"

	"github.com/aartha/ledger/notify"
	"github.com/aartha/ledger/worker"
)

// notifyOutage alerts (webhook and mail) when the chain has been
// unreachable for BLOCKCHAIN_OUTAGE_ALERT_AFTER, and again when it answers
// (o nil). Anchoring waits meanwhile; nothing fails for the outage.
func (a *anchorRun) notifyOutage(o *worker.Outage) {
	if a.notifier == nil {
		return
	}
	if o == nil {
		a.notifier.Notify(notify.Event{Kind: notify.KindChainReachable, Summary: "the chain answers again: anchoring resumes"})
		return
	}
	a.notifier.Notify(notify.Event{Kind: notify.KindChainUnreachable, Details: o,
		Summary: fmt.Sprintf("the chain has been unreachable since %s: anchoring waits for it (nothing fails meanwhile): %s", o.Since.UTC().Format(time.RFC3339), o.Err)})
}
