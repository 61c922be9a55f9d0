package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/engine"
)

// QueueDepths counts what is waiting, for metrics: inbox messages not yet
// processed, outbox messages not yet sent (queued or in flight), and parked
// inbox messages.
func (s *Store) QueueDepths(ctx context.Context) (inboxPending, outboxPending, parked int, err error) {
	err = s.read(ctx, func(db *bun.DB) error {
		count := func(table, where string) *bun.SelectQuery {
			return db.NewSelect().Table(table).ColumnExpr("COUNT(*)").Where(where)
		}
		return db.NewSelect().
			ColumnExpr("(?)", count("inbox", "state = 0")).
			ColumnExpr("(?)", count("outbox", "is_open")).
			ColumnExpr("(?)", count("inbox", "state = 2")).
			Scan(ctx, &inboxPending, &outboxPending, &parked)
	})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("store: queue depths: %w", err)
	}
	return inboxPending, outboxPending, parked, nil
}

// PurgeExpired deletes sessions that expired before the given time (they
// would be ignored anyway) and closes their conversations. It returns how
// many it deleted.
func (s *Store) PurgeExpired(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		at := driver.At(before)
		expired := tx.NewSelect().Table("sessions").ColumnExpr("1").
			Where("sessions.contact_id = conversations.contact_id AND sessions.conversation = conversations.seq AND sessions.expires_at < ?", at)
		if _, err := tx.NewUpdate().Table("conversations").Set("closed_at = ?", at).
			Where("closed_at IS NULL").Where("EXISTS (?)", expired).Exec(ctx); err != nil {
			return err
		}
		res, err := tx.NewDelete().Table("sessions").Where("expires_at < ?", at).Exec(ctx)
		if err != nil {
			return err
		}
		deleted, err := res.RowsAffected()
		n = int(deleted)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge expired sessions: %w", err)
	}
	return n, nil
}

// Contact returns a contact by id (ContactID), or ErrNotFound.
func (s *Store) Contact(ctx context.Context, id string) (Contact, error) {
	var m contactModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx)
	})
	if errors.Is(err, ErrNotFound) {
		return Contact{}, fmt.Errorf("store: contact %s: %w", maskedContact(id), ErrNotFound)
	}
	if err != nil {
		return Contact{}, fmt.Errorf("store: contact %s: %w", maskedContact(id), err)
	}
	return Contact{ID: m.ID, Integration: m.IntegrationID, Key: m.Key, WaID: m.WaID, UserID: m.UserID, Name: m.ProfileName,
		Username: m.Username, Language: m.Language, OptedOut: m.OptedOut, New: m.Steps == 0,
		FirstSeen: m.FirstSeen.T, LastSeen: m.LastSeen.T}, nil
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
	// Actor is the staff member who sent an outbound message ("" for the
	// bot's replies and the citizen's messages).
	Actor string
}

// historyColumns are what History reads of a message. An outbound
// message's wamid, delivery status and error live on its outbox row (same
// contact and seq), which MarkSent, MarkRetry, MarkFailed and status
// webhooks move; an inbound message's come from its own row (received, or
// failed with its error once parked). An outbound message's error shows
// only once it failed for good, not while it is retried.
var historyColumns = []string{
	"m.seq", "m.conversation", "m.direction", "COALESCE(o.provider_wamid, m.wamid) AS wamid", "m.type", "m.summary",
	"COALESCE(o.status, m.status) AS status",
	"CASE WHEN o.seq IS NULL THEN m.error_code WHEN o.status = 5 THEN o.error_code END AS error_code",
	"CASE WHEN o.seq IS NULL THEN m.error_title WHEN o.status = 5 THEN o.error_title END AS error_title",
	"CASE WHEN o.seq IS NULL THEN m.error_details WHEN o.status = 5 THEN o.error_details END AS error_details",
	"m.at", "COALESCE(o.status_at, m.status_at) AS status_at", "m.actor",
}

