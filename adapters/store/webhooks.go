package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// The events the outgoing webhook tells a department's system about.
const (
	// WebhookHandoff: a flow handed a conversation to the officers.
	WebhookHandoff = "handoff"
	// WebhookHandoffMessage: a citizen wrote in a conversation that is
	// with the officers.
	WebhookHandoffMessage = "handoff_message"
	// WebhookCaseChanged: a grievance or service request changed status
	// (or was assigned, escalated, remarked on).
	WebhookCaseChanged = "case_changed"
)

// WebhookEvents are every event the outgoing webhook sends.
var WebhookEvents = []string{WebhookHandoff, WebhookHandoffMessage, WebhookCaseChanged}

// The states of a webhook delivery.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	// DeliveryFailed: given up after the most attempts.
	DeliveryFailed = "failed"
)

// Delivery is one JSON POST to a department's system.
type Delivery struct {
	ID int64
	// Department is told; a producer that knows only the integration sets
	// Integration instead, and the deliverer finds its department.
	Department  string
	Integration string
	Event       string
	// Key, when set, makes the delivery once only per department: a
	// second one with the same key is not queued.
	Key string
	// Payload is the event's data, a JSON object.
	Payload   json.RawMessage
	Status    string
	Attempts  int
	LastError string
	Created   time.Time
	Due       time.Time
	Delivered time.Time
}

type webhookDeliveryModel struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	ID          int64          `bun:"id,pk,autoincrement"`
	Department  string         `bun:"department"`
	Integration string         `bun:"integration_id"`
	Event       string         `bun:"event"`
	EventKey    sql.NullString `bun:"event_key"`
	Payload     []byte         `bun:"payload"`
	Status      string         `bun:"status"`
	Attempts    int            `bun:"attempts"`
	LastError   string         `bun:"last_error"`
	CreatedAt   driver.Time    `bun:"created_at"`
	DueAt       driver.Time    `bun:"due_at"`
	LeaseUntil  driver.Time    `bun:"lease_until"`
	LeaseOwner  string         `bun:"lease_owner"`
	DeliveredAt driver.Time    `bun:"delivered_at"`
}

func (m *webhookDeliveryModel) delivery() Delivery {
	return Delivery{ID: m.ID, Department: m.Department, Integration: m.Integration, Event: m.Event, Key: m.EventKey.String,
		Payload: m.Payload, Status: m.Status, Attempts: m.Attempts, LastError: m.LastError,
		Created: m.CreatedAt.T, Due: m.DueAt.T, Delivered: m.DeliveredAt.T}
}

type webhookTailModel struct {
	bun.BaseModel `bun:"table:webhook_tail"`

	Name   string `bun:"name,pk"`
	LastID int64  `bun:"last_id"`
}

// QueueWebhook queues a delivery through db: the store's own database, or
// a transaction of another write, so that the department is told exactly
// when the change commits. now is when it is due. A delivery whose Key was
// queued before for the department is not queued again; queued reports
// whether this one was.
func QueueWebhook(ctx context.Context, db bun.IDB, d Delivery, now time.Time) (queued bool, err error) {
	if (d.Department == "" && d.Integration == "") || d.Event == "" {
		return false, invalidf("webhook delivery needs a department (or an integration) and an event")
	}
	if !json.Valid(d.Payload) || len(d.Payload) == 0 || d.Payload[0] != '{' {
		return false, invalidf("webhook %s payload is not a JSON object", d.Event)
	}
	m := &webhookDeliveryModel{Department: d.Department, Integration: d.Integration, Event: d.Event, Payload: d.Payload,
		Status: DeliveryPending, CreatedAt: driver.At(now), DueAt: driver.At(now)}
	if d.Key != "" {
		m.EventKey = sql.NullString{String: d.Key, Valid: true}
	}
	res, err := db.NewInsert().Model(m).ExcludeColumn("id", "lease_until", "delivered_at").
		On("CONFLICT (department, event_key) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: queue webhook: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// QueueWebhook queues a delivery on its own (see the package function to
// queue one inside another write).
func (s *Store) QueueWebhook(ctx context.Context, d Delivery) (queued bool, err error) {
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		queued, err = QueueWebhook(ctx, tx, d, s.now())
		return err
	})
	return queued, err
}

