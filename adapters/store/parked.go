package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
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
	var rows []parkedModel
	err := s.read(ctx, func(db *bun.DB) error {
		q := db.NewSelect().Model(&rows).Where("state = 2")
		if integration != "" {
			q.Where("integration_id = ?", integration)
		}
		return q.Order("id").Limit(limit).Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: parked messages: %w", err)
	}
	var out []ParkedMessage
	for _, r := range rows {
		out = append(out, ParkedMessage{ID: r.ID, Integration: r.IntegrationID, ContactID: r.ContactID, Wamid: r.Wamid, Type: r.Type,
			Summary: r.Summary, Attempts: r.Attempts, LastError: r.LastError, ParkedAt: r.DoneAt.T})
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
	var rows []parkedModel
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Table("inbox").Set("state = 0, attempts = 0, last_error = '', done_at = NULL").Where("state = 2")
		if integration != "" {
			q.Where("integration_id = ?", integration)
		}
		if ids != nil {
			q.Where("id IN (?)", bun.List(ids))
		}
		return q.Returning("id, integration_id, contact_id, wamid").Scan(ctx, &rows)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("store: requeue parked messages: %w", err)
	}
	var log []LogEntry
	least := int64(-1)
	for _, r := range rows {
		if least < 0 || r.ID < least {
			least = r.ID
		}
		log = append(log, LogEntry{Integration: r.IntegrationID, Level: LevelInfo, Kind: "message_requeued",
			Message: fmt.Sprintf("parked message %s of contact %s requeued", r.Wamid, maskedContact(r.ContactID))})
	}
	if len(log) == 0 {
		return 0, nil
	}
	s.drv.InboxReopened(least) // the rows may be under the claims' floor
	s.wakeInbox.notify(len(log))
	if _, err := s.Ingest(ctx, Batch{Log: log}); err != nil {
		return len(log), fmt.Errorf("store: %d parked messages requeued, but noting it in the event log failed: %w", len(log), err)
	}
	return len(log), nil
}
