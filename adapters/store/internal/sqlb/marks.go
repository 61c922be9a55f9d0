package sqlb

import (
	"strconv"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// The send marks go as one round trip on Postgres, like MarkSent
// (BenchmarkOutboxSend measures the claim and MarkSent; Retry, Fail and
// Release take the same path, on the rarer failures and holds).

// Retry writes m: before notes the failure for good in the event log when
// this was the last attempt, final puts the row back (due again after its
// attempt's delay) or fails it, and returns its status when it was in
// flight.
func Retry(before, final *Builder, m *driver.RetryMark) {
	maxN := int64(m.MaxAttempts)
	failedNote(before, m.ID, m.Note, m.Now, " AND o.attempts + 1 >= "+strconv.FormatInt(maxN, 10))
	q := final
	q.Raw("UPDATE outbox SET attempts = attempts + 1, lease_until = NULL, status_at = ").Time(m.Now).
		Raw(", error_code = ").Int(int64(m.Code)).Raw(", error_title = ").Str(TrimTo(m.Reason, 512)).
		Raw(", status = CASE WHEN attempts + 1 >= ").Int(maxN).Raw(" THEN 5 ELSE 0 END").
		Raw(", is_open = CASE WHEN attempts + 1 >= ").Int(maxN).Raw(" THEN FALSE ELSE TRUE END, due_at = ")
	if len(m.Due) > 0 {
		// The delay depends on how many attempts the row has had, which only
		// the row knows: list them all, so the change stays one statement.
		q.Raw("CASE attempts")
		for n, due := range m.Due {
			q.Raw(" WHEN ").Int(int64(n)).Raw(" THEN ").Time(due)
		}
		q.Raw(" ELSE due_at END")
	} else {
		q.Raw("due_at")
	}
	q.Raw(" WHERE id = ").Int(m.ID).Raw(" AND status = 1 RETURNING status")
}

// Fail writes m: before notes it in the event log, final fails the row
// and returns its status when it was in flight.
func Fail(before, final *Builder, m *driver.FailMark) {
	failedNote(before, m.ID, m.Note, m.Now, "")
	final.Raw("UPDATE outbox SET status = 5, is_open = FALSE, lease_until = NULL, status_at = ").Time(m.Now).
		Raw(", error_code = ").Int(int64(m.Code)).Raw(", error_title = ").Str(TrimTo(m.Reason, 512)).
		Raw(" WHERE id = ").Int(m.ID).Raw(" AND status = 1 RETURNING status")
}

// Release puts a claimed row back unsent, due at due, and returns its
// status when it was in flight.
func Release(final *Builder, id int64, due time.Time) {
	final.Raw("UPDATE outbox SET status = 0, lease_until = NULL, due_at = ").Time(due.UTC()).
		Raw(" WHERE id = ").Int(id).Raw(" AND status = 1 RETURNING status")
}

// failedNote notes in the event log that a claimed outbox row failed for
// good, when cond (on outbox o) holds.
func failedNote(q *Builder, id int64, note string, now time.Time, cond string) {
	q.Raw("INSERT INTO event_log (integration_id, level, kind, message, at) SELECT o.integration_id, 'error', 'send_failed', ").
		Raw("'outbox message ' || o.id || ' ' || ").Str(TrimTo(note, 2000)).Raw(", ").Time(now).
		Raw(" FROM outbox o WHERE o.id = ").Int(id).Raw(" AND o.status = 1", cond).End()
}