// ClaimWebhooks leases up to limit due deliveries to owner for lease, and
// counts an attempt on each. A delivery leased to one process is not
// claimed by another until the lease ends, so two delivery loops never
// post the same delivery at once.
func (s *Store) ClaimWebhooks(ctx context.Context, owner string, limit int, lease time.Duration) ([]Delivery, error) {
	now := s.now()
	var rows []webhookDeliveryModel
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		due := tx.NewSelect().Model((*webhookDeliveryModel)(nil)).Column("id").
			Where("status = ?", DeliveryPending).Where("due_at <= ?", driver.At(now)).
			Where("(lease_until IS NULL OR lease_until < ?)", driver.At(now)).
			Order("due_at", "id").Limit(limit)
		if tx.Dialect().Name() == dialect.PG {
			due = due.For("UPDATE SKIP LOCKED")
		}
		return tx.NewUpdate().Model((*webhookDeliveryModel)(nil)).
			Set("lease_until = ?", driver.At(now.Add(lease))).Set("lease_owner = ?", owner).
			Set("attempts = attempts + 1").
			Where("id IN (?)", due).Returning("*").Scan(ctx, &rows)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: claim webhooks: %w", err)
	}
	out := make([]Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].delivery()
	}
	return out, nil
}

// WebhookDelivered records that the department's system took a delivery.
func (s *Store) WebhookDelivered(ctx context.Context, id int64, owner string) error {
	return s.settleWebhook(ctx, id, owner, func(q *bun.UpdateQuery) {
		q.Set("status = ?", DeliveryDelivered).Set("delivered_at = ?", driver.At(s.now())).Set("last_error = ''")
	})
}

// WebhookFailed records a failed attempt: the delivery is due again at
// retryAt, or, when retryAt is zero, given up (DeliveryFailed).
func (s *Store) WebhookFailed(ctx context.Context, id int64, owner, reason string, retryAt time.Time) error {
	return s.settleWebhook(ctx, id, owner, func(q *bun.UpdateQuery) {
		q.Set("last_error = ?", trimTo(reason, 1024))
		if retryAt.IsZero() {
			q.Set("status = ?", DeliveryFailed)
		} else {
			q.Set("due_at = ?", driver.At(retryAt))
		}
	})
}

// DropWebhook deletes a delivery owner holds that nobody is to receive
// (its department has no webhook for the event).
func (s *Store) DropWebhook(ctx context.Context, id int64, owner string) error {
	return s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*webhookDeliveryModel)(nil)).
			Where("id = ?", id).Where("lease_owner = ?", owner).Where("status = ?", DeliveryPending).Exec(ctx)
		return err
	})
}

// PruneWebhooks deletes the deliveries delivered or given up before
// before, and returns how many.
func (s *Store) PruneWebhooks(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*webhookDeliveryModel)(nil)).
			Where("status IN (?)", bun.List([]string{DeliveryDelivered, DeliveryFailed})).
			Where("created_at < ?", driver.At(before)).Exec(ctx)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n, err
}

// settleWebhook ends owner's lease on a delivery with set's changes. A
// lease another process took over since is left alone.
func (s *Store) settleWebhook(ctx context.Context, id int64, owner string, set func(*bun.UpdateQuery)) error {
	return s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*webhookDeliveryModel)(nil)).
			Set("lease_until = NULL").Set("lease_owner = ''").
			Where("id = ?", id).Where("lease_owner = ?", owner).Where("status = ?", DeliveryPending)
		set(q)
		_, err := q.Exec(ctx)
		return err
	})
}

