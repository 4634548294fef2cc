package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// RescueOrphans makes the jobs that a stopped or killed sender left marked
// running available again, and returns how many it found. Call it only
// while holding the signer's sender lock and before Start: then no other
// process works this queue, so every running job is an orphan (River's own
// rescuer would wait an hour; a batch job marked running also keeps any new
// batch job from being queued until then). A rescued job runs again under
// the same idempotency keys, so nothing it sent is sent twice.
func (w *Worker) RescueOrphans(ctx context.Context) (int, error) {
	exec := w.river.Driver().GetExecutor()
	horizon := time.Now().Add(time.Minute) // every running job, clock skew included
	rescued := 0
	var after int64
	for {
		stuck, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{AfterID: after, Max: 100, StuckHorizon: horizon})
		if err != nil {
			return rescued, fmt.Errorf("find orphaned jobs: %w", err)
		}
		if len(stuck) == 0 {
			return rescued, nil
		}
		now := time.Now().UTC()
		p := &riverdriver.JobRescueManyParams{StuckHorizon: horizon}
		for _, job := range stuck {
			after = job.ID
			msg, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(job.Attempt, 0),
				Error: "orphaned: the process working it stopped; rescued by the replica that took the sender lock"})
			if err != nil {
				return rescued, fmt.Errorf("rescue orphaned jobs: %w", err)
			}
			p.ID = append(p.ID, job.ID)
			p.Error = append(p.Error, msg)
			p.FinalizedAt = append(p.FinalizedAt, nil)
			p.ScheduledAt = append(p.ScheduledAt, now)
			p.State = append(p.State, string(rivertype.JobStateAvailable))
		}
		if _, err := exec.JobRescueMany(ctx, p); err != nil {
			return rescued, fmt.Errorf("rescue orphaned jobs: %w", err)
		}
		rescued += len(stuck)
	}
}
