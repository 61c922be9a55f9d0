package postgres

import (
	"context"
	"database/sql"
	"strings"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// maxPreparedIngestRows is the most messages an ingest writes with
// prepared statements. Each number of rows is a statement of its own,
// prepared once per connection; most ingests carry one message (a webhook
// each, and a transaction each while the write connections keep up), and
// skipping the parse and plan of those is most of the gain. Larger batches
// are rarer and go as literal text, so that no connection keeps a prepared
// statement for every batch size up to the store's 1,000 rows.
const maxPreparedIngestRows = 8

// Ingest writes the batch in one round trip: the wamid locks and the
// event-log rows, the contacts and inbox rows, then the statuses.
func (d *Driver) Ingest(ctx context.Context, in *driver.Ingest) ([]driver.InboxKey, error) {
	before := d.literal()
	lockWamids(before, in.Best)
	var final *sqlb.Builder
	if len(in.Messages) > 0 {
		final = d.literal()
		if len(in.Messages) <= maxPreparedIngestRows {
			final = d.prepared()
		}
		sqlb.Contacts(final, in.Contacts, in.Now)
		sqlb.Inbox(final, in.Messages, in.Now)
	}
	sqlb.Log(before, in.Log, in.Now)
	after := d.applyStatuses(in)
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

// statusSQL records and applies one status ($1 wamid, $2 rank, $3 at,
// $4-$6 error, $7 integration, $8 status name, $9 recipient, $10 received):
// one prepared statement per status, so that every row it touches is found
// by its wamid's index, however stale the statistics of a young table are
// (an UPDATE joined to a VALUES list was planned as a scan of the whole
// wamid index of the history while statistics said the tables were empty).
// Every part sees the tables as they were before the statement, so the
// unmatched note is written only for a status not recorded before; $11
// says the message is being marked sent right now (no note: see
// driver.Ingest.Expected).
const statusSQL = `WITH known AS (
	SELECT EXISTS (SELECT 1 FROM statuses WHERE wamid = $1 AND status = $8)
		OR EXISTS (SELECT 1 FROM outbox WHERE provider_wamid = $1) AS yes
), recorded AS (
	INSERT INTO statuses (wamid, status, rank, integration_id, at, recipient, error_code, error_title, error_details, received_at)
	VALUES ($1, $8, $2, $7, $3, $9, $4, $5, $6, $10) ON CONFLICT (wamid, status) DO NOTHING
), o AS (
	UPDATE outbox SET status = $2, status_at = $3, error_code = CASE WHEN $2 = 5 THEN $4 ELSE error_code END,
		error_title = CASE WHEN $2 = 5 THEN $5 ELSE error_title END, error_details = CASE WHEN $2 = 5 THEN $6 ELSE error_details END
	WHERE provider_wamid = $1 AND status < $2
)
INSERT INTO event_log (integration_id, level, kind, message, at)
SELECT $7, 'info', 'status_unmatched', 'status ' || $8 || ' for a message id not known (yet): ' || $1, $3 FROM known WHERE NOT known.yes AND NOT $11`

// recordStatusSQL records a status that is not applied: one that a higher
// status of the same message in the batch overtakes, or one whose name
// WhatsApp added after this was written.
const recordStatusSQL = `INSERT INTO statuses (wamid, status, rank, integration_id, at, recipient, error_code, error_title, error_details, received_at)
VALUES ($1, $8, $2, $7, $3, $9, $4, $5, $6, $10) ON CONFLICT (wamid, status) DO NOTHING`

// applyStatuses records the statuses and moves matching outbox rows forward
// (the history reads an outbound message's delivery from its outbox row),
// as prepared statements, one per status, in key order (so that concurrent
// writers lock rows in the same order). A row moves only to a higher rank
// (sent < delivered < read < failed), so repeats, regressions and any
// status after failed change nothing. A status for a message id nobody
// knows (yet) is noted in the event log, once.
func (d *Driver) applyStatuses(in *driver.Ingest) *sqlb.Builder {
	q := d.prepared()
	isBest := make(map[[2]string]bool, len(in.Best))
	for _, st := range in.Best {
		isBest[[2]string{st.Wamid, st.Status}] = true
	}
	for _, st := range in.All {
		text := recordStatusSQL
		if isBest[[2]string{st.Wamid, st.Status}] {
			text = statusSQL
		}
		q.Str(st.Wamid).Int(int64(driver.StatusRank(st.Status))).Time(st.Timestamp)
		q.ErrorFields(st.ErrorCode, st.ErrorTitle, st.ErrorDetails)
		q.Str(st.Integration).Str(st.Status).Str(sqlb.TrimTo(st.Recipient, 256)).Time(in.Now)
		if text == statusSQL {
			q.Bool(in.Expected(st.Wamid))
		}
		q.EndAs(text)
	}
	return q
}

// lockWamids takes, first in an ingest transaction, the locks of the
// outbound message ids whose statuses it applies (lock_outbound_wamids, a
// procedure: a CALL returns no rows to read).
func lockWamids(q *sqlb.Builder, best []driver.Status) {
	if len(best) == 0 {
		return
	}
	wamids := make([]string, len(best))
	for i, st := range best {
		wamids[i] = st.Wamid
	}
	q.Raw("CALL lock_outbound_wamids(").Str(textArray(wamids)).Raw("::text[])").End()
}

// The first key of the advisory locks that keep a delivery status and the
// MarkSent of its message apart is 7261 (in lock_outbound_wamids, see the
// mark_outbox_sent migration). Without them the two can miss each other:
// under READ COMMITTED, a status applied while MarkSent is writing the row
// finds no row with that wamid yet (MarkSent has not committed), and
// MarkSent, reading the statuses, does not see the status (not committed
// either), so the row stays "sent" though "read" came (0.8% of replies
// under load). Each takes the wamid's lock in a statement of its own
// before it looks, so the later one waits for the earlier to commit and
// then sees its work. Locks are taken in hash order, all of a
// transaction's at once, so two batches cannot deadlock.

// textArray is a Postgres array literal of ss.
func textArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range v {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
