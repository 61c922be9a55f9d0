package sqlb

import (
	"database/sql"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// WorkColumns is what a step loads (the claims of BenchmarkProcessNext): the contact, its session, and one row
// per pending message. Loads end with one more column: the contact's
// version (see ScanLoads).
const WorkColumns = `c.id, c.integration_id, c.key, c.wa_id, c.user_id, c.profile_name, c.username, c.language, c.opted_out,
	c.version, c.steps, c.conversations, c.msg_seq, c.first_seen, c.last_seen,
	s.contact_id IS NOT NULL, s.state, s.checksum, s.flow_id, s.flow_version, s.conversation, s.updated_at, s.expires_at,
	i.id, i.wamid, i.type, i.summary, i.wa_ts, i.received_at, i.input, i.attempts, i.wa_id, i.user_id, i.profile_name, i.username,
	EXISTS (SELECT 1 FROM outbox o WHERE o.contact_id = c.id AND o.is_open)`

// loadRow is one row of a load: the contact, its session, and one pending
// message. ScanLoads scans every row into one loadRow, so that a row costs
// no allocation of its own beyond its values.
type loadRow struct {
	c                                        driver.Contact
	version, steps, msgSeq, snapshot         int64
	conversations                            int
	first, last, updated, expires, wa, recvd driver.Time
	hasSession, outboxOpen                   bool
	state                                    []byte
	checksum, conversation                   sql.NullInt64
	flow, flowVersion                        sql.NullString
	m                                        driver.Message
	dest                                     []any
}

func newLoadRow() *loadRow {
	r := &loadRow{}
	r.dest = []any{&r.c.ID, &r.c.Integration, &r.c.Key, &r.c.WaID, &r.c.UserID, &r.c.Name, &r.c.Username, &r.c.Language, &r.c.OptedOut,
		&r.version, &r.steps, &r.conversations, &r.msgSeq, &r.first, &r.last,
		&r.hasSession, &r.state, &r.checksum, &r.flow, &r.flowVersion, &r.conversation, &r.updated, &r.expires,
		&r.m.ID, &r.m.Wamid, &r.m.Type, &r.m.Summary, &r.wa, &r.recvd, &r.m.Input, &r.m.Attempts,
		&r.m.WaID, &r.m.UserID, &r.m.ProfileName, &r.m.Username, &r.outboxOpen, &r.snapshot}
	return r
}

// ScanLoads reads the rows of steps, one contact's rows after another's.
// snapshots are the last column of each contact's first row: its version
// as the Postgres claim's snapshot saw it.
func ScanLoads(rows *sql.Rows) (loads []*driver.StepLoad, snapshots []int64, err error) {
	var l *driver.StepLoad
	r := newLoadRow()
	for rows.Next() {
		r.m = driver.Message{}
		if err := rows.Scan(r.dest...); err != nil {
			return nil, nil, err
		}
		m := r.m
		m.Timestamp, m.Received = r.wa.T, r.recvd.T
		if l == nil || r.c.ID != l.Contact.ID {
			c := r.c
			c.FirstSeen, c.LastSeen = r.first.T, r.last.T
			l = &driver.StepLoad{Contact: c, Steps: r.steps, Version: r.version, MsgSeq: r.msgSeq, Conversations: r.conversations,
				HasSession: r.hasSession, OutboxOpen: r.outboxOpen}
			if r.hasSession {
				l.State, l.Checksum = r.state, r.checksum
				l.Flow, l.FlowVersion = r.flow.String, r.flowVersion.String
				l.Conversation = int(r.conversation.Int64)
				l.Updated, l.Expires = r.updated.T, r.expires.T
			}
			loads, snapshots = append(loads, l), append(snapshots, r.snapshot)
		}
		l.Messages = append(l.Messages, m)
	}
	return loads, snapshots, rows.Err()
}

// OutboxReturning is what an outbox claim returns of each row (see
// ScanOutbox).
const OutboxReturning = ` RETURNING outbox.id, outbox.contact_id, outbox.integration_id, outbox.wa_id, outbox.user_id, outbox.seq,
	outbox.conversation, outbox.type, outbox.summary, outbox.payload, outbox.attempts, outbox.claims, outbox.created_at`

// ScanOutbox reads the rows of OutboxReturning.
func ScanOutbox(rows *sql.Rows) ([]driver.OutboxRow, error) {
	var out []driver.OutboxRow
	for rows.Next() {
		var m driver.OutboxRow
		var created driver.Time
		if err := rows.Scan(&m.ID, &m.ContactID, &m.Integration, &m.WaID, &m.UserID, &m.Seq, &m.Conversation,
			&m.Type, &m.Summary, &m.Payload, &m.Attempts, &m.Claims, &created); err != nil {
			return nil, err
		}
		m.Created = created.T
		out = append(out, m)
	}
	return out, rows.Err()
}
