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

// ScanLoads reads the rows of steps, one contact's rows after another's.
// snapshots are the last column of each contact's first row: its version
// as the Postgres claim's snapshot saw it.
func ScanLoads(rows *sql.Rows) (loads []*driver.StepLoad, snapshots []int64, err error) {
	var l *driver.StepLoad
	for rows.Next() {
		var c driver.Contact
		var version, steps, msgSeq, snapshot int64
		var conversations int
		var first, last, updated, expires, wa, received driver.Time
		var hasSession, outboxOpen bool
		var state []byte
		var checksum, conversation sql.NullInt64
		var flow, flowVersion sql.NullString
		var m driver.Message
		err := rows.Scan(&c.ID, &c.Integration, &c.Key, &c.WaID, &c.UserID, &c.Name, &c.Username, &c.Language, &c.OptedOut,
			&version, &steps, &conversations, &msgSeq, &first, &last,
			&hasSession, &state, &checksum, &flow, &flowVersion, &conversation, &updated, &expires,
			&m.ID, &m.Wamid, &m.Type, &m.Summary, &wa, &received, &m.Input, &m.Attempts,
			&m.WaID, &m.UserID, &m.ProfileName, &m.Username, &outboxOpen, &snapshot)
		if err != nil {
			return nil, nil, err
		}
		m.Timestamp, m.Received = wa.T, received.T
		if l == nil || c.ID != l.Contact.ID {
			c.FirstSeen, c.LastSeen = first.T, last.T
			l = &driver.StepLoad{Contact: c, Steps: steps, Version: version, MsgSeq: msgSeq, Conversations: conversations,
				HasSession: hasSession, OutboxOpen: outboxOpen}
			if hasSession {
				l.State, l.Checksum = state, checksum
				l.Flow, l.FlowVersion = flow.String, flowVersion.String
				l.Conversation = int(conversation.Int64)
				l.Updated, l.Expires = updated.T, expires.T
			}
			loads, snapshots = append(loads, l), append(snapshots, snapshot)
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
