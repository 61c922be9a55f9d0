package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ParkedMessage is a citizen's message whose step kept failing: after
// Options.MaxAttempts it was set aside (parked), the citizen got the
// apology, and their later messages went on without it. Once the cause is
// mended (a flow fixed, a department's API back), RequeueParked gives it
// another go.
type ParkedMessage struct {
	// ID is the inbox row, as RequeueParked takes it.
	ID          int64
	Integration string
	ContactID   string
	Wamid       string
	Type        string
	Summary     string
	Attempts    int
	// LastError is the last failure, with digit runs (numbers a citizen
	// typed) redacted.
	LastError string
	ParkedAt  time.Time
}

// ParkedMessages returns up to limit parked messages, oldest first; of one
// integration, or of all when integration is "".
func (s *Store) ParkedMessages(ctx context.Context, integration string, limit int) ([]ParkedMessage, error) {
	if limit <= 0 {
		limit = 100
	}
	q := s.sql().raw("SELECT id, integration_id, contact_id, wamid, type, summary, attempts, last_error, done_at FROM inbox WHERE state = 2")
	if integration != "" {
		q.raw(" AND integration_id = ").str(integration)
	}
	q.raw(" ORDER BY id LIMIT ").int(int64(limit))
	var out []ParkedMessage
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			var m ParkedMessage
			var at dbTime
			err := rows.Scan(&m.ID, &m.Integration, &m.ContactID, &m.Wamid, &m.Type, &m.Summary, &m.Attempts, &m.LastError, &at)
			m.ParkedAt = at.T
			out = append(out, m)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: parked messages: %w", err)
	}
	return out, nil
}

// RequeueParked puts parked messages back in the inbox with their attempts
// reset, to be stepped again like new ones (each as its contact's next
// input, after whatever the contact sent since). ids chooses them; nil
// means every parked message (of integration, or of all when it is "").
// An id that is not parked (unknown, or requeued already) is skipped. It
// returns the messages requeued and notes each in its integration's event
// log. Workers of this process are woken; other processes find the
// messages at their next poll.
func (s *Store) RequeueParked(ctx context.Context, integration string, ids []int64) (int, error) {
	if ids != nil && len(ids) == 0 {
		return 0, nil
	}
	q := s.sql().raw("UPDATE inbox SET state = 0, attempts = 0, last_error = '', done_at = NULL WHERE state = 2")
	if integration != "" {
		q.raw(" AND integration_id = ").str(integration)
	}
	if ids != nil {
		q.raw(" AND id IN (")
		for i, id := range ids {
			if i > 0 {
				q.raw(", ")
			}
			q.int(id)
		}
		q.raw(")")
	}
	q.raw(" RETURNING id, integration_id, contact_id, wamid")
	var log []LogEntry
	least := int64(-1)
	err := s.batch(ctx, nil, q, nil, func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			var id int64
			var integ, contact, wamid string
			err := rows.Scan(&id, &integ, &contact, &wamid)
			if least < 0 || id < least {
				least = id
			}
			log = append(log, LogEntry{Integration: integ, Level: LevelInfo, Kind: "message_requeued",
				Message: fmt.Sprintf("parked message %s of contact %s requeued", wamid, maskedContact(contact))})
			return err
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: requeue parked messages: %w", classify(err))
	}
	if len(log) == 0 {
		return 0, nil
	}
	s.inboxFloor.lower(least) // the rows are under it (see queueFloor)
	s.wakeInbox.notify(len(log))
	if _, err := s.Ingest(ctx, Batch{Log: log}); err != nil {
		return len(log), fmt.Errorf("store: %d parked messages requeued, but noting it in the event log failed: %w", len(log), err)
	}
	return len(log), nil
}
