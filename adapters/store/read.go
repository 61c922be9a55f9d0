package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/samvad/samvad/engine"
)

// QueueDepths counts what is waiting, for metrics: inbox messages not yet
// processed, outbox messages not yet sent (queued or in flight), and parked
// inbox messages.
func (s *Store) QueueDepths(ctx context.Context) (inboxPending, outboxPending, parked int, err error) {
	q := s.sql().raw(`SELECT (SELECT COUNT(*) FROM inbox WHERE state = 0), (SELECT COUNT(*) FROM outbox WHERE is_open),
	(SELECT COUNT(*) FROM inbox WHERE state = 2)`)
	err = s.queryRows(ctx, q, func(rows *sql.Rows) error { return scanOne(rows, &inboxPending, &outboxPending, &parked) })
	if err != nil {
		return 0, 0, 0, fmt.Errorf("store: queue depths: %w", err)
	}
	return inboxPending, outboxPending, parked, nil
}

// PurgeExpired deletes sessions that expired before the given time (they
// would be ignored anyway) and closes their conversations. It returns how
// many it deleted.
func (s *Store) PurgeExpired(ctx context.Context, before time.Time) (int, error) {
	q := s.sql()
	q.raw("UPDATE conversations SET closed_at = ").time(before).raw(" WHERE closed_at IS NULL AND EXISTS (SELECT 1 FROM sessions s ",
		"WHERE s.contact_id = conversations.contact_id AND s.conversation = conversations.seq AND s.expires_at < ").time(before).raw(")").end()
	final := s.sql().raw("DELETE FROM sessions WHERE expires_at < ").time(before).raw(" RETURNING contact_id")
	n := 0
	err := s.batch(ctx, q, final, nil, func(rows *sql.Rows) error {
		for rows.Next() {
			n++
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge expired sessions: %w", classify(err))
	}
	return n, nil
}

// Contact returns a contact by id (ContactID), or ErrNotFound.
func (s *Store) Contact(ctx context.Context, id string) (Contact, error) {
	var c Contact
	var steps int64
	var first, last dbTime
	q := s.sql().raw(`SELECT id, integration_id, key, wa_id, user_id, profile_name, username, language, opted_out, steps,
	first_seen, last_seen FROM contacts WHERE id = `).str(id)
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error {
		return scanOne(rows, &c.ID, &c.Integration, &c.Key, &c.WaID, &c.UserID, &c.Name, &c.Username, &c.Language,
			&c.OptedOut, &steps, &first, &last)
	})
	if err == errNoRows {
		return c, fmt.Errorf("store: contact %s: %w", maskedContact(id), ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("store: contact %s: %w", maskedContact(id), err)
	}
	c.New = steps == 0
	c.FirstSeen, c.LastSeen = first.T, last.T
	return c, nil
}

// HistoryMessage is one message of a conversation, in or out.
type HistoryMessage struct {
	Seq          int64
	Conversation int
	// Direction is "in" (from the citizen) or "out".
	Direction string
	// Wamid is WhatsApp's id: the citizen's message id, or for an outbound
	// message the id it got when sent (empty before).
	Wamid   string
	Type    string
	Summary string
	// Status is queued, sent, delivered, read or failed for outbound
	// messages; received, or failed when it was parked, for inbound ones.
	Status       string
	ErrorCode    int
	ErrorTitle   string
	ErrorDetails string
	At           time.Time
	StatusAt     time.Time
}

// historySQL reads a contact's history (the caller appends the contact id,
// order and limit). An outbound message's wamid, delivery status and error
// live on its outbox row (same contact and seq), which MarkSent, MarkRetry,
// MarkFailed and status webhooks move; an inbound message's come from its
// own row (received, or failed with its error once parked). An outbound
// message's error shows only once it failed for good, not while it is
// retried.
const historySQL = `SELECT m.seq, m.conversation, m.direction, COALESCE(o.provider_wamid, m.wamid), m.type, m.summary,
	COALESCE(o.status, m.status),
	CASE WHEN o.seq IS NULL THEN m.error_code WHEN o.status = 5 THEN o.error_code END,
	CASE WHEN o.seq IS NULL THEN m.error_title WHEN o.status = 5 THEN o.error_title END,
	CASE WHEN o.seq IS NULL THEN m.error_details WHEN o.status = 5 THEN o.error_details END,
	m.at, COALESCE(o.status_at, m.status_at)
FROM messages m LEFT JOIN outbox o ON m.direction = 'out' AND o.contact_id = m.contact_id AND o.seq = m.seq
WHERE m.contact_id = `

// History returns a contact's last limit messages, oldest first.
func (s *Store) History(ctx context.Context, contactID string, limit int) ([]HistoryMessage, error) {
	if limit <= 0 {
		limit = 100
	}
	q := s.sql().raw(historySQL).str(contactID).raw(" ORDER BY m.seq DESC LIMIT ").int(int64(limit))
	var out []HistoryMessage
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			var m HistoryMessage
			var wamid, title, details sql.NullString
			var code sql.NullInt64
			var status int
			var at, statusAt dbTime
			err := rows.Scan(&m.Seq, &m.Conversation, &m.Direction, &wamid, &m.Type, &m.Summary, &status, &code, &title, &details, &at, &statusAt)
			m.Wamid, m.ErrorCode, m.ErrorTitle, m.ErrorDetails = wamid.String, int(code.Int64), title.String, details.String
			m.Status = rankName(status)
			if m.Direction == "in" && status == 0 {
				m.Status = "received"
			}
			m.At, m.StatusAt = at.T, statusAt.T
			out = append(out, m)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: history: %w", err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func rankName(r int) string {
	if r >= 0 && r < len(rankNames) {
		return rankNames[r]
	}
	return "unknown"
}

// OutboxRecord is an outbox row as it stands, for operators and tests.
type OutboxRecord struct {
	OutboxMessage
	// Status is queued, sending, sent, delivered, read or failed.
	Status        string
	ProviderWamid string
	ErrorCode     int
	ErrorTitle    string
	ErrorDetails  string
	Due           time.Time
	LeaseUntil    time.Time
	SentAt        time.Time
}

// ContactOutbox returns every outbox row of a contact, in order.
func (s *Store) ContactOutbox(ctx context.Context, contactID string) ([]OutboxRecord, error) {
	q := s.sql().raw(`SELECT id, contact_id, integration_id, wa_id, user_id, seq, conversation, type, summary, payload, attempts, claims,
	created_at, status, provider_wamid, error_code, error_title, error_details, due_at, lease_until, sent_at
	FROM outbox WHERE contact_id = `).str(contactID).raw(" ORDER BY seq")
	var out []OutboxRecord
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			var r OutboxRecord
			var status int
			var wamid, title, details sql.NullString
			var code sql.NullInt64
			var created, due, lease, sent dbTime
			err := rows.Scan(&r.ID, &r.ContactID, &r.Integration, &r.WaID, &r.UserID, &r.Seq, &r.Conversation, &r.Type, &r.Summary,
				&r.Payload, &r.Attempts, &r.Claims, &created, &status, &wamid, &code, &title, &details, &due, &lease, &sent)
			r.Status = rankName(status)
			r.ProviderWamid, r.ErrorCode, r.ErrorTitle, r.ErrorDetails = wamid.String, int(code.Int64), title.String, details.String
			r.Created, r.Due, r.LeaseUntil, r.SentAt = created.T, due.T, lease.T, sent.T
			out = append(out, r)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: contact outbox: %w", err)
	}
	return out, nil
}

// EventLog returns an integration's newest event-log rows, newest first.
func (s *Store) EventLog(ctx context.Context, integration string, limit int) ([]LogEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	q := s.sql().raw("SELECT id, integration_id, level, kind, message, data, at FROM event_log WHERE integration_id = ").str(integration).
		raw(" ORDER BY id DESC LIMIT ").int(int64(limit))
	var out []LogEntry
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			var e LogEntry
			var at dbTime
			err := rows.Scan(&e.ID, &e.Integration, &e.Level, &e.Kind, &e.Message, &e.Data, &at)
			e.At = at.T
			out = append(out, e)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: event log: %w", err)
	}
	return out, nil
}

// Events returns a contact's analytics events, oldest first.
func (s *Store) Events(ctx context.Context, contactID string) ([]engine.Event, error) {
	q := s.sql().raw("SELECT kind, flow, node, detail, at FROM events WHERE contact_id = ").str(contactID).raw(" ORDER BY id")
	var out []engine.Event
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			var e engine.Event
			var kind string
			var at dbTime
			err := rows.Scan(&kind, &e.Flow, &e.Node, &e.Detail, &at)
			e.Kind, e.At = engine.EventKind(kind), at.T
			out = append(out, e)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	return out, nil
}