// WebhookQuery selects a department's deliveries.
type WebhookQuery struct {
	// Department's deliveries are listed, with those queued for one of
	// its Integrations without naming it.
	Department   string
	Integrations []string
	// Status is pending, delivered or failed; empty: all.
	Status string
	// BeforeID pages backwards: only deliveries older than this one.
	BeforeID int64
	// Limit is the page size (default 50, at most 200).
	Limit int
}

// WebhookDeliveries lists a department's deliveries, newest first.
func (s *Store) WebhookDeliveries(ctx context.Context, q WebhookQuery) ([]Delivery, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	var rows []webhookDeliveryModel
	err := s.read(ctx, func(db *bun.DB) error {
		sel := db.NewSelect().Model(&rows).Order("id DESC").Limit(min(limit, 200))
		if len(q.Integrations) == 0 {
			sel.Where("department = ?", q.Department)
		} else {
			sel.Where("(department = ? OR (department = '' AND integration_id IN (?)))", q.Department, bun.List(q.Integrations))
		}
		if q.Status != "" {
			sel.Where("status = ?", q.Status)
		}
		if q.BeforeID > 0 {
			sel.Where("id < ?", q.BeforeID)
		}
		return sel.Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: webhook deliveries: %w", err)
	}
	out := make([]Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].delivery()
	}
	return out, nil
}

// HandoffEvent is a handoff or handoff_message event read from the events
// table for the webhook.
type HandoffEvent struct {
	ID           int64
	Integration  string
	ContactID    string
	Conversation int
	Kind         string
	Flow, Node   string
	// Detail is the queue, for a handoff.
	Detail string
	At     time.Time
}

type handoffEventRow struct {
	ID            int64       `bun:"id"`
	IntegrationID string      `bun:"integration_id"`
	ContactID     string      `bun:"contact_id"`
	Conversation  int         `bun:"conversation"`
	Kind          string      `bun:"kind"`
	Flow          string      `bun:"flow"`
	Node          string      `bun:"node"`
	Detail        string      `bun:"detail"`
	At            driver.Time `bun:"at"`
}

// TailHandoffs reads, in one transaction, the handoff and handoff_message
// events after the position remembered under name and older than settle
// (so that a step still committing is seldom passed over: SweepHandoffs
// finds the rest), hands them to
// queue with the transaction, and remembers the last one read. The first
// call starts at the newest event: history is not replayed. Several
// processes may tail at once: the deliveries' keys keep each event to
// one delivery. It returns how many events it read.
func (s *Store) TailHandoffs(ctx context.Context, name string, settle time.Duration, limit int,
	queue func(ctx context.Context, tx bun.IDB, events []HandoffEvent) error) (int, error) {
	kinds := []string{WebhookHandoff, WebhookHandoffMessage}
	read := 0
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		pos := &webhookTailModel{Name: name}
		err := tx.NewSelect().Model(pos).WherePK().Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.NewSelect().TableExpr("events").ColumnExpr("COALESCE(MAX(id), 0)").
				Where("kind IN (?)", bun.List(kinds)).Scan(ctx, &pos.LastID)
			if err == nil {
				_, err = tx.NewInsert().Model(pos).On("CONFLICT (name) DO NOTHING").Exec(ctx)
			}
			return err
		}
		if err != nil {
			return err
		}
		var rows []handoffEventRow
		err = tx.NewSelect().TableExpr("events").
			ColumnExpr("id, integration_id, contact_id, conversation, kind, flow, node, detail, at").
			Where("kind IN (?)", bun.List(kinds)).Where("id > ?", pos.LastID).
			OrderExpr("id").Limit(limit).Scan(ctx, &rows)
		if err != nil {
			return err
		}
		rows = settled(rows, s.now().Add(-settle))
		if len(rows) == 0 {
			return nil
		}
		if err := queue(ctx, tx, handoffEvents(rows)); err != nil {
			return err
		}
		read = len(rows)
		_, err = tx.NewUpdate().Model((*webhookTailModel)(nil)).Set("last_id = ?", rows[len(rows)-1].ID).
			Where("name = ?", name).Where("last_id = ?", pos.LastID).Exec(ctx)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("store: tail handoffs: %w", err)
	}
	return read, nil
}

