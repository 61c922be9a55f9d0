package sqlite

import (
	"context"
	"database/sql"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// Ingest writes the batch in one transaction on the writer: the event-log
// rows, the contacts and inbox rows, then the statuses.
func (d *Driver) Ingest(ctx context.Context, in *driver.Ingest) ([]driver.InboxKey, error) {
	before := args()
	var final *sqlb.Builder
	if len(in.Messages) > 0 {
		final = args()
		sqlb.Contacts(final, in.Contacts, in.Now)
		sqlb.Inbox(final, in.Messages, in.Now)
	}
	sqlb.Log(before, in.Log, in.Now)
	after := args()
	applyStatuses(after, in)
	var keys []driver.InboxKey
	err := d.batch(ctx, before, final, after, func(rows *sql.Rows) error {
		for rows.Next() {
			var k driver.InboxKey
			if err := rows.Scan(&k.ContactID, &k.Wamid); err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return rows.Err()
	})
	return keys, err
}

// applyStatuses records the statuses and moves matching outbox rows forward
// (the history reads an outbound message's delivery from its outbox row).
// A row moves only to a higher rank (sent < delivered < read < failed), so
// repeats, regressions and any status after failed change nothing. A
// status for a message id nobody knows (yet) is noted in the event log,
// once.
func applyStatuses(q *sqlb.Builder, in *driver.Ingest) {
	// v is a VALUES table of the best status per wamid: column1 wamid,
	// column2 rank, column3 at, column4-6 error, column7 integration,
	// column8 status name.
	values := func(list []driver.Status) func(i int) {
		return func(i int) {
			st := list[i]
			q.Raw("(").Str(st.Wamid).Raw(", ").Int(int64(driver.StatusRank(st.Status))).Raw(", ").Time(st.Timestamp).Raw(", ")
			q.ErrorFields(st.ErrorCode, st.ErrorTitle, st.ErrorDetails).Raw(", ").Str(st.Integration).Raw(", ").Str(st.Status).Raw(")")
		}
	}
	// First (before the statuses are recorded, so that a repeat is not
	// noted twice): note statuses for message ids nobody knows (yet),
	// unless being marked sent right now (see driver.Ingest.Expected).
	var unknown []driver.Status
	for _, st := range in.Best {
		if !in.Expected(st.Wamid) {
			unknown = append(unknown, st)
		}
	}
	q.Each(len(unknown), "INSERT INTO event_log (integration_id, level, kind, message, at) SELECT v.column7, 'info', 'status_unmatched', "+
		"'status ' || v.column8 || ' for a message id not known (yet): ' || v.column1, v.column3 FROM (VALUES ", values(unknown),
		") AS v WHERE NOT EXISTS (SELECT 1 FROM statuses st WHERE st.wamid = v.column1 AND st.status = v.column8)"+
			" AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.provider_wamid = v.column1)")
	q.Each(len(in.All), "INSERT INTO statuses (wamid, status, rank, integration_id, at, recipient, error_code, error_title, error_details, received_at) VALUES ", func(i int) {
		st := in.All[i]
		q.Raw("(").Str(st.Wamid).Raw(", ").Str(st.Status).Raw(", ").Int(int64(driver.StatusRank(st.Status))).Raw(", ").
			Str(st.Integration).Raw(", ").Time(st.Timestamp).Raw(", ").Str(sqlb.TrimTo(st.Recipient, 256)).Raw(", ")
		q.ErrorFields(st.ErrorCode, st.ErrorTitle, st.ErrorDetails).Raw(", ").Time(in.Now).Raw(")")
	}, " ON CONFLICT (wamid, status) DO NOTHING")
	const set = ` SET status = v.column2, status_at = v.column3,
	error_code = CASE WHEN v.column2 = 5 THEN v.column4 ELSE error_code END,
	error_title = CASE WHEN v.column2 = 5 THEN v.column5 ELSE error_title END,
	error_details = CASE WHEN v.column2 = 5 THEN v.column6 ELSE error_details END
FROM (VALUES `
	q.Each(len(in.Best), "UPDATE outbox"+set, values(in.Best), ") AS v WHERE outbox.provider_wamid = v.column1 AND outbox.status < v.column2")
}