// History returns a contact's last limit messages, oldest first.
func (s *Store) History(ctx context.Context, contactID string, limit int) ([]HistoryMessage, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []historyModel
	err := s.read(ctx, func(db *bun.DB) error {
		q := db.NewSelect().TableExpr("messages AS m").
			Join("LEFT JOIN outbox AS o ON m.direction = 'out' AND o.contact_id = m.contact_id AND o.seq = m.seq").
			Where("m.contact_id = ?", contactID).OrderExpr("m.seq DESC").Limit(limit)
		for _, c := range historyColumns {
			q.ColumnExpr(c)
		}
		return q.Scan(ctx, &rows)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: history: %w", err)
	}
	return historyOf(rows), nil
}

// historyOf turns rows read newest first into messages oldest first.
func historyOf(rows []historyModel) []HistoryMessage {
	out := make([]HistoryMessage, len(rows))
	for i, r := range rows {
		m := HistoryMessage{Seq: r.Seq, Conversation: r.Conversation, Direction: r.Direction, Wamid: r.Wamid.String,
			Type: r.Type, Summary: r.Summary, Status: rankName(r.Status), ErrorCode: int(r.ErrorCode.Int64),
			ErrorTitle: r.ErrorTitle.String, ErrorDetails: r.ErrorDetails.String, At: r.At.T, StatusAt: r.StatusAt.T, Actor: r.Actor}
		if m.Direction == "in" && r.Status == 0 {
			m.Status = "received"
		}
		out[i] = m
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
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
	var rows []outboxModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&rows).Where("contact_id = ?", contactID).Order("seq").Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: contact outbox: %w", err)
	}
	var out []OutboxRecord
	for _, r := range rows {
		out = append(out, OutboxRecord{
			OutboxMessage: OutboxMessage{ID: r.ID, ContactID: r.ContactID, Integration: r.IntegrationID, WaID: r.WaID, UserID: r.UserID,
				Seq: r.Seq, Conversation: r.Conversation, Type: r.Type, Summary: r.Summary, Payload: r.Payload,
				Attempts: r.Attempts, Claims: r.Claims, Created: r.CreatedAt.T},
			Status: rankName(r.Status), ProviderWamid: r.ProviderWamid.String, ErrorCode: int(r.ErrorCode.Int64),
			ErrorTitle: r.ErrorTitle.String, ErrorDetails: r.ErrorDetails.String,
			Due: r.DueAt.T, LeaseUntil: r.LeaseUntil.T, SentAt: r.SentAt.T,
		})
	}
	return out, nil
}

// EventLog returns an integration's newest event-log rows, newest first.
func (s *Store) EventLog(ctx context.Context, integration string, limit int) ([]LogEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []eventLogModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&rows).Where("integration_id = ?", integration).OrderExpr("id DESC").Limit(limit).Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: event log: %w", err)
	}
	var out []LogEntry
	for _, r := range rows {
		out = append(out, LogEntry{ID: r.ID, Integration: r.IntegrationID, Level: r.Level, Kind: r.Kind, Message: r.Message, Data: r.Data, At: r.At.T})
	}
	return out, nil
}

// Events returns a contact's analytics events, oldest first.
func (s *Store) Events(ctx context.Context, contactID string) ([]engine.Event, error) {
	var rows []eventModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&rows).Where("contact_id = ?", contactID).Order("id").Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	var out []engine.Event
	for _, r := range rows {
		out = append(out, engine.Event{Kind: engine.EventKind(r.Kind), Flow: r.Flow, Node: r.Node, Detail: r.Detail, At: r.At.T})
	}
	return out, nil
}

// read runs a read on the database's read pool; no row is ErrNotFound.
func (s *Store) read(ctx context.Context, fn func(db *bun.DB) error) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.dbError(fn(s.drv.ReadDB()))
}

// write runs fn in a write transaction.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.dbError(s.drv.DB().RunInTx(ctx, nil, fn))
}

// dbError classifies err, and makes no row ErrNotFound.
func (s *Store) dbError(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return s.classify(err)
}