// SweepHandoffs hands queue the handoff and handoff_message events since
// since, whatever the tail has read, in one transaction. Ids are given as
// rows are inserted, not as their transactions commit, so on Postgres a
// step can commit an event below the tail's position after the tail read
// past it; a sweep over the last minutes finds it, and the deliveries'
// keys keep every event it finds again to its one delivery.
func (s *Store) SweepHandoffs(ctx context.Context, since time.Time,
	queue func(ctx context.Context, tx bun.IDB, events []HandoffEvent) error) (int, error) {
	n := 0
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []handoffEventRow
		err := tx.NewSelect().TableExpr("events").
			ColumnExpr("id, integration_id, contact_id, conversation, kind, flow, node, detail, at").
			Where("kind IN (?)", bun.List([]string{WebhookHandoff, WebhookHandoffMessage})).
			Where("at >= ?", driver.At(since)).OrderExpr("id").Limit(5000).Scan(ctx, &rows)
		if err != nil || len(rows) == 0 {
			return err
		}
		n = len(rows)
		return queue(ctx, tx, handoffEvents(rows))
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("store: sweep handoffs: %w", err)
	}
	return n, nil
}

func handoffEvents(rows []handoffEventRow) []HandoffEvent {
	events := make([]HandoffEvent, len(rows))
	for i, r := range rows {
		events[i] = HandoffEvent{ID: r.ID, Integration: r.IntegrationID, ContactID: r.ContactID,
			Conversation: r.Conversation, Kind: r.Kind, Flow: r.Flow, Node: r.Node, Detail: r.Detail, At: r.At.T}
	}
	return events
}

// settled keeps the events up to the first that is newer than before: a
// step that began before it may not have committed yet, and the tail must
// not pass over it.
func settled(rows []handoffEventRow, before time.Time) []handoffEventRow {
	for i, r := range rows {
		if r.At.T.After(before) {
			return rows[:i]
		}
	}
	return rows
}

// EventKey is the delivery key of an event read from the events table.
func EventKey(integration string, id int64) string {
	return "event:" + integration + ":" + strconv.FormatInt(id, 10)
}

// CaseChange is the data of a case_changed delivery: what changed in a
// grievance or service request, and who changed it.
type CaseChange struct {
	Integration    string    `json:"integration"`
	Reference      string    `json:"reference"`
	Kind           string    `json:"kind"`
	Status         string    `json:"status"`
	PreviousStatus string    `json:"previous_status"`
	Note           string    `json:"note,omitempty"`
	Actor          string    `json:"actor"`
	At             time.Time `json:"at"`
}

// QueueCaseChange queues a case_changed delivery for department (or, when
// it is "", for the department of c.Integration) through db: a
// transaction of the write that changes the case, so the department is
// told exactly when it commits. A department without a webhook for
// case_changed gets nothing: the delivery is deleted when its turn comes.
func QueueCaseChange(ctx context.Context, db bun.IDB, department string, c CaseChange, now time.Time) error {
	if c.At.IsZero() {
		c.At = now
	}
	c.At = c.At.UTC()
	payload, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: case change: %w", err)
	}
	_, err = QueueWebhook(ctx, db, Delivery{Department: department, Integration: c.Integration, Event: WebhookCaseChanged, Payload: payload}, now)
	return err
}

// QueueCaseChange queues a case_changed delivery on its own (see the
// package function to queue one inside the write that changes the case).
func (s *Store) QueueCaseChange(ctx context.Context, department string, c CaseChange) error {
	return s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		return QueueCaseChange(ctx, tx, department, c, s.now())
	})
}
