package store

import (
	"errors"
	"fmt"
	"io"
	"time"

	ledger "github.com/aartha/ledger"
)

// ErrAuditTrailBroken and ErrAuditTrailOutside are what WriteAuditReport
// returns for a trail that does not hold, after writing why.
var (
	ErrAuditTrailBroken  = errors.New("the audit trail does not hold: restore the database from a backup and investigate who changed it")
	ErrAuditTrailOutside = errors.New("the audit trail has rows outside the chain: investigate them")
)

// WriteAuditReport writes what `aartha audit verify` found in the trail of
// a store of the given driver ("sqlite" or "postgres"), one finding a line,
// and returns an error when the chain is broken or has rows outside it.
// Whether r.Checkpoint is on the chain is the caller's to check first.
func WriteAuditReport(out io.Writer, r ledger.AuditChainReport, driver string) error {
	if r.Legacy > 0 {
		fmt.Fprintf(out, "%d rows from before the hash chain existed are not covered\n", r.Legacy)
	}
	if r.Break != nil {
		fmt.Fprintf(out, "audit trail is BROKEN after %d good rows: %s\n", r.Rows, r.Break.Reason)
		return ErrAuditTrailBroken
	}
	fmt.Fprintf(out, "audit trail holds: %d rows chained, head %s\n", r.Rows, r.Head)
	if cp := r.Checkpoint; cp != nil {
		fmt.Fprintf(out, "proven up to anchored checkpoint %d (row %d, taken %s); rows after it are protected by the seal key only\n", cp.Seq, cp.LastID, cp.TakenAt.UTC().Format(time.RFC3339))
	} else {
		fmt.Fprintln(out, "no checkpoint is anchored yet: the trail is protected by the seal key only (run `aartha audit anchor`)")
	}
	if r.Unkeyed > 0 {
		fmt.Fprintf(out, "%d rows were sealed before the cut-over to keyed seals; only an anchored checkpoint above them proves them\n", r.Unkeyed)
	}
	if r.Skipped > 0 {
		why := "transactions that rolled back, or rows deleted before they were sealed"
		if driver == "sqlite" {
			why = "on SQLite a rollback leaves no gap, so rows deleted before they were sealed"
		}
		fmt.Fprintf(out, "%d ids were missing when the sealer passed them and are sealed over as gaps (%s)\n", r.Skipped, why)
	}
	if r.Unsealed > 0 {
		fmt.Fprintf(out, "%d recent rows are not sealed yet, so not protected yet (the sealer of `aartha serve` seals them once settled: %s after they are written on PostgreSQL)\n",
			r.Unsealed, DefaultAuditSealGrace)
	}
	if r.Late > 0 {
		fmt.Fprintf(out, "ANOMALY: %d rows lie below the chain head but are not sealed (ids %v): they were committed after the sealer had passed over their ids (a transaction open longer than the grace period) or were inserted by hand; the chain does not cover them\n", r.Late, r.LateIDs)
		return ErrAuditTrailOutside
	}
	return nil
}
